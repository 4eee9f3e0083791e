"""The open model: requests arrive at a stage table's rates whether or not earlier ones finished.

One schedule and one dropping rule, played by two transports. Each arrival has an intended
start on a fixed schedule and its latency counts from that moment (as wrk2 corrects
coordinated omission), so a stalled server shows up in the percentiles instead of slowing the
generator. An arrival is dropped when no operation is ready (none has values for its
placeholders), or when it cannot be started within `max_lag_s` of its intended start because
`max_in_flight` requests are still out. The modes: `play`, blocking, with a pool of greenlets
(gevent, inside Locust: `signoff.load.locust`), and `play_async` with asyncio tasks (one
process splitting its arrivals between builds: `signoff compare --mode split`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from signoff.config import LoadOpen

T = TypeVar("T")  # what a transport sends for an arrival (an operation and its URL, ...)
RNG = random.SystemRandom()  # which target gets an arrival: no reproducible sequence needed


@dataclass(frozen=True)
class Arrival:
    intended: float  # when it should start, on the transport's clock
    phase: str
    target: int = 0  # which of the targets it goes to, when the arrivals are split


def _times(stage: Mapping[str, Any], start: float, share: float) -> Iterator[float]:
    duration = float(stage["duration_s"])
    first = float(stage["rate"]) * share
    last = float(stage.get("rate_end") or stage["rate"]) * share
    t = start
    while t < start + duration:
        rate = first + (last - first) * (t - start) / duration
        if rate <= 0:
            break
        yield t
        t += 1.0 / rate


def schedule(
    stages: Sequence[Mapping[str, Any]], start: float, share: float = 1.0, targets: int = 1
) -> Iterator[Arrival]:
    """Every arrival of the stage table (its JSON form) from `start`, at `share` of each stage's
    (ramping) rate; split between `targets` in blocks of one arrival per target in random
    order, so each target gets the same number at the same moments."""
    stage_start = start
    order: list[int] = []
    for stage in stages:
        for t in _times(stage, stage_start, share):
            if not order:
                order = RNG.sample(range(targets), targets) if targets > 1 else [0]
            yield Arrival(t, str(stage.get("phase", "")), order.pop())
        stage_start += float(stage["duration_s"])


def latency_ms(intended: float, finished: float) -> float:
    """Counted from the intended start, so time spent waiting to be sent counts."""
    return (finished - intended) * 1000.0


def wait_s(arrival: Arrival, limits: LoadOpen, now: float) -> float:
    """How long the arrival may still wait for a free slot."""
    return max(arrival.intended + limits.max_lag_s - now, 0.0)


def dropped(arrival: Arrival, limits: LoadOpen, now: float, slot: bool) -> bool:
    """The dropping rule for an arrival with something to send (one with nothing ready is
    dropped at once): no free slot by its deadline, or past it."""
    return not slot or now - arrival.intended > limits.max_lag_s


class Pool(Protocol):
    """A pool of at most `max_in_flight` greenlets (gevent's `Pool`)."""

    def wait_available(self, timeout: float | None = None) -> Any: ...

    def full(self) -> bool: ...

    def spawn(self, func: Callable[..., Any], *args: Any) -> Any: ...

    def join(self, timeout: float | None = None) -> Any: ...


def play(
    arrivals: Iterable[Arrival],
    limits: LoadOpen,
    pick: Callable[[Arrival], T | None],
    send: Callable[[Arrival, T], None],
    drop: Callable[[Arrival, T | None], None],
    pool: Pool,
    sleep: Callable[[float], None],
    clock: Callable[[], float] = time.time,
) -> None:
    """The blocking mode: each arrival sent by `send` in a greenlet of `pool` at its time (what
    `pick` chose for it), or handed to `drop`; then the stragglers waited for."""
    for arrival in arrivals:
        delay = arrival.intended - clock()
        if delay > 0:
            sleep(delay)
        chosen = pick(arrival)
        if chosen is not None:
            pool.wait_available(timeout=wait_s(arrival, limits, clock()))
        if chosen is None or dropped(arrival, limits, clock(), not pool.full()):
            drop(arrival, chosen)
            continue
        pool.spawn(send, arrival, chosen)
    pool.join(timeout=limits.max_lag_s)


async def _slot(slots: asyncio.Semaphore, timeout: float) -> bool:
    """A free slot, waited for at most `timeout` seconds; False if none came."""
    if not slots.locked():
        await slots.acquire()
        return True
    try:
        await asyncio.wait_for(slots.acquire(), timeout)
    except TimeoutError:
        return False
    return True


async def play_async(
    arrivals: Iterable[Arrival],
    limits: LoadOpen,
    pick: Callable[[Arrival], T | None],
    send: Callable[[Arrival, T], Awaitable[None]],
    drop: Callable[[Arrival, T | None], None],
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """The asyncio mode: each arrival sent by `send` in a task of its own at its time (what
    `pick` chose for it), or handed to `drop`; then the stragglers waited for."""
    slots = asyncio.Semaphore(limits.max_in_flight)
    tasks: set[asyncio.Task[None]] = set()

    async def sent(arrival: Arrival, chosen: T) -> None:
        try:
            await send(arrival, chosen)
        finally:
            slots.release()

    for arrival in arrivals:
        delay = arrival.intended - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        chosen = pick(arrival)
        slot = chosen is not None and await _slot(slots, wait_s(arrival, limits, clock()))
        if chosen is None or dropped(arrival, limits, clock(), slot):
            if slot:
                slots.release()
            drop(arrival, chosen)
            continue
        task = asyncio.create_task(sent(arrival, chosen))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=limits.max_lag_s)
