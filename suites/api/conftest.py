"""The api suite's stack runs with a short cache TTL, so the expiry path is seen within a test."""

from __future__ import annotations

import pytest

from signoff.pytest_plugin import service_env

TTL_VAR = "LEDGER_CACHE_TTL_S"
# Long enough that a worker's run fits well inside it (a change slower than the TTL proves
# nothing), short enough to wait out twice in the suite.
API_CACHE_TTL_S = 4.0


def pytest_configure(config: pytest.Config) -> None:
    pairs: list[str] = config.option.signoff_service_env
    if TTL_VAR not in service_env(pairs):
        pairs.append(f"{TTL_VAR}={API_CACHE_TTL_S:g}")


@pytest.fixture(scope="session")
def cache_ttl_s(pytestconfig: pytest.Config) -> float:
    """The TTL the embedded service was started with (an explicit --signoff-service-env wins)."""
    return float(service_env(pytestconfig.option.signoff_service_env)[TTL_VAR])
