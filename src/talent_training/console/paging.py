"""What every list of the console shares: the API's paging (`page`, a cursor from the links or an index, and
`limit`), the links to a list's previous and next pages keeping its filters, and whether htmx asked for one
part of a page rather than the whole of it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from talent_training.kit.paging import Page, PageRequest, RootField
from talent_training.web.params import page_request
from talent_training.web.request import Request

LINKS = frozenset({RootField.PREV, RootField.NEXT})  # a page's links need both cursors


async def page_of(request: Request, limit: int | None = None) -> PageRequest:
    """The page asked for, as the API reads it; `limit` when the address gives none."""
    asked = await page_request(request)
    if limit is not None and "limit" not in request.query_params:
        asked = replace(asked, limit=limit)
    return replace(asked, fields=LINKS)


async def page_links(
    request: Request,
    result: Page[Any],
    *,
    name: str = "page",
    path: str | None = None,
    dropped: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`prev_url` and `next_url` of the list: this address (or `path`) with the cursor as `name`, every other
    parameter kept but the `dropped` ones (a notice said once)."""
    codec = await request.cursor_codec()
    url = request.url.remove_query_params(dropped) if dropped else request.url

    def link(cursor: Any) -> str | None:
        if cursor is None:
            return None
        return f"{path or request.url.path}?{url.include_query_params(**{name: codec.encode(cursor)}).query}"

    return {"prev_url": link(result.prev), "next_url": link(result.next)}


def partial(request: Request, target: str) -> bool:
    """An htmx request for the element `target` of the page (not the whole page, which history restores ask
    for)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-target") == target
        and headers.get("hx-history-restore-request") != "true"
    )
