"""The judge's settings from `[tool.signoff.compare]` (and the per-run sample floor of `report`)."""

from __future__ import annotations

from signoff.config import Config
from signoff.judge.stats import Settings


def settings(config: Config) -> Settings:
    """The judge of `config`; its figures and ranges were checked when the configuration loaded."""
    section = config.compare
    return Settings(
        min_effect=section.min_effect,
        alpha=section.alpha,
        power=section.power,
        min_samples=config.report.min_samples,
        min_runs=max(section.min_runs, 2),
        assumed_noise=section.assumed_noise,
        multiplicity=section.multiplicity,
        spending=section.spending,
        pool=section.pool,
        latency_figures=section.latency_figures,
        run_level=section.run_level,
        by_phase=section.by_phase,
    )
