"""What the API takes and answers (the template's SQLModel classes, as pydantic models)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

# PostgreSQL refuses NUL in text, so the schema (and the validation) exclude it up front.
NO_NUL = r"^[^\x00]*$"
# Spelled out rather than \s, which the validator's regex engine and a client's may read
# differently (U+0085 is whitespace to one and not to the other).
_PART = r"[^@ \t\r\n\x00]+"
Email = Annotated[str, Field(max_length=255, pattern=rf"^{_PART}@{_PART}\.{_PART}$")]
Password = Annotated[str, Field(min_length=8, max_length=40, pattern=NO_NUL)]
Name = Annotated[str, Field(max_length=255, pattern=NO_NUL)]
Title = Annotated[str, Field(min_length=1, max_length=255, pattern=NO_NUL)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password
    full_name: Name | None = None
    # strict: 0, "yes" or "true" are not booleans
    is_active: StrictBool = True
    is_superuser: StrictBool = False


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    password: Password | None = None
    full_name: Name | None = None
    is_active: StrictBool | None = None
    is_superuser: StrictBool | None = None


class UserPublic(BaseModel):
    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Name | None = None


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Name | None = None


class ItemPublic(BaseModel):
    id: int
    title: str
    description: str | None
    owner_id: int


class ItemsPublic(BaseModel):
    data: list[ItemPublic]
    count: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Message(BaseModel):
    message: str


class ErrorOut(BaseModel):
    detail: str
