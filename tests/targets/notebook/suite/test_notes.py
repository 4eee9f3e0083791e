"""The notebook target's own API tests, run by signoff as a user-declared layer.

Black-box over HTTP with signoff's fixtures only: `stack` (base_url, headers, token) and
`api_client` (an httpx.Client with the base URL and the auth headers). Every test cleans up the
notes it creates and filters by a tag of its own, so it does not depend on what else is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

NOTES = "/api/notes"
JSON = dict[str, Any]
MakeNote = Callable[..., JSON]


@pytest.fixture
def anonymous(stack: Any) -> Iterator[httpx.Client]:
    """A client of the same service without any credentials."""
    with httpx.Client(base_url=stack.base_url, timeout=10.0) as client:
        yield client


@pytest.fixture
def tag() -> str:
    """A tag no other test uses (tags are at most 30 characters)."""
    return f"t-{uuid.uuid4().hex[:20]}"


@pytest.fixture
def make_note(api_client: httpx.Client) -> Iterator[MakeNote]:
    """Create notes through the API; whatever is left is deleted afterwards."""
    created: list[int] = []

    def make(title: str = "a note", body: str = "", tags: list[str] | None = None) -> JSON:
        payload = {"title": title, "body": body, "tags": tags or []}
        response = api_client.post(NOTES, json=payload)
        assert response.status_code == 201, response.text
        note: JSON = response.json()
        created.append(note["id"])
        return note

    yield make
    for note_id in created:
        status = api_client.delete(f"{NOTES}/{note_id}").status_code
        assert status in (204, 404)


def test_note_lifecycle_create_read_update_delete(api_client: httpx.Client, tag: str) -> None:
    created = api_client.post(NOTES, json={"title": "Groceries", "body": "eggs", "tags": [tag]})
    assert created.status_code == 201, created.text
    note = created.json()
    assert isinstance(note["id"], int)
    assert note["id"] >= 1
    assert (note["title"], note["body"], note["tags"]) == ("Groceries", "eggs", [tag])
    assert created.headers["location"] == f"{NOTES}/{note['id']}"
    url = f"{NOTES}/{note['id']}"

    read = api_client.get(url)
    assert read.status_code == 200, read.text
    assert read.json() == note

    updated = api_client.put(url, json={"title": "Groceries (done)", "body": "", "tags": []})
    assert updated.status_code == 200, updated.text
    after = updated.json()
    assert (after["id"], after["title"], after["body"], after["tags"]) == (
        note["id"],
        "Groceries (done)",
        "",
        [],
    )
    assert after["created_at"] == note["created_at"]
    assert after["updated_at"] >= note["updated_at"]
    assert api_client.get(url).json() == after

    deleted = api_client.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api_client.get(url).status_code == 404


def test_list_paginates_newest_first_and_filters_by_tag(
    api_client: httpx.Client, make_note: MakeNote, tag: str
) -> None:
    ids = [make_note(title=f"page note {i}", tags=[tag, "paged"])["id"] for i in range(5)]
    make_note(title="not in the filter", tags=["other"])

    seen: list[int] = []
    for offset, size in ((0, 2), (2, 2), (4, 1), (6, 0)):
        response = api_client.get(NOTES, params={"tag": tag, "limit": 2, "offset": offset})
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, offset)
        assert len(page["items"]) == size
        assert all(tag in item["tags"] for item in page["items"])
        seen.extend(item["id"] for item in page["items"])
    assert seen == sorted(ids, reverse=True)

    default = api_client.get(NOTES, params={"tag": tag}).json()
    assert default["limit"] == 20
    assert [item["id"] for item in default["items"]] == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/me"),
        ("GET", NOTES),
        ("POST", NOTES),
        ("GET", f"{NOTES}/1"),
        ("PUT", f"{NOTES}/1"),
        ("DELETE", f"{NOTES}/1"),
        ("GET", "/api/stats"),
    ],
)
def test_every_note_route_needs_a_valid_token(
    anonymous: httpx.Client, method: str, path: str
) -> None:
    body = {"title": "x"} if method in ("POST", "PUT") else None
    missing = anonymous.request(method, path, json=body)
    assert missing.status_code == 401, missing.text
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json() == {"detail": "Not authenticated"}

    forged = anonymous.request(
        method, path, json=body, headers={"Authorization": f"Bearer {uuid.uuid4().hex}"}
    )
    assert forged.status_code == 401, forged.text
    assert forged.headers["www-authenticate"].startswith("Bearer")


def test_login_rejects_wrong_credentials_and_token_identifies_caller(
    anonymous: httpx.Client, api_client: httpx.Client, stack: Any
) -> None:
    wrong = anonymous.post(
        "/api/auth/login", data={"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "x"}
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Wrong username or password."}

    me = api_client.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["username"]
    assert stack.token in api_client.headers["authorization"]


def test_missing_note_is_404_for_read_update_and_delete(
    api_client: httpx.Client, make_note: MakeNote
) -> None:
    note_id = make_note(title="short-lived")["id"]
    assert api_client.delete(f"{NOTES}/{note_id}").status_code == 204
    url = f"{NOTES}/{note_id}"
    for response in (
        api_client.get(url),
        api_client.put(url, json={"title": "too late"}),
        api_client.delete(url),
    ):
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "Note not found."}
    assert api_client.get(f"{NOTES}/{2**62}").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({}, id="no-title"),
        pytest.param({"title": ""}, id="empty-title"),
        pytest.param({"title": "x" * 201}, id="title-too-long"),
        pytest.param({"title": "nul\x00byte"}, id="nul-in-title"),
        pytest.param({"title": "x", "body": "y" * 10_001}, id="body-too-long"),
        pytest.param({"title": "x", "tags": [f"t{i}" for i in range(11)]}, id="too-many-tags"),
        pytest.param({"title": "x", "tags": ["z" * 31]}, id="tag-too-long"),
        pytest.param({"title": "x", "tags": [""]}, id="empty-tag"),
        pytest.param({"title": 5}, id="title-not-a-string"),
        pytest.param({"title": "x", "owner": 1}, id="unknown-field"),
    ],
)
def test_invalid_note_is_rejected_with_422(api_client: httpx.Client, payload: JSON) -> None:
    response = api_client.post(NOTES, json=payload)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param(f"{NOTES}/0", {}, id="id-zero"),
        pytest.param(f"{NOTES}/{2**62 + 1}", {}, id="id-too-big"),
        pytest.param(f"{NOTES}/{10**30}", {}, id="id-huge"),
        pytest.param(f"{NOTES}/abc", {}, id="id-not-a-number"),
        pytest.param(NOTES, {"limit": 0}, id="limit-zero"),
        pytest.param(NOTES, {"limit": 101}, id="limit-too-big"),
        pytest.param(NOTES, {"offset": -1}, id="negative-offset"),
    ],
)
def test_invalid_parameters_are_rejected_with_422(
    api_client: httpx.Client, path: str, params: dict[str, int]
) -> None:
    response = api_client.get(path, params=params)
    assert response.status_code == 422, response.text


def test_stats_count_notes_and_tags(
    api_client: httpx.Client, make_note: MakeNote, tag: str
) -> None:
    before = api_client.get("/api/stats")
    assert before.status_code == 200, before.text
    other = f"{tag}-b"
    make_note(title="one", tags=[tag])
    make_note(title="two", tags=[tag, other])
    after = api_client.get("/api/stats")
    assert after.status_code == 200, after.text
    stats = after.json()
    assert stats["notes"] == before.json()["notes"] + 2
    assert stats["tags"][tag] == 2
    assert stats["tags"][other] == 1


def test_responses_carry_security_headers(api_client: httpx.Client) -> None:
    response = api_client.get("/api/me")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == "default-src 'none'"
