"""Configuration: built-in defaults merged with `[tool.signoff]` (pyproject.toml) or signoff.toml.

Defaults live in `defaults/*.toml`, one file per section, so every threshold has a value a user
can see with `signoff config`. `load()` reads them with the project's file into a `Config`: one
frozen dataclass per section, every value typed and checked before a command starts.
"""

from __future__ import annotations

from signoff.config.files import Table, deep_merge, defaults, find_config_file
from signoff.config.load_settings import LoadBench, LoadLeak, LoadMix, LoadOpen, LoadSettings
from signoff.config.loader import Config, Provider, effective, for_profile, load
from signoff.config.operations import MixOperation
from signoff.config.render import dumps
from signoff.config.schema import from_table, to_table
from signoff.config.sections import (
    AuditSettings,
    AuthzSettings,
    BenchSettings,
    CompareSettings,
    CoverageSettings,
    E2eSettings,
    FaultsSettings,
    FuzzSettings,
    HistorySettings,
    ObservabilitySettings,
    QueriesSettings,
    ReportSettings,
    RoundtripSettings,
    RunSettings,
    SmokeSettings,
    StackSettings,
)
from signoff.config.stages import Budget, LoadProfile, Recovery, Stage, StageRow

__all__ = [
    "AuditSettings",
    "AuthzSettings",
    "BenchSettings",
    "Budget",
    "CompareSettings",
    "Config",
    "CoverageSettings",
    "E2eSettings",
    "FaultsSettings",
    "FuzzSettings",
    "HistorySettings",
    "LoadBench",
    "LoadLeak",
    "LoadMix",
    "LoadOpen",
    "LoadProfile",
    "LoadSettings",
    "MixOperation",
    "ObservabilitySettings",
    "Provider",
    "QueriesSettings",
    "Recovery",
    "ReportSettings",
    "RoundtripSettings",
    "RunSettings",
    "SmokeSettings",
    "StackSettings",
    "Stage",
    "StageRow",
    "Table",
    "deep_merge",
    "defaults",
    "dumps",
    "effective",
    "find_config_file",
    "for_profile",
    "from_table",
    "load",
    "to_table",
]
