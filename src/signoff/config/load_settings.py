"""`[load]`: how the load layer generates traffic, what it sends, and its named profiles.

`profiles` and `suites` are open maps of the user's names; `suites` may only name profiles
that exist, so a typo fails at load, not when the layer reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signoff.config.operations import MixOperation, check_values, parse_name
from signoff.config.schema import bounds
from signoff.config.stages import DEFAULT_TABLE, LoadProfile
from signoff.errors import ConfigError


@dataclass(frozen=True)
class LoadMix:
    """`[load.mix]`: the built-in users' operations (none: the OpenAPI document's reads) and
    the think time of a user between two of them (seconds, uniform in [low, high])."""

    operations: tuple[MixOperation, ...]
    think_s: tuple[float, float]

    def check(self, where: str) -> None:
        check_values(self.operations, f"{where}.operations")
        low, high = self.think_s
        if low < 0 or low > high:
            raise ConfigError(
                f"{where}.think_s must be [low, high] seconds, not {list(self.think_s)!r}."
            )


@dataclass(frozen=True)
class LoadOpen:
    """`[load.open]`: the open model's concurrency cap, how late a request may start, and the
    operations it sends (none: the mix's)."""

    max_in_flight: int = field(metadata=bounds(1))
    max_lag_s: float = field(metadata=bounds(above=0))
    requests: tuple[str, ...]

    def check(self, where: str) -> None:
        for index, name in enumerate(self.requests):
            parse_name(name, f"{where}.requests[{index}]")


@dataclass(frozen=True)
class LoadBench:
    """`[load.bench]`: the operation `signoff bench` measures ("": the mix's first), and the
    request and service environment that make the service stall for bench stall."""

    endpoint: str
    stall_request: str
    stall_env: tuple[str, ...]

    def check(self, where: str) -> None:
        if self.endpoint:
            parse_name(self.endpoint, f"{where}.endpoint")
        for pair in self.stall_env:
            name, sep, _ = pair.partition("=")
            if not sep or not name:
                raise ConfigError(f"{where}.stall_env entries are NAME=value, not {pair!r}.")

    def environment(self) -> dict[str, str]:
        """`stall_env` as a mapping."""
        return {name: value for name, _, value in (p.partition("=") for p in self.stall_env)}


@dataclass(frozen=True)
class LoadLeak:
    """`[load.leak]`: a soak run flags a leak suspect when the service's memory grows at least
    this fast, this steadily (r² of the fit)."""

    min_mb_per_min: float = field(metadata=bounds(above=0))
    min_r2: float = field(metadata=bounds(0, 1))


@dataclass(frozen=True)
class LoadSettings:
    """`[load]`: see the comments of `signoff config --defaults` for each setting."""

    suites: dict[str, tuple[str, ...]]
    workers: int = field(metadata=bounds(0))
    remote_workers: int = field(metadata=bounds(0))
    master_bind: str
    master_port: int = field(metadata=bounds(0, 65535))
    generator_cpu_max: float = field(metadata=bounds(above=0))
    abort_on_fail: bool
    abort_factor: float = field(metadata=bounds(above=0))
    abort_min_requests: int = field(metadata=bounds(0))
    scrape_interval_s: float = field(metadata=bounds(above=0))
    min_samples: int = field(metadata=bounds(0))
    samples_cap: int = field(metadata=bounds(0))
    locustfile: str
    grace_s: float = field(metadata=bounds(0))
    confidence: float = field(metadata=bounds(above=0, below=1))
    run_margin: float = field(metadata=bounds(0))
    repeats: int = field(metadata=bounds(0, 10))
    busy_share_max: float = field(metadata=bounds(0, 1))
    mix: LoadMix
    open: LoadOpen
    bench: LoadBench
    leak: LoadLeak
    profiles: dict[str, LoadProfile]

    def suite_for(self, signoff_profile: str) -> tuple[tuple[str, ...], str]:
        """The load profiles a run of `signoff_profile` plays by default, and a line that says
        which `[load.suites]` entry named them: its own, else the `pr` entry (as the stage
        tables), said so rather than silently."""
        key = signoff_profile if signoff_profile in self.suites else DEFAULT_TABLE
        names = self.suites.get(key, ())
        listed = ", ".join(names) or "none"
        if key == signoff_profile:
            return names, f"load profiles {listed}: [load.suites] {key} (the profile's own)"
        return names, (
            f"load profiles {listed}: [load.suites] {key} (profile '{signoff_profile}' has no "
            f"entry of its own; add [load.suites] {signoff_profile} = [...] to choose)"
        )

    def check(self, where: str) -> None:
        for suite, names in self.suites.items():
            unknown = [name for name in names if name not in self.profiles]
            if unknown:
                raise ConfigError(
                    f"'{where}.suites.{suite}' names the load profile {unknown[0]!r}, which is "
                    f"not defined (known: {', '.join(self.profiles)}).",
                    hint=f"add [tool.signoff.{where}.profiles.{unknown[0]}] or remove the name.",
                )
