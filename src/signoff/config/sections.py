"""The sections of one table each: `[audit]`, `[authz]`, `[bench]`, `[compare]`, `[coverage]`,
`[e2e]`, `[faults]`, `[fuzz]`, `[history]`, `[observability]`, `[queries]`, `[report]`,
`[roundtrip]`, `[run]`, `[smoke]` and `[stack]`.

Every value comes from the merged TOML (the defaults hold one for each key, so no field has a
default here); a field's `bounds` and a section's `check` refuse what no run could use.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Literal

from signoff.config.operations import MixOperation, check_values
from signoff.config.schema import bounds
from signoff.errors import ConfigError

# the per-run figures a latency series can be judged on
LatencyFigure = Literal["p50", "p90", "p95", "p99", "mean", "min"]
LATENCY_FIGURES: tuple[str, ...] = typing.get_args(LatencyFigure)


@dataclass(frozen=True)
class AuditSettings:
    """`[audit]`: the security score's threshold, bandit and pip-audit, the live HTTP checks."""

    threshold: float = field(metadata=bounds(0, 100))
    bandit_config: str
    source: Literal["auto", "offline", "osv", "pypi"]
    advisory_db: str
    max_age_days: int = field(metadata=bounds(0))
    waivers: str
    tool_timeout: float = field(metadata=bounds(above=0))
    http_checks: bool
    api_headers: tuple[str, ...]
    page_headers: tuple[str, ...]
    pages: tuple[str, ...]


@dataclass(frozen=True)
class AuthzSettings:
    """`[authz]`: the operations every identity may answer alike, a request's time limit, and
    the operations only a higher role may call, tried as an identity of `lower_role`."""

    shared: tuple[str, ...]
    timeout: float = field(metadata=bounds(above=0))
    lower_role: str
    privileged: tuple[str, ...]


@dataclass(frozen=True)
class BenchSettings:
    """`[bench]`: the pytest-benchmark suites and how long each benchmark runs."""

    paths: tuple[str, ...]
    min_rounds: int = field(metadata=bounds(1))
    max_time: float = field(metadata=bounds(0))
    busy_share_max: float = field(metadata=bounds(0, 1))


@dataclass(frozen=True)
class CompareSettings:
    """`[compare]`: how runs of two builds are made and judged (docs/comparison.md)."""

    repetitions: int = field(metadata=bounds(1))
    min_runs: int = field(metadata=bounds(1))
    min_effect: float = field(metadata=bounds(above=0, below=1))
    alpha: float = field(metadata=bounds(above=0, below=1))
    multiplicity: Literal["fdr", "bonferroni", "none"]
    spending: Literal["pocock", "obrien-fleming"]
    pool: bool
    power: float = field(metadata=bounds(above=0, below=1))
    assumed_noise: float = field(metadata=bounds(above=0))
    latency_figures: tuple[str, ...]
    run_level: bool
    by_phase: bool
    layer: str
    layer_args: tuple[str, ...]
    mode: Literal["auto", "split", "interleaved", "together"]
    seed: tuple[MixOperation, ...]

    def check(self, where: str) -> None:
        unknown = [f for f in self.latency_figures if f not in LATENCY_FIGURES]
        if unknown or not self.latency_figures:
            raise ConfigError(
                f"{where}.latency_figures names {unknown[0]!r}, which is no figure."
                if unknown
                else f"{where}.latency_figures is empty.",
                hint=f"choose from {', '.join(LATENCY_FIGURES)}.",
            )
        check_values(self.seed, f"{where}.seed")


@dataclass(frozen=True)
class CoverageSettings:
    """`[coverage]`: the least line and branch coverage (percent) and the files a failure lists;
    the least patch coverage (0: not gated) and the ref a change is diffed against."""

    line: float = field(metadata=bounds(0, 100))
    branch: float = field(metadata=bounds(0, 100))
    show_files: int = field(metadata=bounds(0))
    patch: float = field(metadata=bounds(0, 100))
    base: str

    @property
    def patch_threshold(self) -> float | None:
        """The least patch coverage; None when the patch is not gated (0, the default: a
        threshold of 0 would pass every patch, and off the base need not be found)."""
        return self.patch or None


@dataclass(frozen=True)
class E2eSettings:
    """`[e2e]`: the browser of `playwright` layers, reruns, and the journeys' time limits."""

    use_playwright_browser: bool
    browsers: tuple[str, ...]
    browser_dirs: tuple[str, ...]
    retries: int = field(metadata=bounds(0))
    fail_on_flaky: bool
    timeout_ms: int = field(metadata=bounds(above=0))
    budget_s: float = field(metadata=bounds(above=0))
    busy_share_max: float = field(metadata=bounds(0, 1))


@dataclass(frozen=True)
class FuzzSettings:
    """`[fuzz]`: what Schemathesis sends, for how long, with which seed."""

    checks: str
    exclude_checks: tuple[str, ...]
    max_examples: int = field(metadata=bounds(1))
    max_time: int = field(metadata=bounds(0))
    timeout: int = field(metadata=bounds(above=0))
    phases: str
    workers: int = field(metadata=bounds(1))
    seed: int = field(metadata=bounds(0))
    request_timeout: float = field(metadata=bounds(above=0))
    config_file: str
    last_operations: tuple[str, ...]
    separate_identities: bool
    fail_on_flaky: bool


@dataclass(frozen=True)
class FaultsSettings:
    """`[faults]`: the backing services stopped, the reads replayed meanwhile, their time limit."""

    services: tuple[str, ...]
    operations: tuple[str, ...]
    timeout: float = field(metadata=bounds(above=0))


@dataclass(frozen=True)
class HistorySettings:
    """`[history]`: the run store (docs/history.md), its pruning, trends and flaky tests."""

    enabled: bool
    path: str
    url: str
    keep: int = field(metadata=bounds(0))
    trend_runs: int = field(metadata=bounds(2))
    main: str
    flaky: Literal["report", "gate"]
    baseline_runs: int = field(metadata=bounds(1))

    def check(self, where: str) -> None:
        if self.url and not self.url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"'{where}.url' is {self.url!r}, which is no PostgreSQL URL.",
                hint='use "postgresql://user@host/db", or "" for the SQLite file at path.',
            )


@dataclass(frozen=True)
class ObservabilitySettings:
    """`[observability]`: the documented metric names, dashboards and alert rules."""

    documented_metrics: str
    dashboards: tuple[str, ...]
    alert_rules: tuple[str, ...]


@dataclass(frozen=True)
class QueriesSettings:
    """`[queries]`: the most queries a read may run, the two data volumes and the growth that
    fails a read, how each read is sent, and what is made and left out."""

    max_per_request: int = field(metadata=bounds(0))
    seed: int = field(metadata=bounds(1))
    factor: int = field(metadata=bounds(2))
    growth: float = field(metadata=bounds(above=1))
    growth_floor: float = field(metadata=bounds(above=0))
    requests: int = field(metadata=bounds(1))
    quiet: float = field(metadata=bounds(0))
    seed_operations: tuple[str, ...]
    exclude: tuple[str, ...]
    page_size: tuple[str, ...]
    timeout: float = field(metadata=bounds(above=0))


@dataclass(frozen=True)
class ReportSettings:
    """`[report]`: the baseline, sample floors and caps, and the claims file."""

    baseline: str
    min_samples: int = field(metadata=bounds(1))
    baseline_required: bool
    max_coverage_drop: float = field(metadata=bounds(0))
    max_samples: int = field(metadata=bounds(1))
    max_markdown_bytes: int = field(metadata=bounds(1))
    claims: str


@dataclass(frozen=True)
class RoundtripSettings:
    """`[roundtrip]`: the operations left out of the round trips, and a request's time limit."""

    exclude: tuple[str, ...]
    timeout: float = field(metadata=bounds(above=0))


@dataclass(frozen=True)
class RunSettings:
    """`[run]`: how many of a profile's layers run at once (`signoff run --parallel`)."""

    parallel: int = field(metadata=bounds(1))


@dataclass(frozen=True)
class SmokeSettings:
    """`[smoke]`: the read operations called, those left out, the metrics required."""

    operations: tuple[str, ...]
    exclude: tuple[str, ...]
    metrics: tuple[str, ...]
    timeout: float = field(metadata=bounds(above=0))


@dataclass(frozen=True)
class StackSettings:
    """`[stack]`: how long components may take, and what a `url` deployment may be sent."""

    ready_timeout: float = field(metadata=bounds(above=0))
    stop_timeout: float = field(metadata=bounds(above=0))
    url_writes: bool
    url_write_operations: tuple[str, ...]
