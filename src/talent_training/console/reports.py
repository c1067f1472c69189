"""Reports: hours and cost by month, department, category and provider, and the share of the staff trained,
for one year, as charts (SVG drawn here, no script) each beside a table of the same numbers, and each table
as a CSV file.

    /console/reports                 GET the year's reports (`?year=`, this year by default)
    /console/reports/{kind}.csv      GET one report's every line (`?year=`): month, department, category,
                                     provider, staff

The numbers are reports/service.py's (what counts is decided and said there). An HR administrator and an
auditor see the account's; a manager their team's (`scope.team`), every number of the page and files.
A page shows a report's largest lines (`SHOWN`) and the rest as one "other" line; the file has every line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from talent_training.console import scope
from talent_training.console.catalog import category_name
from talent_training.console.i18n import Messages, add_messages, language_of
from talent_training.console.messages.reports import EN, FR
from talent_training.console.pages import Pages, render
from talent_training.kit.clock import today
from talent_training.kit.problems import RuleViolation
from talent_training.reports import exporting
from talent_training.reports import service as reports
from talent_training.reports.exporting import KINDS
from talent_training.reports.repository import CATEGORY, DEPARTMENT, MONTH, PROVIDER
from talent_training.reports.service import Line, StaffLine, YearReports
from talent_training.web.request import Request

pages = Pages("/reports")
HOME = "/console/reports"
SHOWN = 15  # a report's lines on the page (charts stay readable); the rest are summed as one line
YEARS_SHOWN = 30  # the years the select offers, at most, ending with the last one that has records
# A manager is offered the last ten years whatever was recorded when: which years the account has records in
# is not their team's business.
MANAGER_YEARS = 10
# The chart's geometry, in the SVG's own units (it scales to the page's width).
CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH, BAR_HEIGHT, GAP = 640, 190, 110, 18, 6


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as the table shows it
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_x: int = LABEL_WIDTH + 8


def chart(chart_id: str, title: str, points: list[tuple[str, int, str]]) -> Chart:
    """Horizontal bars of `points` (label, value, value as written), the longest bar for the largest value."""
    largest = max((value for _, value, _ in points), default=0)
    room = CHART_WIDTH - LABEL_WIDTH - 8 - VALUE_WIDTH
    bars = [
        Bar(
            label if len(label) <= 28 else label[:27] + "…",
            text,
            GAP + n * (BAR_HEIGHT + GAP),
            round(room * value / largest, 1) if largest else 0,
        )
        for n, (label, value, text) in enumerate(points)
    ]
    return Chart(chart_id, title, bars, GAP + len(bars) * (BAR_HEIGHT + GAP))


# Numbers as the page's language writes them -----------------------------------------------------------------


def number(hundredths: int, language: str, decimals: int | None = None) -> str:
    """12345.5 as "12,345.5" (en) or "12 345,5" (fr): two decimals (`decimals=2`, money), else at most two."""
    whole, cents = divmod(hundredths, 100)
    fraction = f"{cents:02d}" if decimals == 2 else f"{cents:02d}".rstrip("0")
    text = f"{whole:,}" + (f".{fraction}" if fraction else "")
    return text.replace(",", "\u202f").replace(".", ",") if language == "fr" else text


def count(value: int, language: str) -> str:
    return number(value * 100, language)


def money(hundredths: int | None, currency: str, language: str) -> str:
    return "" if hundredths is None else f"{number(hundredths, language, 2)}\u00a0{currency}"


def share(line: StaffLine, language: str) -> str:
    found = exporting.percent(line.share)
    if not found:
        return "\u2013"  # an en dash: nobody active
    return f"{found.replace('.', ',')}\u00a0%" if language == "fr" else f"{found}%"


# The page ---------------------------------------------------------------------------------------------------


def _year(request: Request, t: Messages) -> tuple[int, dict[str, list[str]]]:
    """The year asked (`?year=`), else this year in the service's time zone; what is wrong with it."""
    this_year = today(request.settings.zone).year
    asked = request.query_params.get("year", "")
    if not asked:
        return this_year, {}
    if asked.isascii() and asked.isdigit() and reports.FIRST_YEAR <= int(asked) <= reports.LAST_YEAR:
        return int(asked), {}
    return this_year, {"year": [t("reports.year_invalid", first=reports.FIRST_YEAR, last=reports.LAST_YEAR)]}


def _names(request: Request, t: Messages) -> Any:
    def name_of(kind: str, line: Line) -> str:
        if kind == MONTH:
            return t(f"reports.month.{line.key}")
        if line.key is None:
            return t(f"reports.none.{kind}")
        if kind == CATEGORY and line.name is not None:
            return category_name(line.name, line.translations, request)
        return line.name or f"#{line.key}"  # a key whose row is gone since (a race): its id

    return name_of


def _shown(lines: list[Line], t: Messages) -> list[Line]:
    """The largest lines, and the others summed as one (its name says how many)."""
    if len(lines) <= SHOWN + 1:
        return lines
    others = Line(None, t("reports.others", count=len(lines) - SHOWN))
    for line in lines[SHOWN:]:
        others.trainings += line.trainings
        others.hours += line.hours
        for currency, cost in line.costs.items():
            others.costs[currency] = others.costs.get(currency, 0) + cost
    return [*lines[:SHOWN], others]


def _section(kind: str, found: YearReports, t: Messages, language: str, name_of: Any) -> dict[str, Any]:
    lines = found.lines[kind] if kind == MONTH else _shown(found.lines[kind], t)
    names = [line.name if line.key is None and line.name else name_of(kind, line) for line in lines]
    charts = [
        chart(
            f"{kind}-hours",
            t("reports.chart.hours", report=t(f"reports.by.{kind}")),
            [
                (name, line.hours, number(line.hours, language))
                for name, line in zip(names, lines, strict=True)
            ],
        )
    ]
    for currency in found.currencies:
        charts.append(
            chart(
                f"{kind}-cost-{currency}",
                t("reports.chart.cost", report=t(f"reports.by.{kind}"), currency=currency),
                [
                    (
                        name,
                        line.costs.get(currency, 0),
                        money(line.costs.get(currency, 0), currency, language),
                    )
                    for name, line in zip(names, lines, strict=True)
                ],
            )
        )
    rows = [
        {
            "name": name,
            "trainings": count(line.trainings, language),
            "hours": number(line.hours, language),
            "costs": [
                money(line.costs.get(currency, 0), currency, language) for currency in found.currencies
            ],
        }
        for name, line in zip(names, lines, strict=True)
    ]
    return {"kind": kind, "charts": charts, "rows": rows, "all": len(found.lines[kind])}


def _staff_section(found: YearReports, t: Messages, language: str, name_of: Any) -> dict[str, Any]:
    lines = found.staff
    shown = [(name_of(DEPARTMENT, Line(line.department_id, line.name)), line) for line in lines[:SHOWN]]
    if len(lines) == SHOWN + 1:
        shown.append((name_of(DEPARTMENT, Line(lines[SHOWN].department_id, lines[SHOWN].name)), lines[SHOWN]))
    elif len(lines) > SHOWN + 1:
        others = lines[SHOWN:]
        rest = StaffLine(None, None, sum(o.headcount for o in others), sum(o.trained for o in others))
        shown.append((t("reports.others", count=len(others)), rest))
    points = [(name, round((line.share or 0) * 10000), share(line, language)) for name, line in shown]
    rows = [
        {
            "name": name,
            "headcount": count(line.headcount, language),
            "trained": count(line.trained, language),
            "share": share(line, language),
        }
        for name, line in shown
    ]
    return {
        "charts": [chart("staff-share", t("reports.chart.staff"), points)],
        "rows": rows,
        "all": len(lines),
    }


def _years(request: Request, year: int, span: tuple[int, int] | None, manager: bool) -> list[int]:
    """The years offered: those with records and this one, at most `YEARS_SHOWN`, and the chosen one."""
    this_year = today(request.settings.zone).year
    if manager:
        span = (this_year - MANAGER_YEARS + 1, this_year)
    first, last = span or (this_year, this_year)
    last = max(last, this_year)
    first = max(min(first, this_year), last - YEARS_SHOWN + 1)
    return sorted({*range(first, last + 1), year}, reverse=True)


@pages.page("")
async def reports_page(request: Request) -> Response:
    t = Messages(language_of(request))
    language = language_of(request)
    year, errors = _year(request, t)
    account = request.principal.account_id
    async with request.read() as tx:
        team = await scope.team(tx, request)
        found = await reports.year_reports(tx, account, year, team)
        span = None if team is not None else await reports.years_with_records(tx, account)
    name_of = _names(request, t)
    total = found.total
    return render(
        request,
        "reports/reports.html",
        year=year,
        years=_years(request, year, span, manager=team is not None),
        errors=errors,
        manager=team is not None,
        total={
            "trainings": count(total.trainings, language),
            "hours": number(total.hours, language),
            "costs": [money(total.costs[currency], currency, language) for currency in found.currencies],
            "trained": count(found.staff_total.trained, language),
            "headcount": count(found.staff_total.headcount, language),
            "share": share(found.staff_total, language),
        },
        currencies=found.currencies,
        sections=[
            _section(kind, found, t, language, name_of) for kind in (MONTH, DEPARTMENT, CATEGORY, PROVIDER)
        ],
        staff=_staff_section(found, t, language, name_of),
        shown=SHOWN,
        chart_width=CHART_WIDTH,
        value_x=CHART_WIDTH - VALUE_WIDTH + 4,
    )


def _download(kind: str) -> None:
    async def download(request: Request) -> Response:
        t = Messages(language_of(request))
        year, errors = _year(request, t)
        if errors:
            raise RuleViolation("year", errors["year"][0])
        async with request.read() as tx:
            found = await reports.year_reports(
                tx, request.principal.account_id, year, await scope.team(tx, request)
            )
        header, lines = exporting.rows(found, kind, _names(request, t))
        return Response(
            exporting.csv_bytes(header, lines),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="training-{kind}-{year}.csv"',
                "Cache-Control": "no-store",
                "Vary": "Accept-Language, Cookie",
            },
        )

    pages.page(f"/{kind}.csv")(download)


for _kind in KINDS:
    _download(_kind)


add_messages(en=EN, fr=FR)
