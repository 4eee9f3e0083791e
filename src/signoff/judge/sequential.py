"""Looks at a comparison while its pairs of runs come in, with the false-alarm rate held over
all of them.

`signoff compare` judges after every pair from `min_runs` pairs on, and stops as soon as every
series is decided (same, slower or faster), at the latest after `repetitions` pairs (the cap).
Looking many times gives many chances of a false alarm, so each look spends part of alpha: a
Lan-DeMets spending function a(t) of the information fraction t = pairs / cap gives the look at
t_k the increment a(t_k) - a(t_{k-1}). The increments sum to alpha, and the chance of a false
flag at any look is at most the sum of the looks' chances (a union bound: valid whatever the
looks' correlation, and conservative because they share their runs).

- `pocock` (alpha·ln(1 + (e - 1)·t)): most of alpha at the first look, so a clear comparison
  stops early;
- `obrien-fleming` (2 - 2Φ(z(1 - alpha/2) / √t)): little at the early looks, nearly all at the cap.

A series keeps the verdict of the first look that decided it, with that look's interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import special  # type: ignore[import-untyped]

SPENDING = ("pocock", "obrien-fleming")


def spent(t: float, alpha: float, rule: str) -> float:
    """The share of alpha spent by information fraction t (0 < t ≤ 1)."""
    t = min(max(t, 0.0), 1.0)
    if t <= 0:
        return 0.0
    if rule == "pocock":
        return alpha * math.log1p((math.e - 1) * t)
    if rule == "obrien-fleming":
        return float(2 - 2 * special.ndtr(special.ndtri(1 - alpha / 2) / math.sqrt(t)))
    raise ValueError(f"unknown spending rule {rule!r}")


@dataclass(frozen=True)
class Looks:
    """The looks of a comparison: after `first` pairs, then after every pair up to `last`."""

    first: int
    last: int
    spending: str = "obrien-fleming"

    @classmethod
    def once(cls, runs: int) -> Looks:
        """One look at all the runs there are, with the whole of alpha."""
        return cls(runs, runs)

    def made(self, available: int) -> list[int]:
        """The pairs at each look made once `available` pairs are in."""
        first = min(self.first, self.last)
        end = min(available, self.last)
        return list(range(first, end + 1)) if end >= first else [end]

    def alpha(self, pairs: int, alpha: float) -> float:
        """The alpha spent at the look after `pairs` pairs."""
        looks = self.made(self.last)
        if pairs not in looks:
            return spent(pairs / max(self.last, 1), alpha, self.spending)
        at = looks.index(pairs)
        before = looks[at - 1] / self.last if at else 0.0
        last = max(self.last, 1)
        return spent(pairs / last, alpha, self.spending) - spent(before, alpha, self.spending)


@dataclass(frozen=True)
class Stop:
    """How far a comparison's looks went and why they ended there."""

    pairs: int  # runs a side judged (the last look's)
    cap: int  # the most pairs the comparison would run
    looks: list[int]  # pairs at each look made
    max_looks: int  # the looks the cap allows
    undecided: int  # series still undecided at the last look
    decided_at: int | None  # pairs at the look by which every series was decided
    spending: str

    @property
    def decided(self) -> bool:
        return self.decided_at is not None

    @property
    def reason(self) -> str:
        looks = len(self.looks)
        if self.decided_at is not None:
            at = self.looks.index(self.decided_at) + 1
            return (
                f"every series decided at look {at} of at most {self.max_looks} "
                f"({self.decided_at} pairs)"
            )
        if self.pairs >= self.cap:
            return (
                f"the cap of {self.cap} pairs reached at look {looks} with "
                f"{self.undecided} series undecided"
            )
        return f"{self.undecided} series undecided after {self.pairs} of at most {self.cap} pairs"

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "cap": self.cap,
            "looks": self.looks,
            "max_looks": self.max_looks,
            "undecided": self.undecided,
            "decided_at": self.decided_at,
            "decided": self.decided,
            "spending": self.spending,
            "reason": self.reason,
        }
