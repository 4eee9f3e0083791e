"""A written value found again in what the service answers, and compared by meaning: decimals
as decimals ("1.230" is 1.23), datetimes as instants, dates as days, text under canonical
Unicode equivalence (NFC), anything else as JSON."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from signoff.probes.edges import DATE, DECIMAL, INSTANT, TEXT
from signoff.probes.resources import ID_FIELDS


def decimal(value: Any) -> Decimal | None:
    """A JSON number or a numeric string as a Decimal (a float by its shortest spelling)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    try:
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            found = Decimal(value.strip())
            return found if found.is_finite() else None
    except InvalidOperation:
        return None
    return None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # a service that stores UTC and drops the offset still keeps the instant
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def same(kind: str, written: Any, read: Any) -> bool:
    """Whether `read` is the value `written`, compared the way its kind means it."""
    if kind == DECIMAL:
        ours, theirs = decimal(written), decimal(read)
        return ours is not None and ours == theirs
    if kind == INSTANT:
        first, second = _instant(written), _instant(read)
        return first is not None and first == second
    if kind == DATE:
        day = _day(written)
        return day is not None and day == _day(read)
    if kind == TEXT:
        if not (isinstance(written, str) and isinstance(read, str)):
            return False
        return unicodedata.normalize("NFC", written) == unicodedata.normalize("NFC", read)
    return bool(written == read)


def _holders(answer: Any, field: str) -> Iterator[dict[str, Any]]:
    """Every object in an answer that has `field`, the shallowest first."""
    level = [answer]
    for _ in range(6):
        following: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                if field in item:
                    yield item
                following += list(item.values())
            elif isinstance(item, list):
                following += item
        level = following


def _mentions(holder: dict[str, Any], tag: str) -> bool:
    return any(isinstance(v, str) and tag in v for v in holder.values())


def locate(answer: Any, field: str, ident: str, tag: str) -> tuple[bool, Any]:
    """(found, value) of `field` in the object an answer holds for one write: the object with
    the created id `ident`, else the one that shows the write's `tag`, else the only object
    with the field; (False, None) when none or several could be it."""
    holders = list(_holders(answer, field))
    chosen = [h for h in holders if ident and any(str(h.get(k)) == ident for k in ID_FIELDS)]
    chosen = chosen or [h for h in holders if tag and _mentions(h, tag)]
    chosen = chosen or (holders if len(holders) == 1 else [])
    if not chosen:
        return False, None
    return True, chosen[0][field]
