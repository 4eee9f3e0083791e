"""Path and query parameters the routes share: ids and pages."""

from __future__ import annotations

import os
import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

MAX_ID = 2**62
# The template's pagination took any integer; TASKS_BUGS=negative_limit puts that bug back
# (PostgreSQL refuses a negative LIMIT, and the route answers 500).
_UNBOUNDED = "negative_limit" in os.environ.get("TASKS_BUGS", "")


def _whole_number(value: object) -> object:
    """Digits only: int() also takes surrounding whitespace and underscores."""
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
        raise ValueError("a whole number is made of digits only")
    return value


Digits = BeforeValidator(_whole_number)
Skip = Annotated[int, Query(ge=0, le=MAX_ID), Digits]
Limit = Annotated[int, Query(ge=None if _UNBOUNDED else 0, le=1000), Digits]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A user's id.")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="An item's id.")]
