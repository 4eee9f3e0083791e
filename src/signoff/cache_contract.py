"""The cache freshness contract: after anything that changes a cached read's answer, the next
read answers anew.

`assert_fresh` reads an endpoint twice (so the answer is cached), makes one change through one
path (a write, finished background work, a delete, a revoked credential, an elapsed TTL), reads
once more and judges that answer. It refuses checks that could not fail: a read the cache does
not serve, an answer that already looks fresh before the change, or a change slow enough that
the TTL alone would have refreshed the entry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Answer", "CacheContract", "StaleRead", "UnsoundCheck", "assert_fresh"]

Change = Callable[[], str | None]


class StaleRead(AssertionError):
    """The read after a change still answered what it answered before."""


class UnsoundCheck(AssertionError):
    """The check could not have told a fresh answer from a stale one."""


@dataclass(frozen=True)
class Answer:
    """What the read must answer once the change is visible: a status and JSON fields."""

    status: int = 200
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, response: httpx.Response) -> bool:
        if response.status_code != self.status:
            return False
        if not self.fields:
            return True
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and all(body.get(k) == v for k, v in self.fields.items())

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.status}" + (f" with {shown}" if shown else "")


def _shown(response: httpx.Response, limit: int = 300) -> str:
    try:
        text = json.dumps(response.json(), sort_keys=True)
    except ValueError:
        text = response.text
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"{response.status_code} {text}"


def assert_fresh(
    client: httpx.Client,
    read: str,
    change: Change,
    expect: Answer | Callable[[httpx.Response], bool],
    *,
    via: str = "the change",
    hit_header: tuple[str, str] | None = None,
    ttl_s: float | None = None,
) -> httpx.Response:
    """Prove that `change` is visible in the next GET of `read`; return that response.

    `change` makes the change and may return a sentence naming it ("the worker completed run
    42"), else `via` names it. `expect` judges the answer after the change (an `Answer`, or a
    predicate). `hit_header` = (name, value) marks a response served from the cache: the read
    before the change must carry it. `ttl_s` is the cache's TTL: a change that took longer
    proves nothing, because expiry alone refreshes the entry.
    """
    name = f"GET {read}"
    client.get(read)
    primed = client.get(read)
    began = time.monotonic()
    if hit_header is not None:
        header, value = hit_header
        seen = primed.headers.get(header)
        if seen != value:
            raise UnsoundCheck(
                f"{name} was not served from the cache before the change ({header}: {seen}), "
                f"so its answer after {via} proves nothing about the cache."
            )
    # An expectation that says what it wants (Answer, or any object with its own __str__) is
    # named in messages; a bare function is not.
    described = any("__str__" in vars(kind) for kind in type(expect).__mro__[:-1])
    wanted = str(expect) if described else "the changed answer"
    if expect(primed):
        raise UnsoundCheck(
            f"{name} already answered {wanted} before {via} ({_shown(primed)}): the check "
            "cannot tell a fresh answer from a stale one."
        )
    said = change()
    path = said or via
    after = client.get(read)
    took = time.monotonic() - began
    if ttl_s is not None and took >= ttl_s:
        raise UnsoundCheck(
            f"{path} took {took:.1f} s, not less than the cache's TTL of {ttl_s:g} s: expiry "
            f"alone may have refreshed {name}."
        )
    if not expect(after):
        marker = ""
        if hit_header is not None:
            marker = f" ({hit_header[0]}: {after.headers.get(hit_header[0])})"
        raise StaleRead(
            f"{name} stayed stale after {path}: it answered {_shown(after)}{marker}, "
            f"expected {wanted}; before the change it answered {_shown(primed)}."
        )
    return after


@dataclass
class CacheContract:
    """`assert_fresh` bound to one client and one cache's conventions; counts what it proved."""

    client: httpx.Client
    hit_header: tuple[str, str] | None = None
    ttl_s: float | None = None
    proved: list[str] = field(default_factory=list)

    def assert_fresh(
        self,
        read: str,
        change: Change,
        expect: Answer | Callable[[httpx.Response], bool],
        *,
        via: str = "the change",
        client: httpx.Client | None = None,
        ttl_s: float | None = None,
    ) -> httpx.Response:
        """As `assert_fresh`; `ttl_s` here overrides the contract's (None keeps it)."""
        response = assert_fresh(
            client or self.client,
            read,
            change,
            expect,
            via=via,
            hit_header=self.hit_header,
            ttl_s=self.ttl_s if ttl_s is None else ttl_s,
        )
        self.proved.append(f"GET {read} after {via}")
        return response

    def after_expiry(
        self,
        read: str,
        change_behind_its_back: Change,
        expect: Answer | Callable[[httpx.Response], bool],
        *,
        via: str = "a change the service was not told of",
        margin_s: float = 0.5,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        """The TTL path: a change the cache cannot hear of shows once the TTL has elapsed."""
        if self.ttl_s is None:
            raise UnsoundCheck(f"GET {read}: the expiry path needs the cache's ttl_s.")
        ttl_s = self.ttl_s

        def change_then_wait() -> str:
            said = change_behind_its_back() or via
            time.sleep(ttl_s + margin_s)
            return f"{said} and its TTL of {ttl_s:g} s elapsed"

        response = assert_fresh(
            client or self.client,
            read,
            change_then_wait,
            expect,
            via=via,
            hit_header=self.hit_header,
        )
        self.proved.append(f"GET {read} after expiry")
        return response
