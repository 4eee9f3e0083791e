"""Setup before readiness: `target.setup_before_ready` (a migration) runs once the embedded
PostgreSQL is up and before the service starts, so a readiness route that needs the migrated
schema answers; the same migration as a plain `setup` step (after readiness) never gets there.
The migration finds the database through its placeholders by parts, as a template app does.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from signoff.errors import StackStartError
from signoff.stack.local import LocalProvider
from signoff.target import Process, Target

pytestmark = pytest.mark.stack

# Ready only once the migration made its table.
SERVICE = """\
import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
import psycopg

class Ready(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=2) as conn:
                conn.execute("SELECT version FROM schema_version").fetchone()
            code = 200
        except psycopg.Error:
            code = 503
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Ready).serve_forever()
"""

MIGRATE = """\
import os
import psycopg

parts = {name: os.environ["POSTGRES_" + name.upper()] for name in ("host", "port", "user",
         "password", "dbname")}
with psycopg.connect(**parts) as conn:
    conn.execute("CREATE TABLE schema_version (version int)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
print("migrated", parts["dbname"])
"""

ENV = {
    "DATABASE_URL": "{postgres_url}",
    "POSTGRES_HOST": "{postgres_host}",
    "POSTGRES_PORT": "{postgres_port}",
    "POSTGRES_USER": "{postgres_user}",
    "POSTGRES_PASSWORD": "{postgres_password}",
    "POSTGRES_DBNAME": "{postgres_db}",
}


def _target(
    project: Path, before: list[list[str]] | None = None, after: list[list[str]] | None = None
) -> Target:
    (project / "service.py").write_text(SERVICE, encoding="utf-8")
    (project / "migrate.py").write_text(MIGRATE, encoding="utf-8")
    return Target(
        services=["postgres"],
        env=ENV,
        processes={"web": Process(["python", "service.py", "{port}"])},
        ready_path="/ready",
        setup_before_ready=before or [],
        setup=after or [],
    )


def test_a_migration_before_readiness_lets_the_service_become_ready(tmp_path: Path) -> None:
    target = _target(tmp_path, before=[["python", "migrate.py"]])
    provider = LocalProvider(target, tmp_path, tmp_path / "logs", ready_timeout=20)

    with provider as handle:
        assert httpx.get(f"{handle.base_url}/ready", timeout=5).status_code == 200

    log = (tmp_path / "logs" / "setup.log").read_text(encoding="utf-8")
    assert "migrate.py" in log
    assert "migrated signoff" in log


def test_the_same_migration_after_readiness_never_gets_there(tmp_path: Path) -> None:
    target = _target(tmp_path, after=[["python", "migrate.py"]])
    provider = LocalProvider(target, tmp_path, tmp_path / "logs", ready_timeout=3)

    with pytest.raises(StackStartError, match=r"did not become ready \(.*/ready answers 200\)"):
        provider.start()
    provider.stop()
    assert not (tmp_path / "logs" / "setup.log").exists()


def test_a_failed_migration_stops_the_start_and_names_its_log(tmp_path: Path) -> None:
    target = _target(tmp_path, before=[["python", "-c", "raise SystemExit(3)"]])
    provider = LocalProvider(target, tmp_path, tmp_path / "logs", ready_timeout=20)

    with pytest.raises(StackStartError, match=r"failed \(code 3\); read .*setup\.log"):
        provider.start()
    assert "web" not in provider.procs  # the service never started
    assert "postgres" in provider.procs  # the migration ran against a live database
    provider.stop()
