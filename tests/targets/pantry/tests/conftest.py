"""pantry's suite fixtures: the database POSTGRES_* names (its tables made), the app in-process,
and the headers of the admin and of a new cook."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pantry.app import create_app

from pantry import store

Headers = dict[str, str]


@pytest.fixture(scope="session")
def dsn() -> str:
    """From POSTGRES_* only: without them the suite does not start."""
    found: str = store.conninfo({k: v for k, v in os.environ.items() if k.startswith("POSTGRES_")})
    with store.connect(found) as conn:
        store.prepare(conn, store.PASSWORD)
    return found


@pytest.fixture(scope="session")
def client(dsn: str) -> Iterator[TestClient]:
    with TestClient(create_app(dsn)) as test_client:
        yield test_client


@pytest.fixture
def log_in(client: TestClient) -> Callable[[str, str], Headers]:
    """Logs in with the nested body: the headers of the new session."""

    def login(email: str, password: str) -> Headers:
        body = {"user": {"email": email, "password": password}}
        answer = client.post("/api/users/login", json=body)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Token {answer.json()['user']['token']}"}

    return login


@pytest.fixture
def admin(log_in: Callable[[str, str], Headers]) -> Headers:
    return log_in(store.EMAIL, store.PASSWORD)


@pytest.fixture
def cook(client: TestClient) -> tuple[int, str, Headers]:
    """A new account: (id, email, headers of its session)."""
    email = f"{secrets.token_hex(8)}@example.com"
    body = {"user": {"email": email, "password": "a fresh cook"}}
    answer = client.post("/api/users", json=body)
    assert answer.status_code == 201, answer.text
    user = answer.json()["user"]
    return user["id"], email, {"Authorization": f"Token {user['token']}"}
