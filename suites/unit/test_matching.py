from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.matching import Entry, Match, match_rate, reconcile

D0 = date(2024, 3, 1)


def e(key: int, amount: str, day: int = 0, ref: str | None = None, cur: str = "EUR") -> Entry:
    return Entry(key, ref or f"ref-{key}", D0 + timedelta(days=day), Decimal(amount), cur)


def pairs(result: object) -> list[tuple[int, int, str]]:
    return [(m.left, m.right, m.kind) for m in result.matches]  # type: ignore[attr-defined]


def test_reference_match_ignores_amount_and_date() -> None:
    result = reconcile([e(0, "10", ref="A")], [e(0, "999", 40, ref="A")], Decimal("0"), 0)
    assert pairs(result) == [(0, 0, "reference")]
    assert result.unmatched_left == []
    assert result.unmatched_right == []


@pytest.mark.parametrize(
    ("right_amount", "matched"),
    [("10.05", True), ("9.95", True), ("10.06", False), ("9.94", False)],
)
def test_tolerance_edge_is_inclusive(right_amount: str, matched: bool) -> None:
    result = reconcile([e(0, "10.00")], [e(1, right_amount)], Decimal("0.05"), 0)
    assert bool(result.matches) is matched


@pytest.mark.parametrize(("days", "matched"), [(3, True), (-3, True), (4, False), (-4, False)])
def test_date_window_edge_is_inclusive(days: int, matched: bool) -> None:
    result = reconcile([e(0, "10")], [e(1, "10", days)], Decimal("0"), 3)
    assert bool(result.matches) is matched


def test_zero_window_requires_same_day() -> None:
    assert reconcile([e(0, "1")], [e(1, "1", 0)], Decimal("0"), 0).matches
    assert not reconcile([e(0, "1")], [e(1, "1", 1)], Decimal("0"), 0).matches


def test_currency_must_match_for_tolerance() -> None:
    result = reconcile([e(0, "10", cur="EUR")], [e(1, "10", cur="USD")], Decimal("1"), 5)
    assert result.matches == []
    assert result.unmatched_left == [0]
    assert result.unmatched_right == [0]


def test_one_to_one_when_two_lefts_want_one_right() -> None:
    result = reconcile([e(0, "10"), e(1, "10")], [e(2, "10")], Decimal("0"), 0)
    assert pairs(result) == [(0, 0, "tolerance")]  # input order breaks the exact tie
    assert result.unmatched_left == [1]


def test_prefers_smallest_amount_difference_globally() -> None:
    # Left 0 comes first but the closest pair overall is (1, 0); greedy-by-left would steal it.
    left = [e(0, "10.00"), e(1, "10.04")]
    right = [e(2, "10.03"), e(3, "9.98")]
    result = reconcile(left, right, Decimal("0.05"), 0)
    assert pairs(result) == [(0, 1, "tolerance"), (1, 0, "tolerance")]


def test_prefers_smaller_date_difference_on_equal_amounts() -> None:
    result = reconcile([e(0, "5", 0)], [e(1, "5", 2), e(2, "5", 1)], Decimal("0"), 3)
    assert pairs(result) == [(0, 1, "tolerance")]
    assert result.unmatched_right == [0]


def test_duplicate_references_pair_in_input_order() -> None:
    left = [e(0, "1", ref="D"), e(1, "2", ref="D"), e(2, "3", ref="D")]
    right = [e(3, "7", ref="D"), e(4, "8", ref="D")]
    result = reconcile(left, right, Decimal("0"), 0)
    assert pairs(result) == [(0, 0, "reference"), (1, 1, "reference")]
    assert result.unmatched_left == [2]


def test_reference_pass_runs_before_tolerance_pass() -> None:
    # Left 0 would be a perfect tolerance partner for right 1, but right 1 is taken by reference.
    left = [e(0, "10", ref="X"), e(1, "50", ref="Y")]
    right = [e(2, "10", ref="Z"), e(3, "99", ref="Y")]
    result = reconcile(left, right, Decimal("0"), 0)
    assert sorted(pairs(result)) == [(0, 0, "tolerance"), (1, 1, "reference")]


def test_negative_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        reconcile([], [], Decimal("-1"), 0)


def test_empty_sides() -> None:
    result = reconcile([], [e(0, "1")], Decimal("1"), 1)
    assert result.matches == []
    assert result.unmatched_right == [0]
    assert result.match_rate == 0.0


def test_match_rate() -> None:
    assert match_rate(31, 9, 9) == 0.775
    assert match_rate(0, 0, 0) == 0.0
    assert match_rate(1, 0, 0) == 1.0


def _brute_force(
    left: list[Entry], right: list[Entry], tol: Decimal, window: int
) -> list[tuple[int, int, str]]:
    """The specification written the slow way: every candidate pair, sorted, taken greedily."""
    lt, rt = [False] * len(left), [False] * len(right)
    out: list[tuple[int, int, str]] = []
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            if not rt[j] and a.reference == b.reference:
                lt[i] = rt[j] = True
                out.append((i, j, "reference"))
                break
    candidates = sorted(
        (abs(a.amount - b.amount), abs((a.date - b.date).days), i, j)
        for i, a in enumerate(left)
        for j, b in enumerate(right)
        if not lt[i]
        and not rt[j]
        and a.currency == b.currency
        and abs(a.amount - b.amount) <= tol
        and abs((a.date - b.date).days) <= window
    )
    for _, _, i, j in candidates:
        if not lt[i] and not rt[j]:
            lt[i] = rt[j] = True
            out.append((i, j, "tolerance"))
    return sorted(out)


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)

    def side(n: int) -> list[Entry]:
        return [
            Entry(
                k,
                f"r{rng.randrange(25)}",
                D0 + timedelta(days=rng.randrange(6)),
                Decimal(rng.randrange(0, 30)) / 10,
                rng.choice("AB"),
            )
            for k in range(n)
        ]

    left, right = side(rng.randrange(0, 30)), side(rng.randrange(0, 30))
    tol, window = Decimal(rng.randrange(0, 5)) / 10, rng.randrange(0, 3)
    assert sorted(pairs(reconcile(left, right, tol, window))) == _brute_force(
        left, right, tol, window
    )


def test_deterministic_across_calls() -> None:
    rng = random.Random(3)
    left = [e(k, str(rng.randrange(100)), rng.randrange(5)) for k in range(300)]
    right = [e(k, str(rng.randrange(100)), rng.randrange(5)) for k in range(300)]
    first = reconcile(left, right, Decimal("2"), 2)
    assert all(reconcile(left, right, Decimal("2"), 2) == first for _ in range(3))
    assert all(isinstance(m, Match) for m in first.matches)


def test_large_input_is_subquadratic() -> None:
    n = 50_000
    rng = random.Random(1)
    amounts = [Decimal(100 + k) / 10 for k in range(n)]  # 0.10 apart, so each has one twin
    rng.shuffle(amounts)
    left = [Entry(k, f"l{k}", D0, a, "EUR") for k, a in enumerate(amounts)]
    right = [
        Entry(k, f"r{k}", D0 + timedelta(days=1), a + Decimal("0.01"), "EUR")
        for k, a in enumerate(reversed(amounts))
    ]
    started = time.perf_counter()
    result = reconcile(left, right, Decimal("0.01"), 1)
    elapsed = time.perf_counter() - started
    assert len(result.matches) == n
    assert elapsed < 20, f"{n} records per side took {elapsed:.1f} s: is matching quadratic?"
