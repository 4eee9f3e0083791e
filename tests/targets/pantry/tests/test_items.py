"""Items need a session; recipes take one or none."""

from __future__ import annotations

from fastapi.testclient import TestClient

Headers = dict[str, str]


def test_items_are_listed_with_a_session_only(client: TestClient, admin: Headers) -> None:
    assert client.get("/api/items").status_code == 401
    answer = client.get("/api/items", headers=admin)
    assert answer.status_code == 200
    assert {"id": 7, "name": "flour"} in answer.json()["items"]


def test_an_item_by_id(client: TestClient, admin: Headers) -> None:
    assert client.get("/api/items/9", headers=admin).json() == {"id": 9, "name": "eggs"}
    assert client.get("/api/items/9").status_code == 401


def test_a_missing_or_out_of_range_item_is_not_found(client: TestClient, admin: Headers) -> None:
    assert client.get("/api/items/8", headers=admin).status_code == 404
    assert client.get(f"/api/items/{2**70}", headers=admin).status_code == 404
    assert client.get("/api/items/-1", headers=admin).status_code == 404


def test_recipes_answer_with_or_without_a_session(client: TestClient, admin: Headers) -> None:
    expected = [{"slug": "pancakes", "title": "Pancakes"}]
    assert client.get("/api/recipes").json() == expected
    assert client.get("/api/recipes", headers=admin).json() == expected


def test_a_recipe_by_slug(client: TestClient) -> None:
    assert client.get("/api/recipes/pancakes").json()["title"] == "Pancakes"
    assert client.get("/api/recipes/waffles").status_code == 404
