"""Every screen of the console, as an HR administrator reaches it from the menu (and one page deeper), on a
small training year (demo.py):

- an accessibility scan with axe-core (vendored: vendor/axe.min.js) finds no serious or critical violation;
- a screenshot of each, kept under docs/screenshots/ when `TALENT_TRAINING_SCREENSHOTS` names that folder
  (`make screenshots`), else in the test's own folder, where it is only checked to be an image.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from talent_training.console.pages import screens_of
from tests.console.browser.conftest import Console, _chromium
from tests.console.browser.demo import AUDITOR, HR, MANAGER, seed_year
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENS_PER_MENU_ENTRY = 6  # the menu's page and a few it links to: one of each kind is what matters
# Links not to follow: files, other languages, other pages of a list, leaving.
_SKIPPED = re.compile(r"\.(csv|xlsx)(\?|$)|[?&](lang|page|format)=|/sign-out|/static/|/print$")
_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary),
  }));
}"""


@pytest.fixture
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium())
        try:
            yield browser
        finally:
            browser.close()


def _signed_in(browser: Browser, console: Console, email: str, locale: str = "en-GB") -> Page:
    # The scan injects axe's script into our pages, which their Content-Security-Policy would refuse.
    page = browser.new_context(
        locale=locale, bypass_csp=True, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.goto(f"{console.url}/console/sign-in")
    page.locator("input[name=email]").fill(email)  # by name: the labels are in the page's language
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{console.url}/console")
    return page


def screens(page: Page, console: Console, role: str = "hr-admin") -> Iterator[str]:
    """Each page reached from the menu, and the pages of the same screen it links to (a path once)."""
    page.goto(f"{console.url}/console")
    menu = page.eval_on_selector_all("nav.screens a", "links => links.map(a => a.getAttribute('href'))")
    assert menu == [address for address, _ in screens_of(role)]
    seen: set[str] = set()
    for entry in ["/console", *menu]:
        queue, visited = [entry], 0
        while queue and visited < SCREENS_PER_MENU_ENTRY:
            address = queue.pop(0)
            path = urlsplit(address).path
            if path in seen:
                continue
            seen.add(path)
            answer = page.goto(console.url + address)
            assert answer is not None and answer.status == 200, f"{address}: {answer and answer.status}"
            visited += 1
            yield address
            if entry == "/console":
                continue
            links = page.eval_on_selector_all(
                "main a[href]", "links => links.map(a => a.getAttribute('href'))"
            )
            queue += [
                link
                for link in links
                if link.startswith(entry) and not _SKIPPED.search(link) and urlsplit(link).path not in seen
            ]


def _violations(page: Page) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, object]] = page.evaluate(_AXE_RUN)
    return [violation for violation in found if violation["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(
    ("email", "role", "locale"),
    [(HR, "hr-admin", "en-GB"), (MANAGER, "manager", "fr-FR"), (AUDITOR, "auditor", "en-GB")],
)
def test_no_screen_has_a_serious_accessibility_violation(
    console: Console, chromium: Browser, email: str, role: str, locale: str
) -> None:
    seed_year(console)
    anonymous = chromium.new_context(locale=locale, bypass_csp=True).new_page()
    anonymous.goto(f"{console.url}/console/sign-in")
    problems = {"/console/sign-in": _violations(anonymous)}
    page = _signed_in(chromium, console, email, locale)
    scanned = []
    for address in screens(page, console, role):
        scanned.append(address)
        problems[address] = _violations(page)
    assert len(scanned) > len(screens_of(role)), (
        scanned
    )  # the home page and every entry of the menu, at least
    found = [
        f"{address}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
        for address, vs in problems.items()
        for v in vs
    ]
    assert not found, "\n".join(found)


def _file_name(address: str) -> str:
    path = urlsplit(address).path.removeprefix("/console").strip("/") or "home"
    return re.sub(r"\d+", "id", path).replace("/", "-") + ".png"


def test_screenshots_of_every_screen(console: Console, chromium: Browser, tmp_path: Path) -> None:
    folder = Path(os.environ.get("TALENT_TRAINING_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    seed_year(console)
    page = _signed_in(chromium, console, HR)
    taken = []
    for _ in screens(page, console):
        name = _file_name(page.url)  # where it led: /console/catalog is the trainings' list
        if name in taken:  # the first page of each kind is enough
            continue
        page.screenshot(path=str(folder / name), full_page=True)
        taken.append(name)
    assert len(taken) >= 9, taken
    for name in taken:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
