from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from ledger.core.cache import MemoryBackend, RedisBackend, TaggedCache
from ledger.summaries import job_tags, run_tags, tenant_tags


class Source:
    """A stand-in for PostgreSQL: a value plus a count of how often it was read."""

    def __init__(self, value: Any = 1):
        self.value = value
        self.reads = 0

    def __call__(self) -> Any:
        self.reads += 1
        return self.value


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[TaggedCache]:
    if request.param == "memory":
        yield TaggedCache(MemoryBackend())
        return
    url: str = request.getfixturevalue("redis_url")
    backend = RedisBackend(url)
    backend.client.flushdb()
    yield TaggedCache(backend)
    backend.close()


def test_second_read_hits(cache: TaggedCache) -> None:
    src = Source({"matched": 3})
    assert cache.get_or_compute("k", ["job:1"], src) == ({"matched": 3}, False)
    assert cache.get_or_compute("k", ["job:1"], src) == ({"matched": 3}, True)
    assert src.reads == 1


def test_invalidating_a_tag_forces_a_miss(cache: TaggedCache) -> None:
    src = Source(1)
    cache.get_or_compute("k", ["tenant:1", "job:1"], src)
    src.value = 2
    cache.invalidate(["job:1"])
    assert cache.get_or_compute("k", ["tenant:1", "job:1"], src) == (2, False)
    assert cache.get_or_compute("k", ["tenant:1", "job:1"], src) == (2, True)


def test_other_tags_stay_cached(cache: TaggedCache) -> None:
    cache.get_or_compute("a", ["job:1"], Source("a"))
    cache.get_or_compute("b", ["job:2"], Source("b"))
    cache.invalidate(["job:1"])
    assert cache.get_or_compute("a", ["job:1"], Source("a2")) == ("a2", False)
    assert cache.get_or_compute("b", ["job:2"], Source("b2")) == ("b", True)


def test_write_during_compute_is_not_served_later(cache: TaggedCache) -> None:
    # The value was read before a concurrent write committed and invalidated: it must not stick.
    def stale_then_write() -> str:
        cache.invalidate(["job:1"])
        return "stale"

    assert cache.get_or_compute("k", ["job:1"], stale_then_write) == ("stale", False)
    assert cache.get_or_compute("k", ["job:1"], Source("fresh")) == ("fresh", False)


def test_none_is_not_stored(cache: TaggedCache) -> None:
    src = Source(None)
    cache.get_or_compute("k", ["job:1"], src)
    cache.get_or_compute("k", ["job:1"], src)
    assert src.reads == 2


def test_disabled_invalidation_serves_stale_values(cache: TaggedCache) -> None:
    # What the `no_cache_invalidation` fault does; the suites must be able to see it.
    cache.invalidation_enabled = False
    cache.get_or_compute("k", ["job:1"], Source("old"))
    cache.invalidate(["job:1"])
    assert cache.get_or_compute("k", ["job:1"], Source("new")) == ("old", True)


def test_hits_and_misses_are_counted(cache: TaggedCache) -> None:
    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    hits, misses = sample("ledger_cache_hits_total"), sample("ledger_cache_misses_total")
    cache.get_or_compute("k", ["t"], Source())
    cache.get_or_compute("k", ["t"], Source())
    cache.get_or_compute("k", ["t"], Source())
    assert sample("ledger_cache_hits_total") - hits == 2
    assert sample("ledger_cache_misses_total") - misses == 1


def test_memory_entries_expire() -> None:
    now = [100.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    cache = TaggedCache(MemoryBackend(clock=clock), ttl_s=1.0)
    cache.get_or_compute("k", ["t"], Source("a"))
    now[0] += 0.5
    assert cache.get_or_compute("k", ["t"], Source("b")) == ("a", True)
    now[0] += 1.0
    assert cache.get_or_compute("k", ["t"], Source("c")) == ("c", False)


def test_redis_entries_carry_the_ttl(redis_url: str) -> None:
    backend = RedisBackend(redis_url)
    backend.client.flushdb()
    TaggedCache(backend, ttl_s=2.5).get_or_compute("k", ["t"], Source())
    remaining = backend.client.pttl("ledger:c:k")
    backend.close()
    assert 0 < remaining <= 2500, f"the entry's remaining lifetime is {remaining} ms"


def test_a_completed_run_refreshes_its_job_and_tenant_but_not_sibling_jobs(
    cache: TaggedCache,
) -> None:
    reads = {
        "tenant": tenant_tags(7),
        "job 1": job_tags(7, 1),
        "job 2": job_tags(7, 2),
        "other tenant": tenant_tags(8),
    }
    for key, tags in reads.items():
        cache.get_or_compute(key, tags, Source("before"))
    cache.invalidate(run_tags(7, 1))
    after = {key: cache.get_or_compute(key, t, Source("after"))[0] for key, t in reads.items()}
    assert after == {
        "tenant": "after",
        "job 1": "after",
        "job 2": "before",
        "other tenant": "before",
    }


def test_a_write_to_a_jobs_inputs_leaves_the_tenant_summary_cached(cache: TaggedCache) -> None:
    cache.get_or_compute("tenant", tenant_tags(7), Source("before"))
    cache.get_or_compute("job 1", job_tags(7, 1), Source("before"))
    cache.invalidate(job_tags(7, 1))
    assert cache.get_or_compute("tenant", tenant_tags(7), Source("after")) == ("before", True)
    assert cache.get_or_compute("job 1", job_tags(7, 1), Source("after")) == ("after", False)


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


def test_unreachable_redis_is_bypassed_not_raised() -> None:
    backend = RedisBackend(_dead_redis_url())
    cache = TaggedCache(backend)
    src = Source(7)
    assert cache.get_or_compute("k", ["t"], src) == (7, False)
    assert cache.get_or_compute("k", ["t"], src) == (7, False)
    assert src.reads == 2
    assert not cache.available
    cache.invalidate(["t"])  # must not raise either
    assert cache.probe() is False
    backend.close()


def test_invalidation_lost_during_outage_is_healed_on_reconnect(redis_url: str) -> None:
    live = RedisBackend(redis_url)
    live.client.flushdb()
    cache = TaggedCache(live)
    cache.get_or_compute("k", ["job:1"], Source("before"))

    dead = RedisBackend(_dead_redis_url())
    cache.backend = dead  # the network to Redis goes away...
    cache.invalidate(["job:1"])  # ...so this bump is lost
    assert not cache.available

    cache.backend = live  # Redis is reachable again, still holding the old entry
    assert cache.probe() is True
    assert cache.get_or_compute("k", ["job:1"], Source("after")) == ("after", False)
    dead.close()
    live.close()
