"""The database work of one read: the same request sent a few times in a row, the statements
each one ran counted between two snapshots (background statements left out), and the judging
of that work against a ceiling and across two data volumes."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from signoff.probes.exchanges import Exchanges
from signoff.probes.statements import Statements, Work, work
from signoff.probes.volume import Read, items
from signoff.records import Check, Status


@dataclass(frozen=True)
class Measured:
    """One read at one data volume: the queries and times of each request, its answers'
    statuses, the items its answer listed, the statements' mean calls per request, and the
    numbers of its exchanges."""

    read: Read
    volume: int
    queries: list[int]
    ms: list[float]
    db_ms: list[float]
    statuses: list[int | None]
    listed: int | None
    statements: dict[str, float] = field(default_factory=dict)
    exchanges: list[int] = field(default_factory=list)
    answer: Any = field(default=None, repr=False)  # the last answer's JSON

    @property
    def answered(self) -> bool:
        """Every request succeeded: only then is the work a read's."""
        return all(s is not None and 200 <= s < 300 for s in self.statuses)

    @property
    def per_request(self) -> float:
        """The median queries per request: a statement of a worker that fell into one
        request moves the mean, not the median."""
        return float(statistics.median(self.queries))

    def row(self) -> dict[str, object]:
        """What the record shows of it."""
        return {
            "read": self.read.name,
            "url": self.read.url,
            "volume": self.volume,
            "queries": self.per_request,
            "first": self.queries[0],
            "max": max(self.queries),
            "ms": round(statistics.median(self.ms), 2),
            "db_ms": round(statistics.median(self.db_ms), 3),
            "items": self.listed,
            "statuses": sorted({str(s) for s in self.statuses}),
            "exchanges": [self.exchanges[0], self.exchanges[-1]],
        }


def measure(
    read: Read,
    volume: int,
    times: int,
    exchanges: Exchanges,
    identity: str,
    stats: Statements,
    background: frozenset[int],
) -> Measured:
    """`read` sent `times` times in a row, each request's statements counted on its own."""
    done: list[Work] = []
    ms, statuses, numbers = [], [], []
    listed: int | None = None
    answer = None
    for _ in range(times):
        before = stats.snapshot()
        began = time.perf_counter()
        sent = exchanges.send(identity, "GET", read.url)
        ms.append((time.perf_counter() - began) * 1000)
        done.append(work(before, stats.snapshot(), background))
        statuses.append(sent.status)
        numbers.append(sent.number)
        answer = sent.json()
        listed = items(answer)
    calls: dict[str, float] = {}
    for one in done:
        for text, count in one.statements.items():
            calls[text] = calls.get(text, 0) + count / times
    return Measured(
        read,
        volume,
        [w.calls for w in done],
        ms,
        [w.time_ms for w in done],
        statuses,
        listed,
        calls,
        numbers,
        answer,
    )


def grew(low: float, high: float, factor: float, floor: float) -> bool:
    """Whether queries per request grew with the data: beyond `factor` times and by at least
    `floor` queries (1 → 2 queries is no N+1; 2 → 12 is)."""
    return high > low * factor and high - low >= floor


def cause(small: Measured, large: Measured, shown: int = 3) -> str:
    """The statements whose calls per request grew between the two volumes, most first, in
    words ("" when none did)."""
    rise = {
        text: calls - small.statements.get(text, 0.0) for text, calls in large.statements.items()
    }
    grown = sorted((t for t in rise if rise[t] > 0), key=lambda t: -rise[t])[:shown]
    said = [
        f"{small.statements.get(text, 0.0):g} then {large.statements[text]:g} times per "
        f"request: {text}"
        for text in grown
    ]
    return f"; the statements that grew ran {'; '.join(said)}" if said else ""


def growth_check(
    small: Measured, large: Measured, factor: float, floor: float, evidence: str
) -> Check:
    """The scaling check of one list read: FAIL when its queries grow with the data."""
    name = f"{small.read.name}: queries flat from {small.volume} to {large.volume} objects"
    low, high = small.per_request, large.per_request
    bad = grew(low, high, factor, floor)
    message = (
        f"{small.read.name} ran {low:g} queries per request listing {small.listed} items and "
        f"{high:g} listing {large.listed}: its queries grow with the data (an N+1), beyond "
        f"{factor:g} times and by {floor:g} queries{cause(small, large)} (evidence: {evidence})."
    )
    return Check(
        name,
        Status.FAIL if bad else Status.PASS,
        high,
        f"not above {factor:g} times {low:g} and by {floor:g} or more",
        "<=",
        " queries",
        message if bad else "",
        evidence,
    )


def ceiling_check(measured: list[Measured], ceiling: int, evidence: str) -> Check:
    """The check of one read's queries per request (its most at any volume) against the
    ceiling."""
    worst = max(measured, key=lambda m: m.per_request)
    name = f"{worst.read.name}: queries per request"
    figure = worst.per_request
    ok = figure <= ceiling
    message = (
        f"{worst.read.name} ran {figure:g} queries per request (median of "
        f"{len(worst.queries)}, {worst.volume} objects), more than [queries] max_per_request "
        f"= {ceiling} (evidence: {evidence})."
    )
    return Check(
        name,
        Status.PASS if ok else Status.FAIL,
        figure,
        ceiling,
        "<=",
        " queries",
        "" if ok else message,
        evidence,
    )
