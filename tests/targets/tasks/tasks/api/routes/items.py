"""Items: each belongs to the user who created it; a superuser sees every user's."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from ... import crud
from ...core.db import Connection, Row
from ...models import ItemCreate, ItemPublic, ItemsPublic, ItemUpdate, Message
from ..deps import AUTH, FORBIDDEN, NOT_FOUND, CurrentUser, SessionDep
from .paging import ItemId, Limit, Skip

router = APIRouter(prefix="/items", tags=["items"], responses=AUTH)


@router.get("/")
def read_items(
    conn: SessionDep, current_user: CurrentUser, skip: Skip = 0, limit: Limit = 100
) -> ItemsPublic:
    owner = None if current_user["is_superuser"] else current_user["id"]
    rows, count = crud.list_items(conn, owner, skip, limit)
    return ItemsPublic(data=[ItemPublic(**r) for r in rows], count=count)


@router.post("/")
def create_item(conn: SessionDep, current_user: CurrentUser, item_in: ItemCreate) -> ItemPublic:
    return ItemPublic(**crud.create_item(conn, item_in, current_user["id"]))


def _owned(conn: Connection, user: Row, item_id: int) -> Row:
    """The item, when the caller owns it or is a superuser."""
    item = crud.get_item(conn, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    if not user["is_superuser"] and item["owner_id"] != user["id"]:
        raise HTTPException(status_code=403, detail="Not enough permissions")
    return item


@router.get("/{id:int}", responses={**FORBIDDEN, **NOT_FOUND})
def read_item(conn: SessionDep, current_user: CurrentUser, id: ItemId) -> ItemPublic:
    return ItemPublic(**_owned(conn, current_user, id))


@router.put("/{id:int}", responses={**FORBIDDEN, **NOT_FOUND})
def update_item(
    conn: SessionDep, current_user: CurrentUser, id: ItemId, item_in: ItemUpdate
) -> ItemPublic:
    _owned(conn, current_user, id)
    row = crud.update_item(conn, id, item_in)
    if row is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return ItemPublic(**row)


@router.delete("/{id:int}", responses={**FORBIDDEN, **NOT_FOUND})
def delete_item(conn: SessionDep, current_user: CurrentUser, id: ItemId) -> Message:
    _owned(conn, current_user, id)
    crud.delete_item(conn, id)
    return Message(message="Item deleted successfully")
