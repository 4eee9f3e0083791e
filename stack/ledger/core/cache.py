"""GET-response cache with tag invalidation, on Redis or in process memory.

Invalidation bumps a per-tag version instead of deleting keys: an entry remembers the tag
versions read *before* its value was computed, so a value computed from data that a concurrent
write then changed can never be served afterwards. While Redis is unreachable the cache is
bypassed (every read is a miss, computed from PostgreSQL); when it returns, the first process
that notices bumps a global tag, because invalidations sent during the outage were lost.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import redis

from ledger.core.metrics import CACHE_HITS, CACHE_MISSES

__all__ = ["CacheBackend", "MemoryBackend", "RedisBackend", "TaggedCache"]

GLOBAL_TAG = "__all__"
_RETRY_AFTER_S = 0.5  # while Redis is down, probe it at most this often from the request path


class CacheBackend(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl_s: float) -> None: ...
    def versions(self, tags: Sequence[str]) -> list[int]: ...
    def bump(self, tags: Sequence[str]) -> None: ...
    def ping(self) -> bool: ...


class MemoryBackend:
    """Process-local backend: the reference semantics, used in tests and for local poking."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, str]] = {}
        self._tags: dict[str, int] = {}

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                del self._entries[key]
                return None
            return item[1]

    def set(self, key: str, value: str, ttl_s: float) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_s, value)

    def versions(self, tags: Sequence[str]) -> list[int]:
        with self._lock:
            return [self._tags.get(t, 0) for t in tags]

    def bump(self, tags: Sequence[str]) -> None:
        with self._lock:
            for tag in tags:
                self._tags[tag] = self._tags.get(tag, 0) + 1

    def ping(self) -> bool:
        return True


class RedisBackend:
    def __init__(self, url: str, prefix: str = "ledger:"):
        # Short timeouts: a slow or absent Redis must cost a request milliseconds, not seconds.
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.5, decode_responses=True
        )
        self._prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.client.get(self._prefix + "c:" + key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl_s: float) -> None:
        self.client.set(self._prefix + "c:" + key, value, px=int(ttl_s * 1000))

    def versions(self, tags: Sequence[str]) -> list[int]:
        raw: Any = self.client.mget([self._prefix + "t:" + t for t in tags])
        return [int(v) if v is not None else 0 for v in raw]

    def bump(self, tags: Sequence[str]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for tag in tags:
            pipe.incr(self._prefix + "t:" + tag)
        pipe.execute()

    def ping(self) -> bool:
        return bool(self.client.ping())

    def close(self) -> None:
        self.client.close()


class TaggedCache:
    """JSON values under keys, each read tagged; `invalidate(tags)` makes those reads miss."""

    def __init__(
        self, backend: CacheBackend, *, ttl_s: float = 300.0, invalidation_enabled: bool = True
    ):
        self.backend = backend
        self.ttl_s = ttl_s
        self.invalidation_enabled = invalidation_enabled
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    @property
    def available(self) -> bool:
        return not self._down

    def _failed(self) -> None:
        with self._lock:
            self._down = True
            self._retry_at = time.monotonic() + _RETRY_AFTER_S

    def _usable(self) -> bool:
        """False while the backend is known down; on its return, flush what we missed."""
        if not self._down:
            return True
        if time.monotonic() < self._retry_at:
            return False
        return self.probe()

    def probe(self) -> bool:
        """Check the backend now (readiness uses this); recovers the cache when it answers."""
        try:
            ok = self.backend.ping()
            if ok and self._down:
                self.backend.bump([GLOBAL_TAG])
        except (redis.RedisError, OSError):
            ok = False
        if ok:
            with self._lock:
                self._down = False
        else:
            self._failed()
        return ok

    def get_or_compute(
        self, key: str, tags: Sequence[str], compute: Callable[[], Any]
    ) -> tuple[Any, bool]:
        """(value, hit). A None from `compute` is returned but not stored."""
        all_tags = [GLOBAL_TAG, *tags]
        versions: list[int] | None = None
        if self._usable():
            try:
                versions = self.backend.versions(all_tags)
                raw = self.backend.get(key)
                if raw is not None:
                    entry = json.loads(raw)
                    if entry.get("v") == versions:
                        CACHE_HITS.inc()
                        return entry["d"], True
            except (redis.RedisError, OSError):
                self._failed()
                versions = None
        CACHE_MISSES.inc()
        value = compute()
        if value is not None and versions is not None:
            try:
                self.backend.set(key, json.dumps({"v": versions, "d": value}), self.ttl_s)
            except (redis.RedisError, OSError):
                self._failed()
        return value, False

    def invalidate(self, tags: Sequence[str]) -> None:
        """Call after the write committed. Never raises: a lost bump is healed on reconnect."""
        if not self.invalidation_enabled or not tags:
            return
        if self._down and not self.probe():
            return  # the bump is lost; probe() flushes everything once Redis answers again
        try:
            self.backend.bump(list(tags))
        except (redis.RedisError, OSError):
            self._failed()
