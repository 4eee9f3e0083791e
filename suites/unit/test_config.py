from __future__ import annotations

import pytest

from ledger.core.config import ConfigError, Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.env, s.run_lease_s, s.worker_poll_s) == ("local", 10.0, 0.2)
    assert (s.webhook_max_attempts, s.webhook_backoff_s, s.db_pool_max) == (8, 0.5, 10)
    assert s.faults == frozenset()


def test_values_and_faults_are_read() -> None:
    s = Settings.from_env(
        {"LEDGER_RUN_LEASE_S": "2.5", "LEDGER_FAULTS": "stall, no_cache_invalidation"}
    )
    assert s.run_lease_s == 2.5
    assert s.has_fault("stall")
    assert s.has_fault("no_cache_invalidation")
    assert not s.has_fault("error_on_bad_field")


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"LEDGER_FAULTS": "explode"}, "unknown faults"),
        ({"LEDGER_DB_POOL_MAX": "ten"}, "not an integer"),
        ({"LEDGER_DB_POOL_MAX": "0"}, "at least"),
        ({"LEDGER_WORKER_POLL_S": "soon"}, "not a number"),
        ({"LEDGER_ENV": "staging"}, "not one of"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)


SECURE = {
    "LEDGER_ENV": "production",
    "LEDGER_DATABASE_URL": "postgresql://ledger:s3cret@db:5432/ledger",
    "LEDGER_REDIS_URL": "redis://cache:6379/0",
}


def test_production_with_explicit_credentials_starts() -> None:
    assert Settings.from_env(SECURE).env == "production"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"LEDGER_DATABASE_URL": ""}, "LEDGER_DATABASE_URL is not set"),
        ({"LEDGER_DATABASE_URL": "postgresql://postgres@db/ledger"}, "no password"),
        ({"LEDGER_REDIS_URL": ""}, "LEDGER_REDIS_URL is not set"),
        ({"LEDGER_FAULTS": "stall"}, "LEDGER_FAULTS"),
    ],
)
def test_production_refuses_insecure_defaults(change: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env({**SECURE, **change})
