"""POST /api/v1/login/access-token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tasks.core.config import Settings

LOGIN = "/api/v1/login/access-token"


def test_get_access_token(client: TestClient, settings: Settings) -> None:
    form = {"username": settings.first_superuser, "password": settings.first_superuser_password}
    answer = client.post(LOGIN, data=form)
    assert answer.status_code == 200
    tokens = answer.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["access_token"]


def test_get_access_token_incorrect_password(client: TestClient, settings: Settings) -> None:
    form = {"username": settings.first_superuser, "password": "incorrect"}
    answer = client.post(LOGIN, data=form)
    assert answer.status_code == 401
    assert "access_token" not in answer.json()


def test_a_forged_token_is_refused(client: TestClient) -> None:
    answer = client.get("/api/v1/users/me", headers={"Authorization": "Bearer e30.AAAA"})
    assert answer.status_code == 401
