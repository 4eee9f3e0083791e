"""Pure reconciliation: pair left and right records one-to-one.

Pass 1 pairs equal references in input order. Pass 2 pairs the rest by amount tolerance and date
window within one currency, greedily by (amount difference, date difference, left order, right
order) over all candidate pairs. Candidates come from an amount-sorted index scanned outwards
from each left amount, with skip pointers over taken rights, so typical inputs cost O(n log n).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["Entry", "Match", "MatchResult", "reconcile"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One record as the matcher sees it; `key` is whatever the caller uses to find it again."""

    key: int
    reference: str
    date: date
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Match:
    left: int  # index into the left input
    right: int  # index into the right input
    kind: str  # "reference" | "tolerance"


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: list[Match]  # ordered by left index
    unmatched_left: list[int]  # indexes, in input order
    unmatched_right: list[int]

    @property
    def match_rate(self) -> float:
        return match_rate(len(self.matches), len(self.unmatched_left), len(self.unmatched_right))


def match_rate(matched: int, unmatched_left: int, unmatched_right: int) -> float:
    """Share of all records that ended up in a pair, rounded to 4 places."""
    total = 2 * matched + unmatched_left + unmatched_right
    return round(2 * matched / total, 4) if total else 0.0


class _FreeIndex:
    """Rights of one currency sorted by amount, with union-find skips over taken slots."""

    def __init__(self, order: list[int], amounts: list[Decimal]):
        self.order = order  # right indexes sorted by (amount, input order)
        self.amounts = amounts
        n = len(order)
        # Slot n (upwards) and node 0 (downwards, node = slot + 1) are "nothing left" sentinels.
        self._up = list(range(n + 1))
        self._down = list(range(n + 1))

    def take(self, slot: int) -> None:
        self._up[slot] = slot + 1
        self._down[slot + 1] = slot

    @staticmethod
    def _find(parent: list[int], node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def free_up(self, slot: int) -> int:
        """Lowest free slot >= `slot`, or n when there is none."""
        return self._find(self._up, slot)

    def free_down(self, slot: int) -> int:
        """Highest free slot <= `slot`, or -1 when there is none."""
        return self._find(self._down, slot + 1) - 1


def _best_candidate(
    left: Entry,
    index: _FreeIndex,
    right: Sequence[Entry],
    tolerance: Decimal,
    window: int,
) -> tuple[Decimal, int, int, int] | None:
    """(amount diff, date diff, right index, slot) of the best free right for `left`, if any."""
    amounts = index.amounts
    n = len(amounts)
    pos = bisect_left(amounts, left.amount)
    up = index.free_up(pos)
    down = index.free_down(pos - 1)
    day = left.date.toordinal()
    best: tuple[Decimal, int, int, int] | None = None
    while True:
        up_diff = amounts[up] - left.amount if up < n else None
        down_diff = left.amount - amounts[down] if down >= 0 else None
        if up_diff is not None and (down_diff is None or up_diff <= down_diff):
            diff, slot, going_up = up_diff, up, True
        elif down_diff is not None:
            diff, slot, going_up = down_diff, down, False
        else:
            break
        if diff > tolerance or (best is not None and diff > best[0]):
            break
        r = index.order[slot]
        days = abs(right[r].date.toordinal() - day)
        if days <= window:
            candidate = (diff, days, r, slot)
            if best is None or candidate < best:
                best = candidate
        if going_up:
            up = index.free_up(up + 1)
        else:
            down = index.free_down(down - 1)
    return best


def reconcile(
    left: Sequence[Entry], right: Sequence[Entry], tolerance: Decimal, window_days: int
) -> MatchResult:
    if tolerance < 0 or window_days < 0:
        raise ValueError("tolerance and window_days must not be negative")
    matches: list[Match] = []
    left_taken = [False] * len(left)
    right_taken = [False] * len(right)

    by_reference: dict[str, deque[int]] = defaultdict(deque)
    for r, entry in enumerate(right):
        by_reference[entry.reference].append(r)
    for i, entry in enumerate(left):
        queue = by_reference.get(entry.reference)
        if queue:
            r = queue.popleft()
            left_taken[i] = right_taken[r] = True
            matches.append(Match(i, r, "reference"))

    per_currency: dict[str, list[int]] = defaultdict(list)
    for r, entry in enumerate(right):
        if not right_taken[r]:
            per_currency[entry.currency].append(r)
    indexes: dict[str, _FreeIndex] = {}
    for currency, members in per_currency.items():
        members.sort(key=lambda r: (right[r].amount, r))
        indexes[currency] = _FreeIndex(members, [right[r].amount for r in members])

    heap: list[tuple[Decimal, int, int, int, int]] = []
    for i, entry in enumerate(left):
        if left_taken[i] or entry.currency not in indexes:
            continue
        found = _best_candidate(entry, indexes[entry.currency], right, tolerance, window_days)
        if found is not None:
            diff, days, r, slot = found
            heapq.heappush(heap, (diff, days, i, r, slot))
    while heap:
        diff, days, i, r, slot = heapq.heappop(heap)
        entry = left[i]
        index = indexes[entry.currency]
        if right_taken[r]:
            found = _best_candidate(entry, index, right, tolerance, window_days)
            if found is not None:
                heapq.heappush(heap, (found[0], found[1], i, found[2], found[3]))
            continue
        left_taken[i] = right_taken[r] = True
        index.take(slot)
        matches.append(Match(i, r, "tolerance"))

    matches.sort(key=lambda m: m.left)
    return MatchResult(
        matches=matches,
        unmatched_left=[i for i, taken in enumerate(left_taken) if not taken],
        unmatched_right=[r for r, taken in enumerate(right_taken) if not taken],
    )
