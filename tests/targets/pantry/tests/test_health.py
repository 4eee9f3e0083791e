"""The readiness route, and where the suite's database is."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from pantry import store


def test_health_check_answers_ok(client: TestClient) -> None:
    answer = client.get("/api/health-check/")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_suite_uses_the_database_its_environment_names(
    dsn: str, record_testsuite_property: Callable[[str, object], None]
) -> None:
    with store.connect(dsn) as conn:
        row = conn.execute("SELECT current_database() AS db, inet_server_port() AS port").fetchone()
        host = conn.info.host
    assert row is not None
    assert row["db"] in dsn
    assert str(row["port"]) in dsn
    record_testsuite_property("postgres", f"{row['db']}@{host}:{row['port']}")
