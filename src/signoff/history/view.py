"""What the report shows of the store: trend lines of key figures and flaky tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Point:
    """One run's value of a figure."""

    run_id: str
    value: float


@dataclass(frozen=True)
class Trend:
    """A figure over the last runs of one branch (`scope`), oldest first."""

    name: str
    unit: str
    scope: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Outcome:
    """A test case's outcome in one stored run."""

    run_id: str
    commit: str
    outcome: str


@dataclass(frozen=True)
class FlakyTest:
    """A test case that passed and failed on one commit, with every outcome seen, oldest first."""

    layer: str
    test: str
    history: tuple[Outcome, ...]


@dataclass(frozen=True)
class HistoryView:
    """The store's view for one run's report. `policy` is [history] flaky; `where` names the
    store."""

    branch: str
    main: str
    policy: str
    where: str
    trends: tuple[Trend, ...] = field(default_factory=tuple)
    flaky: tuple[FlakyTest, ...] = field(default_factory=tuple)
