"""The tasks suite's fixtures: the database named by POSTGRES_* (migrated, with its superuser),
the app in-process, and credentials of the superuser and of a normal user."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tasks import crud
from tasks.core.config import Settings
from tasks.core.db import connect, init_db, migrate
from tasks.main import create_app
from tasks.models import UserCreate

Headers = dict[str, str]


def random_lower_string() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=32))


@pytest.fixture
def new_credentials() -> Callable[[], dict[str, str]]:
    """Makes the body of a new user: a random email and password."""
    return lambda: {
        "email": f"{random_lower_string()}@example.com",
        "password": random_lower_string(),
    }


@pytest.fixture(scope="session")
def settings() -> Settings:
    """From the environment only: without POSTGRES_* the suite does not start."""
    found = Settings.load()
    with connect(found) as conn:
        migrate(conn)
        init_db(conn, found)
    return found


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def login(client: TestClient, email: str, password: str) -> Headers:
    answer = client.post(
        "/api/v1/login/access-token", data={"username": email, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="session")
def superuser_token_headers(client: TestClient, settings: Settings) -> Headers:
    return login(client, settings.first_superuser, settings.first_superuser_password)


@pytest.fixture
def normal_user(settings: Settings) -> tuple[int, str, str]:
    """A new user: (id, email, password)."""
    email, password = f"{random_lower_string()}@example.com", random_lower_string()
    with connect(settings) as conn:
        row = crud.create_user(conn, UserCreate(email=email, password=password))
    return row["id"], email, password


@pytest.fixture
def normal_user_token_headers(client: TestClient, normal_user: tuple[int, str, str]) -> Headers:
    _, email, password = normal_user
    return login(client, email, password)
