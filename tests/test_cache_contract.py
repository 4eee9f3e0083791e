"""signoff.cache_contract on a small service that is not the ledger: a Starlette app with a
response cache that can be made to go stale, served by uvicorn in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from signoff.cache_contract import Answer, CacheContract, StaleRead, UnsoundCheck, assert_fresh
from signoff.stack.procs import free_port

TTL_S = 0.6
HIT = ("X-Cache", "hit")


@dataclass
class Notes:
    """The service's state: notes, its response cache, and the switches that break it."""

    notes: list[str] = field(default_factory=list)
    cache: dict[str, tuple[float, dict[str, object]]] = field(default_factory=dict)
    invalidate_on_write: bool = True
    caching: bool = True
    ttl_s: float = TTL_S

    def reset(self) -> None:
        self.notes.clear()
        self.cache.clear()
        self.invalidate_on_write, self.caching, self.ttl_s = True, True, TTL_S


def build(state: Notes) -> Starlette:
    def count(request: Request) -> Response:
        entry = state.cache.get("count")
        if state.caching and entry is not None and entry[0] > time.monotonic():
            return JSONResponse(entry[1], headers={"X-Cache": "hit"})
        body: dict[str, object] = {"count": len(state.notes)}
        state.cache["count"] = (time.monotonic() + state.ttl_s, body)
        return JSONResponse(body, headers={"X-Cache": "miss"})

    async def add(request: Request) -> Response:
        state.notes.append((await request.body()).decode())
        if state.invalidate_on_write:
            state.cache.pop("count", None)
        return Response(status_code=201)

    return Starlette(routes=[Route("/count", count), Route("/notes", add, methods=["POST"])])


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[Notes, str]]:
    state = Notes()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name="notes-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the notes service did not start within 10 s"
        time.sleep(0.02)
    yield state, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def notes(service: tuple[Notes, str]) -> Iterator[tuple[Notes, httpx.Client]]:
    state, url = service
    state.reset()
    with httpx.Client(base_url=url, timeout=5.0) as client:
        yield state, client


def add_note(client: httpx.Client) -> str:
    assert client.post("/notes", content=b"hello").status_code == 201
    return "POST /notes added a note"


def test_a_write_that_invalidates_is_fresh(notes: tuple[Notes, httpx.Client]) -> None:
    _, client = notes
    after = assert_fresh(
        client, "/count", lambda: add_note(client), Answer(fields={"count": 1}), hit_header=HIT
    )
    assert after.headers["x-cache"] == "miss"


def test_a_write_that_skips_invalidation_is_named_stale(
    notes: tuple[Notes, httpx.Client],
) -> None:
    state, client = notes
    state.invalidate_on_write = False
    with pytest.raises(StaleRead) as caught:
        assert_fresh(
            client, "/count", lambda: add_note(client), Answer(fields={"count": 1}), hit_header=HIT
        )
    message = str(caught.value)
    assert "GET /count stayed stale after POST /notes added a note" in message
    assert '200 {"count": 0} (X-Cache: hit), expected 200 with count=1' in message


def test_a_read_the_cache_does_not_serve_proves_nothing(
    notes: tuple[Notes, httpx.Client],
) -> None:
    state, client = notes
    state.caching = False
    with pytest.raises(UnsoundCheck, match=r"GET /count was not served from the cache"):
        assert_fresh(
            client, "/count", lambda: add_note(client), Answer(fields={"count": 1}), hit_header=HIT
        )


def test_an_answer_that_is_already_fresh_proves_nothing(
    notes: tuple[Notes, httpx.Client],
) -> None:
    _, client = notes
    with pytest.raises(UnsoundCheck, match=r"already answered 200 with count=0 before"):
        assert_fresh(client, "/count", lambda: add_note(client), Answer(fields={"count": 0}))


def test_a_change_slower_than_the_ttl_proves_nothing(notes: tuple[Notes, httpx.Client]) -> None:
    state, client = notes
    state.invalidate_on_write = False  # stale, but the TTL refreshes it before the next read

    def slow_write() -> str:
        add_note(client)
        time.sleep(TTL_S + 0.2)
        return "a slow write"

    with pytest.raises(UnsoundCheck, match=r"a slow write took .* TTL of 0.6 s"):
        assert_fresh(
            client, "/count", slow_write, Answer(fields={"count": 1}), hit_header=HIT, ttl_s=TTL_S
        )


def test_a_change_behind_the_services_back_shows_after_the_ttl(
    notes: tuple[Notes, httpx.Client],
) -> None:
    state, client = notes
    contract = CacheContract(client, hit_header=HIT, ttl_s=TTL_S)

    def behind_its_back() -> str:
        state.notes.append("written straight into the store")
        return "a note written straight into the store"

    contract.after_expiry("/count", behind_its_back, Answer(fields={"count": 1}))
    assert contract.proved == ["GET /count after expiry"]


def test_an_entry_that_outlives_its_ttl_is_named_stale(notes: tuple[Notes, httpx.Client]) -> None:
    state, client = notes
    state.ttl_s = 3600.0  # the service ignores the TTL the contract was promised
    contract = CacheContract(client, hit_header=HIT, ttl_s=TTL_S)

    def behind_its_back() -> str:
        state.notes.append("written straight into the store")
        return "a note written straight into the store"

    with pytest.raises(StaleRead, match=r"GET /count stayed stale after a note .* TTL of 0.6 s"):
        contract.after_expiry("/count", behind_its_back, Answer(fields={"count": 1}))
