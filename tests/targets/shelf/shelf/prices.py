"""Prices: an account's amounts in 3-decimal currencies, where signoff's roundtrip layer is tried.

Bugs on purpose (SHELF_BUGS): `narrow` stores the documented 3-decimal amount in a column of 2
places (a migration that narrowed it); `truncate` keeps 100 characters of a note documented up
to 200; `asciionly` refuses a label with a non-ASCII letter, which the document allows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Request
from pydantic import BaseModel, Field

from . import app as shelf

AMOUNT = r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"


class PriceIn(BaseModel):
    label: Annotated[str, Field(min_length=1, max_length=40)]
    amount: Annotated[str, Field(pattern=AMOUNT)]
    quantity: Annotated[int, Field(ge=0, le=1000)]
    due: date | None = None
    at: datetime | None = None
    note: Annotated[str | None, Field(max_length=200)] = None


class PriceOut(BaseModel):
    id: int
    label: str
    amount: str
    quantity: int
    due: date | None
    at: datetime | None
    note: str | None


COLUMNS = "id, label, amount::text AS amount, quantity, due, at, note"
router = APIRouter()


@router.post("/api/prices", status_code=201, response_model=PriceOut, responses=shelf.DENIED)
def create_price(request: Request, price: PriceIn, owner: shelf.Account) -> dict[str, Any]:
    app = shelf.shelf(request)
    if "asciionly" in app.bugs and not price.label.isascii():
        raise HTTPException(422, "Labels must be ASCII.")
    note = price.note[:100] if price.note and "truncate" in app.bugs else price.note
    with shelf.connect(app.dsn) as conn:
        row = conn.execute(
            "INSERT INTO prices (account_id, label, amount, quantity, due, at, note)"
            f" VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
            (owner, price.label, Decimal(price.amount), price.quantity, price.due, price.at, note),
        ).fetchone()
    assert row is not None
    return dict(row)


@router.get("/api/prices/{price_id}", response_model=PriceOut, responses=shelf.MISSING)
def get_price(
    request: Request, price_id: Annotated[int, Path(ge=1, le=2**31 - 1)], owner: shelf.Account
) -> dict[str, Any]:
    app = shelf.shelf(request)
    with shelf.connect(app.dsn) as conn:
        row = conn.execute(
            f"SELECT {COLUMNS} FROM prices WHERE id = %s AND account_id = %s", (price_id, owner)
        ).fetchone()
    if row is None:
        raise HTTPException(404, "No such price.")
    return dict(row)


def install(app: FastAPI, dsn: str, bugs: frozenset[str]) -> None:
    """The prices table (its amount column as the bugs make it) and routes."""
    places = 2 if "narrow" in bugs else 3
    with shelf.connect(dsn) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS prices (id serial PRIMARY KEY,"
            " account_id int NOT NULL REFERENCES accounts, label text NOT NULL,"
            f" amount numeric(15, {places}) NOT NULL, quantity int NOT NULL,"
            " due date, at timestamptz, note text)"
        )
    app.include_router(router)
