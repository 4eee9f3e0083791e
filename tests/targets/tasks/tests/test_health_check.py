"""The readiness route, and where the suite's database is."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tasks.core.config import Settings
from tasks.core.db import connect


def test_health_check_is_true_once_migrated(client: TestClient) -> None:
    answer = client.get("/api/v1/utils/health-check/")
    assert answer.status_code == 200
    assert answer.json() is True


def test_the_suite_uses_the_database_its_environment_names(
    settings: Settings, record_testsuite_property: Callable[[str, object], None]
) -> None:
    with connect(settings) as conn:
        row = conn.execute("SELECT current_database() AS db, inet_server_port() AS port").fetchone()
    assert row is not None
    assert (row["db"], row["port"]) == (settings.postgres_db, settings.postgres_port)
    record_testsuite_property("postgres", f"{row['db']}@{settings.postgres_server}:{row['port']}")
