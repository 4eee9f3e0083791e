"""The shelf's page suite, as a team writes one: an item made through the API, then its card
page read as the browser would, signed in by the session cookie."""

from __future__ import annotations

import httpx

from signoff.stack.interface import StackHandle


def test_an_items_card_shows_its_title(stack: StackHandle) -> None:
    with stack.client() as api:
        made = api.post("/api/items", json={"title": "Jam jar"})
        assert made.status_code == 201
    cookies = {"shelf_session": stack.token}
    with httpx.Client(base_url=stack.base_url, cookies=cookies, timeout=10.0) as pages:
        card = pages.get(f"/items/{made.json()['id']}/card")
    assert card.json() == {"title": "Jam jar"}
