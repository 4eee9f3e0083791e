"""Settings read once from the environment; production refuses insecure defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["KNOWN_FAULTS", "ConfigError", "Settings"]

# ui_* faults break only the web pages (ledger.web), to prove the browser journeys catch it;
# stale_after_* faults each skip one path that must refresh a cached read, to prove the api
# suite's cache contract catches it. slow_job_list answers one endpoint a millisecond later, to
# prove `signoff compare` finds it and nothing else (nox -s judge-stack).
KNOWN_FAULTS = frozenset(
    {
        "no_cache_invalidation",
        "stale_after_worker",
        "stale_after_delete",
        "stale_after_revoke",
        "stale_after_expiry",
        "error_on_bad_field",
        "stall",
        "slow_job_list",
        "ui_missing_label",
        "ui_report_off_by_one",
    }
)

_DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ledger"
_DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ConfigError(Exception):
    """The environment describes a configuration the service must not run with."""


def _float(env: dict[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}.")
    return value


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}.")
    return value


@dataclass(frozen=True)
class Settings:
    """Effective configuration; build it with `Settings.from_env()`."""

    __test__ = False

    database_url: str = _DEFAULT_DATABASE_URL
    redis_url: str = _DEFAULT_REDIS_URL
    env: str = "local"
    metrics_dir: str | None = None
    run_lease_s: float = 10.0
    worker_poll_s: float = 0.2
    webhook_max_attempts: int = 8
    webhook_backoff_s: float = 0.5
    webhook_backoff_cap_s: float = 5.0
    db_pool_max: int = 10
    cache_ttl_s: float = 300.0
    faults: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        mode = env.get("LEDGER_ENV", "local") or "local"
        if mode not in ("local", "production"):
            raise ConfigError(f"LEDGER_ENV={mode!r} is not one of local, production.")
        faults = frozenset(f.strip() for f in env.get("LEDGER_FAULTS", "").split(",") if f.strip())
        unknown = faults - KNOWN_FAULTS
        if unknown:
            raise ConfigError(
                f"LEDGER_FAULTS names unknown faults {sorted(unknown)}; "
                f"known: {sorted(KNOWN_FAULTS)}."
            )
        settings = cls(
            database_url=env.get("LEDGER_DATABASE_URL") or _DEFAULT_DATABASE_URL,
            redis_url=env.get("LEDGER_REDIS_URL") or _DEFAULT_REDIS_URL,
            env=mode,
            metrics_dir=env.get("LEDGER_METRICS_DIR") or None,
            run_lease_s=_float(env, "LEDGER_RUN_LEASE_S", 10.0, minimum=0.5),
            worker_poll_s=_float(env, "LEDGER_WORKER_POLL_S", 0.2, minimum=0.01),
            webhook_max_attempts=_int(env, "LEDGER_WEBHOOK_MAX_ATTEMPTS", 8),
            webhook_backoff_s=_float(env, "LEDGER_WEBHOOK_BACKOFF_S", 0.5),
            db_pool_max=_int(env, "LEDGER_DB_POOL_MAX", 10),
            cache_ttl_s=_float(env, "LEDGER_CACHE_TTL_S", 300.0, minimum=0.1),
            faults=faults,
        )
        if mode == "production":
            settings.check_production(env)
        return settings

    def check_production(self, env: dict[str, str]) -> None:
        """Refuse the defaults that are only acceptable on a developer's loopback."""
        problems: list[str] = []
        if not env.get("LEDGER_DATABASE_URL"):
            problems.append("LEDGER_DATABASE_URL is not set")
        elif not urlsplit(self.database_url).password:
            problems.append("LEDGER_DATABASE_URL has no password")
        if not env.get("LEDGER_REDIS_URL"):
            problems.append("LEDGER_REDIS_URL is not set")
        if self.faults:
            problems.append("LEDGER_FAULTS is set")
        if problems:
            raise ConfigError(
                "Refusing to start with LEDGER_ENV=production: "
                + "; ".join(problems)
                + ". Tip: set explicit credentials, or use LEDGER_ENV=local on a laptop."
            )

    def has_fault(self, name: str) -> bool:
        return name in self.faults
