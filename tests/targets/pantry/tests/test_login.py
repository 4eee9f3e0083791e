"""The nested login and registration bodies, and the token they answer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pantry import store

Headers = dict[str, str]


def test_the_admin_logs_in_with_a_nested_body(client: TestClient) -> None:
    body = {"user": {"email": store.EMAIL, "password": store.PASSWORD}}
    answer = client.post("/api/users/login", json=body)
    assert answer.status_code == 200
    user = answer.json()["user"]
    assert (user["email"], user["role"], user["is_active"]) == (store.EMAIL, "admin", True)
    assert len(user["token"]) >= 16


def test_a_wrong_password_is_refused(client: TestClient) -> None:
    body = {"user": {"email": store.EMAIL, "password": "not it"}}
    assert client.post("/api/users/login", json=body).status_code == 401


def test_a_flat_body_is_invalid(client: TestClient) -> None:
    body = {"email": store.EMAIL, "password": store.PASSWORD}
    assert client.post("/api/users/login", json=body).status_code == 422


def test_a_nul_in_the_email_is_invalid_not_a_server_error(client: TestClient) -> None:
    body = {"user": {"email": "cook\x00@example.com", "password": store.PASSWORD}}
    assert client.post("/api/users/login", json=body).status_code == 422


def test_a_taken_email_cannot_register_again(
    client: TestClient, cook: tuple[int, str, Headers]
) -> None:
    _, email, _ = cook
    body = {"user": {"email": email, "password": "another"}}
    assert client.post("/api/users", json=body).status_code == 409


def test_the_token_is_sent_with_the_token_scheme_only(
    client: TestClient, cook: tuple[int, str, Headers]
) -> None:
    _, email, headers = cook
    assert client.get("/api/user", headers=headers).json()["email"] == email
    bearer = {"Authorization": headers["Authorization"].replace("Token", "Bearer")}
    assert client.get("/api/user", headers=bearer).status_code == 401
    assert client.get("/api/user").status_code == 401
