"""The judge's settings from `[tool.signoff.compare]` (and the per-run sample floor of `report`)."""

from __future__ import annotations

from signoff.compare.stats import FIGURES, Settings
from signoff.config import Config
from signoff.errors import ConfigError


def settings(config: Config) -> Settings:
    section = config.section("compare")
    figures = tuple(str(f) for f in section["latency_figures"])
    unknown = [f for f in figures if f not in FIGURES]
    if unknown or not figures:
        raise ConfigError(
            f"compare.latency_figures names {unknown[0]!r}, which is no figure."
            if unknown
            else "compare.latency_figures is empty.",
            hint=f"choose from {', '.join(FIGURES)}.",
        )
    if not 0 < float(section["min_effect"]) < 1 or not 0 < float(section["alpha"]) < 1:
        raise ConfigError(
            "compare.min_effect and compare.alpha must lie between 0 and 1.",
            hint="e.g. min_effect = 0.10, alpha = 0.05.",
        )
    return Settings(
        min_effect=float(section["min_effect"]),
        alpha=float(section["alpha"]),
        power=float(section["power"]),
        min_samples=int(config.section("report")["min_samples"]),
        min_runs=max(int(section["min_runs"]), 2),
        assumed_noise=float(section["assumed_noise"]),
        familywise=bool(section["familywise"]),
        latency_figures=figures,
        run_level=bool(section["run_level"]),
        by_phase=bool(section["by_phase"]),
    )
