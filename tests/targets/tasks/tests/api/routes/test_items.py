"""/api/v1/items: every item belongs to its creator."""

from __future__ import annotations

from fastapi.testclient import TestClient

ITEMS = "/api/v1/items/"
Headers = dict[str, str]


def test_create_read_update_delete_item(
    client: TestClient, normal_user_token_headers: Headers, normal_user: tuple[int, str, str]
) -> None:
    headers = normal_user_token_headers
    created = client.post(ITEMS, headers=headers, json={"title": "Foo", "description": "Bar"})
    assert created.status_code == 200, created.text
    item = created.json()
    assert (item["title"], item["description"], item["owner_id"]) == ("Foo", "Bar", normal_user[0])
    updated = client.put(f"{ITEMS}{item['id']}", headers=headers, json={"title": "Baz"})
    assert updated.json()["title"] == "Baz"
    assert client.delete(f"{ITEMS}{item['id']}", headers=headers).status_code == 200
    assert client.get(f"{ITEMS}{item['id']}", headers=headers).status_code == 404


def test_read_items_lists_only_the_callers(
    client: TestClient, normal_user_token_headers: Headers, superuser_token_headers: Headers
) -> None:
    client.post(ITEMS, headers=superuser_token_headers, json={"title": "the superuser's"})
    mine = client.post(ITEMS, headers=normal_user_token_headers, json={"title": "mine"}).json()
    page = client.get(ITEMS, headers=normal_user_token_headers).json()
    assert [item["id"] for item in page["data"]] == [mine["id"]]
    assert page["count"] == 1


def test_another_users_item_is_refused(
    client: TestClient, normal_user_token_headers: Headers, superuser_token_headers: Headers
) -> None:
    theirs = client.post(ITEMS, headers=superuser_token_headers, json={"title": "x"}).json()
    url = f"{ITEMS}{theirs['id']}"
    assert client.get(url, headers=normal_user_token_headers).status_code == 403
    assert client.delete(url, headers=normal_user_token_headers).status_code == 403


def test_paging_rejects_a_negative_limit(
    client: TestClient, normal_user_token_headers: Headers
) -> None:
    answer = client.get(ITEMS, headers=normal_user_token_headers, params={"limit": -1})
    assert answer.status_code == 422
