"""Users: the caller's own record, and management by a superuser."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from ... import crud
from ...core.db import Row
from ...models import Message, UserCreate, UserPublic, UsersPublic, UserUpdate
from ..deps import AUTH, CONFLICT, FORBIDDEN, NOT_FOUND, CurrentUser, SessionDep, SuperUser
from .paging import Limit, Skip, UserId

router = APIRouter(prefix="/users", tags=["users"], responses=AUTH)


def _taken(email: str) -> HTTPException:
    return HTTPException(status_code=409, detail="A user with this email already exists.")


@router.get("/")
def read_users(conn: SessionDep, _: SuperUser, skip: Skip = 0, limit: Limit = 100) -> UsersPublic:
    rows, count = crud.list_users(conn, skip, limit)
    return UsersPublic(data=[UserPublic(**r) for r in rows], count=count)


@router.post("/", responses=CONFLICT)
def create_user(conn: SessionDep, _: SuperUser, user_in: UserCreate) -> UserPublic:
    try:
        return UserPublic(**crud.create_user(conn, user_in))
    except crud.EmailTaken as exc:
        raise _taken(user_in.email) from exc


@router.get("/me")
def read_user_me(current_user: CurrentUser) -> UserPublic:
    return UserPublic(**current_user)


def _found(row: Row | None) -> Row:
    if row is None:
        raise HTTPException(status_code=404, detail="The user with this id does not exist")
    return row


@router.get("/{user_id:int}", responses={**FORBIDDEN, **NOT_FOUND})
def read_user_by_id(conn: SessionDep, current_user: CurrentUser, user_id: UserId) -> UserPublic:
    if user_id == current_user["id"]:
        return UserPublic(**current_user)
    if not current_user["is_superuser"]:
        raise HTTPException(status_code=403, detail="The user doesn't have enough privileges")
    return UserPublic(**_found(crud.get_user(conn, user_id)))


@router.patch("/{user_id:int}", responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT})
def update_user(conn: SessionDep, _: SuperUser, user_id: UserId, user_in: UserUpdate) -> UserPublic:
    """Any field, `is_superuser` and `is_active` included (a superuser may demote itself)."""
    _found(crud.get_user(conn, user_id))
    try:
        return UserPublic(**_found(crud.update_user(conn, user_id, user_in)))
    except crud.EmailTaken as exc:
        raise _taken(str(user_in.email)) from exc


@router.delete("/{user_id:int}", responses={**FORBIDDEN, **NOT_FOUND})
def delete_user(conn: SessionDep, current_user: SuperUser, user_id: UserId) -> Message:
    if user_id == current_user["id"]:
        detail = "Super users are not allowed to delete themselves"
        raise HTTPException(status_code=403, detail=detail)
    if not crud.delete_user(conn, user_id):
        raise HTTPException(status_code=404, detail="The user with this id does not exist")
    return Message(message="User deleted successfully")
