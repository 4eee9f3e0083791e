"""Synthetic record sets for the micro-benchmarks: deterministic, shaped like real uploads.

Half of each side pairs by reference, a third by amount tolerance and date window, the rest
stays unmatched, so every pass of the matcher does real work.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.matching import Entry

CURRENCIES = ("EUR", "USD", "GBP")


def record_sets(size: int, seed: int = 7) -> tuple[list[Entry], list[Entry]]:
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    left: list[Entry] = []
    right: list[Entry] = []
    for i in range(size):
        day = start + timedelta(days=rng.randrange(365))
        amount = Decimal(rng.randrange(100, 10_000_000)) / 100
        currency = CURRENCIES[i % 3]
        left.append(Entry(i, f"INV-{i}", day, amount, currency))
        kind = i % 6
        if kind < 3:  # same reference
            right.append(Entry(i, f"INV-{i}", day, amount, currency))
        elif kind < 5:  # other reference, amount within tolerance, date within the window
            nudged = amount + Decimal(rng.randrange(-50, 50)) / 100
            right.append(
                Entry(i, f"BANK-{i}", day + timedelta(days=rng.randrange(3)), nudged, currency)
            )
        else:  # nothing to pair with
            right.append(Entry(i, f"OTHER-{i}", day, amount + 1000, currency))
    rng.shuffle(right)
    return left, right


def csv_bytes(size: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    lines = ["reference,date,amount,currency,description"]
    for i in range(size):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        cents = rng.randrange(100, 10_000_000)
        lines.append(
            f"INV-{i},{day.isoformat()},{cents // 100}.{cents % 100:02d},"
            f"{CURRENCIES[i % 3]},Invoice {i}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="session")
def sets_10k() -> tuple[list[Entry], list[Entry]]:
    return record_sets(10_000)


@pytest.fixture(scope="session")
def sets_100k() -> tuple[list[Entry], list[Entry]]:
    return record_sets(100_000)


@pytest.fixture(scope="session")
def csv_10k() -> bytes:
    return csv_bytes(10_000)
