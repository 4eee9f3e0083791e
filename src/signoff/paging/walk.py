"""One walk of a paged list at one page size: every page in turn until the list ends, the id of
each item seen (in order, repeats kept) and the totals the service reported on the way."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from signoff.paging.find import Listing

MAX_PAGES = 200  # a list that never ends (a cursor that loops) is reported, not walked forever
ITEM_KEYS = ("items", "data", "results", "records", "entries", "content", "rows", "values")
TOTAL_KEYS = ("total", "count", "total_count", "totalCount", "total_items", "totalItems")
NEXT_KEYS = ("next_cursor", "nextCursor", "next_page_token", "nextPageToken", "cursor", "next")
ID_KEYS = ("id", "uuid", "key", "_id")
TOTAL_HEADER = "X-Total-Count"


@dataclass(frozen=True)
class Walk:
    """What one walk saw: item ids in the order met, totals reported, pages read, and why it
    stopped early ("" when the list ended)."""

    size: int
    ids: list[str] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    pages: int = 0
    error: str = ""

    @property
    def repeated(self) -> list[str]:
        """The ids met more than once, each once, in the order met."""
        seen: set[str] = set()
        twice: list[str] = []
        for item in self.ids:
            if item in seen and item not in twice:
                twice.append(item)
            seen.add(item)
        return twice


def items_of(body: Any) -> list[Any] | None:
    """The items of one page: the body when it is a list, else its list under a usual key, else
    its only list."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        return None
    for key in ITEM_KEYS:
        if isinstance(body.get(key), list):
            return list(body[key])
    lists = [v for v in body.values() if isinstance(v, list)]
    return lists[0] if len(lists) == 1 else None


def id_field(item: Any) -> str:
    """An item's id field ("" when it has none)."""
    if isinstance(item, dict):
        for key in ID_KEYS:
            if item.get(key) is not None:
                return str(item[key])
    return ""


def identity(item: Any) -> str:
    """An item's id field, or the whole item when it has none."""
    return id_field(item) or json.dumps(item, sort_keys=True, default=str)


def total_of(response: httpx.Response, body: Any) -> int | None:
    """The total the service reports: in the body (also under `meta`) or in X-Total-Count."""
    header = response.headers.get(TOTAL_HEADER, "")
    if header.isdigit():
        return int(header)
    for holder in (body, body.get("meta") if isinstance(body, dict) else None):
        if isinstance(holder, dict):
            for key in TOTAL_KEYS:
                value = holder.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
    return None


def next_cursor(response: httpx.Response, body: Any) -> str | None:
    """Where the next page is: a cursor in the body (also under `links`/`meta`), or the URL of
    a `Link: rel="next"` header."""
    link = response.links.get("next", {}).get("url")
    if link:
        return str(link)
    if not isinstance(body, dict):
        return None
    for holder in [body, *(body.get(k) for k in ("links", "meta", "paging"))]:
        if isinstance(holder, dict):
            for key in NEXT_KEYS:
                value = holder.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                    return str(value)
    return None


class Walker:
    """Walks one list with `client` (its base URL and credential set)."""

    def __init__(self, client: httpx.Client, listing: Listing) -> None:
        self.client = client
        self.listing = listing

    def walk(self, size: int) -> Walk:
        ids: list[str] = []
        totals: list[int] = []
        url: str = self.listing.path
        params: dict[str, Any] = {self.listing.size: size}
        position = self.listing.first_page if self.listing.style == "page" else 0
        cursors: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            if self.listing.style != "cursor":
                params[self.listing.position] = position
            try:
                response = self.client.get(url, params=params)
                body = response.json() if response.status_code < 300 else None
            except (httpx.HTTPError, ValueError) as exc:
                return Walk(size, ids, totals, page, f"page {page} failed: {exc}")
            found = items_of(body)
            if found is None:
                why = f"page {page} answered {response.status_code} without a list of items"
                return Walk(size, ids, totals, page, why)
            ids += [identity(i) for i in found]
            total = total_of(response, body)
            totals += [] if total is None else [total]
            if not found:
                return Walk(size, ids, totals, page)
            if self.listing.style == "offset":
                position += size
            elif self.listing.style == "page":
                position += 1
            else:
                cursor = next_cursor(response, body)
                if cursor is None:
                    return Walk(size, ids, totals, page)
                if cursor in cursors:
                    return Walk(size, ids, totals, page, f"page {page} gave a cursor seen before")
                cursors.add(cursor)
                if cursor.startswith(("http://", "https://", "/")):
                    url, params = cursor, {}
                else:
                    params[self.listing.position] = cursor
        return Walk(size, ids, totals, MAX_PAGES, f"the list did not end in {MAX_PAGES} pages")
