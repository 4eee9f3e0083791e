"""Micro-benchmark of the summary cache's hot path: building the key and tags, then a hit."""

from __future__ import annotations

from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from ledger.core.cache import MemoryBackend, TaggedCache
from ledger.summaries import job_tags, tenant_tags

SUMMARY = {"matched": 8336, "unmatched_left": 1664, "unmatched_right": 1664, "rate": 0.8336}


def _never() -> Any:
    raise AssertionError("a warm cache must not recompute")


def test_cache_key_and_hit(benchmark: BenchmarkFixture) -> None:
    cache = TaggedCache(MemoryBackend())
    cache.get_or_compute("summary:job:42", job_tags(7, 42), lambda: SUMMARY)

    def lookup() -> tuple[Any, bool]:
        # What each GET of a job summary does before any database work.
        return cache.get_or_compute(f"summary:job:{42}", job_tags(7, 42), _never)

    value, hit = benchmark(lookup)
    assert hit
    assert value == SUMMARY


def test_cache_tenant_key_and_miss(benchmark: BenchmarkFixture) -> None:
    cache = TaggedCache(MemoryBackend())
    counter = iter(range(10**9))

    def miss() -> tuple[Any, bool]:
        # A fresh key each call: the miss path computes and stores.
        key = f"summary:tenant:7:{next(counter)}:None"
        return cache.get_or_compute(key, tenant_tags(7), lambda: SUMMARY)

    value, hit = benchmark(miss)
    assert not hit
    assert value == SUMMARY
