"""/api/v1/users: the caller's own record, and what only a superuser may do."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tasks.core.config import Settings

USERS = "/api/v1/users/"
Headers = dict[str, str]
New = Callable[[], dict[str, str]]


def test_get_users_superuser_me(
    client: TestClient, superuser_token_headers: Headers, settings: Settings
) -> None:
    me = client.get(f"{USERS}me", headers=superuser_token_headers).json()
    assert (me["is_active"], me["is_superuser"]) == (True, True)
    assert me["email"] == settings.first_superuser


def test_get_users_normal_user_me(
    client: TestClient, normal_user_token_headers: Headers, normal_user: tuple[int, str, str]
) -> None:
    me = client.get(f"{USERS}me", headers=normal_user_token_headers).json()
    assert (me["id"], me["email"], me["is_superuser"]) == (normal_user[0], normal_user[1], False)


def test_create_user_then_read_it(
    client: TestClient, superuser_token_headers: Headers, new_credentials: New
) -> None:
    body = new_credentials()
    email = body["email"]
    created = client.post(USERS, headers=superuser_token_headers, json=body)
    assert created.status_code == 200, created.text
    user_id = created.json()["id"]
    read = client.get(f"{USERS}{user_id}", headers=superuser_token_headers)
    assert read.json()["email"] == email


def test_create_user_existing_email(
    client: TestClient, superuser_token_headers: Headers, new_credentials: New
) -> None:
    body = new_credentials()
    assert client.post(USERS, headers=superuser_token_headers, json=body).status_code == 200
    again = client.post(USERS, headers=superuser_token_headers, json=body)
    assert again.status_code == 409


def test_a_normal_user_may_not_create_or_list_users(
    client: TestClient, normal_user_token_headers: Headers, new_credentials: New
) -> None:
    body = new_credentials()
    assert client.post(USERS, headers=normal_user_token_headers, json=body).status_code == 403
    assert client.get(USERS, headers=normal_user_token_headers).status_code == 403


def test_retrieve_users_counts_them(client: TestClient, superuser_token_headers: Headers) -> None:
    page = client.get(USERS, headers=superuser_token_headers, params={"limit": 1}).json()
    assert len(page["data"]) == 1
    assert page["count"] >= 1


def test_update_user_deactivates_it(
    client: TestClient, superuser_token_headers: Headers, normal_user: tuple[int, str, str]
) -> None:
    user_id, email, password = normal_user
    patched = client.patch(
        f"{USERS}{user_id}", headers=superuser_token_headers, json={"is_active": False}
    )
    assert patched.json()["is_active"] is False
    form = {"username": email, "password": password}
    assert client.post("/api/v1/login/access-token", data=form).status_code == 403


def test_update_user_not_exists(client: TestClient, superuser_token_headers: Headers) -> None:
    answer = client.patch(f"{USERS}999999999", headers=superuser_token_headers, json={})
    assert answer.status_code == 404


def test_delete_user_then_it_is_gone(
    client: TestClient, superuser_token_headers: Headers, normal_user: tuple[int, str, str]
) -> None:
    user_id = normal_user[0]
    deleted = client.delete(f"{USERS}{user_id}", headers=superuser_token_headers)
    assert deleted.json() == {"message": "User deleted successfully"}
    assert client.get(f"{USERS}{user_id}", headers=superuser_token_headers).status_code == 404


def test_a_superuser_may_not_delete_itself(
    client: TestClient, superuser_token_headers: Headers
) -> None:
    me = client.get(f"{USERS}me", headers=superuser_token_headers).json()
    answer = client.delete(f"{USERS}{me['id']}", headers=superuser_token_headers)
    assert answer.status_code == 403
