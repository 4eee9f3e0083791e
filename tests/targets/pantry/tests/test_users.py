"""The caller's own account: changing it, and the operations that end its sessions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from pantry import store

Headers = dict[str, str]

Cook = tuple[int, str, Headers]
LogIn = Callable[[str, str], Headers]


def test_a_cook_changes_its_own_role(client: TestClient, cook: Cook) -> None:
    uid, _, headers = cook
    answer = client.patch(f"/api/users/{uid}", json={"role": "baker"}, headers=headers)
    assert answer.status_code == 200
    assert client.get("/api/user", headers=headers).json()["role"] == "baker"


def test_another_users_id_is_not_found(client: TestClient, cook: Cook, admin: Headers) -> None:
    uid, _, _ = cook
    assert client.patch(f"/api/users/{uid}", json={}, headers=admin).status_code == 404


def test_a_taken_email_is_a_conflict(client: TestClient, cook: Cook) -> None:
    uid, _, headers = cook
    answer = client.patch(f"/api/users/{uid}", json={"email": store.EMAIL}, headers=headers)
    assert answer.status_code == 409


def test_deactivating_oneself_ends_the_session_and_the_login(
    client: TestClient, cook: Cook
) -> None:
    uid, email, headers = cook
    answer = client.patch(f"/api/users/{uid}", json={"is_active": False}, headers=headers)
    assert answer.status_code == 200
    assert client.get("/api/user", headers=headers).status_code == 401
    body = {"user": {"email": email, "password": "a fresh cook"}}
    assert client.post("/api/users/login", json=body).status_code == 401


def test_logout_revokes_the_token(client: TestClient, cook: Cook) -> None:
    _, _, headers = cook
    assert client.post("/api/users/logout", headers=headers).status_code == 204
    assert client.get("/api/user", headers=headers).status_code == 401


def test_dropping_sessions_revokes_every_token_of_the_caller(
    client: TestClient, cook: Cook, admin: Headers, log_in: LogIn
) -> None:
    _, email, headers = cook
    second = log_in(email, "a fresh cook")
    assert client.delete("/api/user/sessions", headers=second).status_code == 204
    assert client.get("/api/user", headers=headers).status_code == 401
    assert client.get("/api/user", headers=second).status_code == 401
    # another user's sessions stand
    assert client.get("/api/user", headers=admin).status_code == 200
    assert log_in(store.EMAIL, store.PASSWORD)


def test_another_method_on_logout_is_not_allowed(client: TestClient, cook: Cook) -> None:
    _, _, headers = cook
    answer = client.patch("/api/users/logout", json={}, headers=headers)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
