"""The embedded services described as placeholders: what a command gets for `{postgres_host}`,
`{postgres_user}`, `{postgres_password}`, `{postgres_db}`, `{redis_host}` and `{redis_port}`
reaches the real PostgreSQL and Redis of the stack, and `signoff config` lists them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from signoff.stack.local import LocalProvider, redis_pings
from signoff.target import PLACEHOLDERS, Process, Target

pytestmark = pytest.mark.stack

NAMES = ["postgres_host", "postgres_port", "postgres_user", "postgres_password", "postgres_db"]
NAMES += ["redis_host", "redis_port", "redis_url"]
# a setup step that writes down what its environment got (no braces: they are placeholders)
DUMP = "import json, os; print(json.dumps(dict(i for i in os.environ.items() if i[0].islower())))"


def test_a_command_reaches_both_services_by_their_parts(tmp_path: Path) -> None:
    target = Target(
        services=["postgres", "redis"],
        env={name: "{" + name + "}" for name in NAMES},
        processes={"web": Process(["python", "-m", "http.server", "{port}", "-b", "127.0.0.1"])},
        setup=[["python", "-c", DUMP]],
    )
    with LocalProvider(target, tmp_path, tmp_path / "logs", ready_timeout=20) as handle:
        log = (tmp_path / "logs" / "setup.log").read_text(encoding="utf-8")
        got = json.loads(log.splitlines()[-1])
        assert set(got) >= set(NAMES)
        parts = {k.removeprefix("postgres_"): v for k, v in got.items() if "postgres" in k}
        assert (parts["host"], parts["user"], parts["db"]) == ("127.0.0.1", "postgres", "signoff")
        assert parts["password"] == "signoff"
        with psycopg.connect(
            host=parts["host"],
            port=int(parts["port"]),
            user=parts["user"],
            password=parts["password"],
            dbname=parts["db"],
        ) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("signoff",)
        assert handle.services["postgres"].endswith(f":{parts['port']}/signoff")
        assert got["redis_host"] == "127.0.0.1"
        assert got["redis_url"] == handle.services["redis"]
        assert redis_pings(int(got["redis_port"]))


def test_signoff_config_lists_every_placeholder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "signoff", "config", "--defaults"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    listed = [line for line in done.stdout.splitlines() if line.startswith("# {")]
    assert [line.split("}")[0].removeprefix("# {") for line in listed] == list(PLACEHOLDERS)
    assert "# {postgres_password}: signoff (the server trusts loopback" in done.stdout
