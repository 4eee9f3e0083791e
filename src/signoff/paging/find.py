"""The paged lists of an OpenAPI document: GET operations whose query parameters page them by
offset (offset/skip and limit), by page number (page and size/per_page) or by cursor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.openapi import resolve_ref

Style = Literal["offset", "page", "cursor"]
SIZES = ("limit", "size", "per_page", "page_size", "pagesize", "perpage", "take", "max_results")
OFFSETS = ("offset", "skip", "start")
PAGES = ("page", "page_number", "pagenumber")
CURSORS = ("cursor", "after", "page_token", "pagetoken", "starting_after", "continuation")
STYLES: tuple[tuple[Style, tuple[str, ...]], ...] = (
    ("offset", OFFSETS),
    ("page", PAGES),
    ("cursor", CURSORS),
)


@dataclass(frozen=True)
class Listing:
    """A paged list: its path, how it pages, the bounds of its page size, whether a POST on the
    same path is documented (`creates`) and its JSON body's schema (None: it takes no body)."""

    path: str
    style: Style
    size: str  # the page-size parameter
    position: str  # the offset, page-number or cursor parameter
    first_page: int = 1
    min_size: int = 1
    max_size: int | None = None
    creates: bool = False
    create: dict[str, Any] | None = None
    required: list[str] = field(default_factory=list)  # other required query parameters

    @property
    def name(self) -> str:
        return f"GET {self.path}"


def _query(document: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The operation's query parameters by name, `$ref`s resolved."""
    found = {}
    for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = resolve_ref(document, raw) if isinstance(raw, dict) else {}
        if param.get("in") == "query" and param.get("name"):
            found[str(param["name"])] = param
    return found


def _pick(params: dict[str, Any], names: tuple[str, ...]) -> str:
    return next((p for p in params if p.lower() in names), "")


def _bound(document: dict[str, Any], param: dict[str, Any], key: str) -> int | None:
    schema = resolve_ref(document, param.get("schema") or {})
    value = schema.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _create_schema(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any] | None:
    post = item.get("post")
    if not isinstance(post, dict):
        return None
    body = resolve_ref(document, post.get("requestBody") or {})
    content = body.get("content") or {}
    json_body = content.get("application/json")
    if not isinstance(json_body, dict):
        return None
    return resolve_ref(document, json_body.get("schema") or {})


def listing(document: dict[str, Any], path: str, item: dict[str, Any]) -> Listing | None:
    """The paged list at `path`, or None when its GET has no paging parameters."""
    op = item.get("get")
    if not isinstance(op, dict):
        return None
    params = _query(document, item, op)
    size = _pick(params, SIZES)
    chosen = [(style, _pick(params, names)) for style, names in STYLES if _pick(params, names)]
    if not chosen or not size:
        return None  # not paged, or (a cursor alone) no page size to vary
    style, position = chosen[0]
    first = None
    if style == "page":  # the documented default page is the first, else the lowest allowed
        first = _bound(document, params[position], "default")
        first = _bound(document, params[position], "minimum") if first is None else first
    used = {size, position}
    return Listing(
        path,
        style,
        size,
        position,
        first_page=1 if first is None else first,
        min_size=_bound(document, params[size], "minimum") or 1,
        max_size=_bound(document, params[size], "maximum"),
        creates=isinstance(item.get("post"), dict),
        create=_create_schema(document, item),
        required=[n for n, p in params.items() if p.get("required") and n not in used],
    )


def listings(document: dict[str, Any]) -> tuple[list[Listing], list[str]]:
    """Every paged list of the document, and the paged lists left out (with why)."""
    found, skipped = [], []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        paged = listing(document, str(path), item)
        if paged is None:
            continue
        if "{" in paged.path:
            skipped.append(f"{paged.name}: needs path parameters")
        elif paged.required:
            skipped.append(f"{paged.name}: needs the query parameters {', '.join(paged.required)}")
        else:
            found.append(paged)
    return found, skipped
