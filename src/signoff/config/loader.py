"""The effective configuration: defaults, then the project's file, then the command line, each
section read into its dataclass and checked before any command starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from signoff.config import schema
from signoff.config.files import Table, defaults, find_config_file, merge
from signoff.config.load_settings import LoadSettings
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
from signoff.config.stages import check_tables
from signoff.declared import LayerSpec, Profile
from signoff.errors import ConfigError
from signoff.target import Target, check_python

Provider = Literal["auto", "local", "containers", "url"]

# Each top-level key or section and the type it is read into; `profiles` and `layers` are open
# maps of the user's names.
KINDS: dict[str, Any] = {
    "run_dir": str,
    "provider": Provider,
    "base_url": str,
    "profile": str,
    "target": Target,
    "profiles": dict[str, Profile],
    "layers": dict[str, LayerSpec],
    "audit": AuditSettings,
    "authz": AuthzSettings,
    "bench": BenchSettings,
    "compare": CompareSettings,
    "coverage": CoverageSettings,
    "e2e": E2eSettings,
    "faults": FaultsSettings,
    "fuzz": FuzzSettings,
    "history": HistorySettings,
    "load": LoadSettings,
    "observability": ObservabilitySettings,
    "queries": QueriesSettings,
    "report": ReportSettings,
    "roundtrip": RoundtripSettings,
    "run": RunSettings,
    "smoke": SmokeSettings,
    "stack": StackSettings,
}


# what cannot differ per profile: the profiles themselves, and the layers whose needs plan a run
PER_RUN = ("profile", "profiles", "layers", "run_dir")


@dataclass(frozen=True)
class Config:
    """The effective configuration, one typed attribute per section, and where it came from."""

    values: Table = field(repr=False)  # the merged TOML, for `signoff config` to print
    source: Path | None
    root: Path
    # where run directories go (relative to `root`); the stack provider; the deployment's URL
    # for `--stack url`; the sign-off profile a run uses when none is named
    run_dir: str
    provider: Provider
    base_url: str
    profile: str
    target: Target
    profiles: dict[str, Profile]
    layers: dict[str, LayerSpec]
    audit: AuditSettings
    authz: AuthzSettings
    bench: BenchSettings
    compare: CompareSettings
    coverage: CoverageSettings
    e2e: E2eSettings
    faults: FaultsSettings
    fuzz: FuzzSettings
    history: HistorySettings
    load: LoadSettings
    observability: ObservabilitySettings
    queries: QueriesSettings
    report: ReportSettings
    roundtrip: RoundtripSettings
    run: RunSettings
    smoke: SmokeSettings
    stack: StackSettings

    @property
    def run_root(self) -> Path:
        """The folder that holds the run directories."""
        return (self.root / self.run_dir).resolve()


def load(start: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Defaults, then the project's config file, then `overrides` (from the command line)."""
    start = (start or Path.cwd()).resolve()
    values = defaults()
    found = find_config_file(start)
    source: Path | None = None
    root = start
    if found is not None:
        source, table = found
        root = source.parent
        values = merge(values, table, source)
    if overrides:
        values = merge(values, overrides, Path("<command line>"))
    return _typed(values, source, root)


def _typed(values: Table, source: Path | None, root: Path) -> Config:
    """Every section of the merged `values` read into its type and checked."""
    try:
        typed = {
            name: schema.parse(kind, values.get(name, {}), name) for name, kind in KINDS.items()
        }
        _check_files(typed["report"], root)
        check_python(root, typed["target"].python)
        check_tables(typed["load"].profiles, list(typed["profiles"]))
        for name, profile in typed["profiles"].items():
            merged = _with_settings(values, name, profile.settings, source)
            for section in profile.settings:
                schema.parse(KINDS[section], merged[section], f"profiles.{name}.settings.{section}")
    except ConfigError as exc:
        raise ConfigError(
            f"{source or 'the defaults'}: {exc.message}",
            hint=exc.hint or "run `signoff config --defaults` to see every setting.",
        ) from None
    return Config(values=values, source=source, root=root, **typed)


def for_profile(cfg: Config, name: str) -> Config:
    """The configuration a run of profile `name` uses: its `settings` laid over the rest."""
    profile = cfg.profiles.get(name)
    if profile is None or not profile.settings:
        return cfg
    values = _with_settings(cfg.values, name, profile.settings, cfg.source)
    return _typed(values, cfg.source, cfg.root)


def _with_settings(values: Table, name: str, settings: Table, source: Path | None) -> Table:
    """`values` with a profile's settings laid over them, each section and key checked."""
    for section in settings:
        if section not in KINDS or section in PER_RUN:
            raise ConfigError(
                f"'profiles.{name}.settings.{section}' names no section a profile can change.",
                hint="name a section such as fuzz, smoke, coverage or load.",
            )
    where = Path(f"{source or 'the defaults'} [profiles.{name}.settings]")
    return merge(values, settings, where) if settings else values


def _check_files(report: ReportSettings, root: Path) -> None:
    """Files the configuration points at must exist."""
    if report.claims and not (root / report.claims).is_file():
        raise ConfigError(
            f"'report.claims' names {report.claims!r}, and there is no such file under {root}.",
            hint='write the claims file, or set claims = "" to verify no claims.',
        )


def effective(cfg: Config, defaults_only: bool = False) -> Table:
    """The configuration to print: typed sections in full, with every default filled in."""
    if defaults_only:
        cfg = _typed(defaults(), None, Path.cwd())
    values = dict(cfg.values)
    values["target"] = schema.to_table(cfg.target)
    values["profiles"] = schema.to_table(cfg.profiles)
    values["layers"] = schema.to_table(cfg.layers)
    return values
