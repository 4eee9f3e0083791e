"""A FastAPI service in the shape of the full-stack template's backend, adopted by `signoff init`
and at most 30 lines of configuration, as docs/your-service.md walks through it.

The tasks service (tests/targets/tasks) logs in with an OAuth2 password form, keeps a superuser
that fuzzing could demote, needs its migrations before its readiness route answers, locks its
dependencies in uv.lock and has its own pytest suite that reads POSTGRES_*. The configuration
added to the starter file is the one the walkthrough shows, read from that page, so the two
cannot drift apart.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.adoption import (
    added_configuration,
    configuration_lines,
    records,
    signoff,
    starter,
    suite_database,
    vulnerable_pin_fails_the_audit,
    write_configuration,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

TASKS = ROOT / "tests" / "targets" / "tasks"
# the first line of the walkthrough's block of added configuration
MARK = "# tasks: what `signoff init` could not read from the document"
LAYERS = {"smoke", "fuzz", "audit", "backend", "coverage"}
DEMOTING = ("PATCH /api/v1/users/{user_id}", "DELETE /api/v1/users/{user_id}")
# what a user runs to get the document without starting the service
DOCUMENT = (
    "import json, tasks.main as m, tasks.core.config as c; "
    "print(json.dumps(m.create_app(c.Settings.load()).openapi()))"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tasks service in a folder of its own: `signoff init`, then the added configuration."""
    folder = tmp_path_factory.mktemp("tasks-project") / "tasks"
    shutil.copytree(TASKS, folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    document = subprocess.run(
        [sys.executable, "-c", DOCUMENT], cwd=folder, capture_output=True, text=True, check=True
    )
    (folder / "openapi.json").write_text(document.stdout, encoding="utf-8")
    found = starter(folder)
    # read from the document's OAuth2 password flow
    assert found["target"]["auth"]["kind"] == "login"
    assert found["target"]["auth"]["login_url"] == "/api/v1/login/access-token"
    added = added_configuration(MARK)
    assert configuration_lines(added) <= 30, added
    write_configuration(folder, found, tomllib.loads(added))
    return folder


def test_the_pr_profile_passes_with_the_walkthroughs_configuration(project: Path) -> None:
    done = signoff(project, "run", "--profile", "pr")
    run = (project / "reports" / "latest").resolve()
    found = records(run)
    summary = {name: (r["status"], r["reasons"][:3]) for name, r in found.items()}
    assert done.returncode == 0, f"{summary}\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    assert set(found) >= LAYERS
    assert all(found[name]["status"] == "PASS" for name in LAYERS), summary
    # the service's own suite ran against the embedded PostgreSQL (database "signoff")
    assert found["backend"]["evaluated"]["tests"] >= 15
    database = suite_database(run / "backend" / "junit.xml")
    assert re.fullmatch(r"signoff@127\.0\.0\.1:\d+", database), database
    assert not database.endswith(":5432")
    # the self-demoting operations were fuzzed, in the last pass, and nothing failed
    fuzz = found["fuzz"]
    assert fuzz["evaluated"]["operations"] == fuzz["declared"]["operations"]
    assert not [c for c in fuzz["checks"] if c["status"] != "PASS"], fuzz["reasons"]
    assert not re.search(r"\b40[13]\b", json.dumps(fuzz["reasons"])), fuzz["reasons"]
    last = (run / "fuzz" / "schemathesis" / "last-junit.xml").read_text(encoding="utf-8")
    assert all(name in last for name in DEMOTING), last[:2000]
    # the audit read uv.lock: the main dependencies' pins, not the dev group's
    pins = (run / "audit" / "pins-from-uv.lock.txt").read_text(encoding="utf-8")
    assert "fastapi==0.165.0" in pins
    assert "psycopg-binary==3.3.9" in pins
    assert "pytest==" not in pins
    locked = [line for line in pins.splitlines() if "==" in line and not line.startswith("#")]
    assert found["audit"]["evaluated"]["dependencies"] == len(locked) == 17
    coverage = found["coverage"]["figures"]
    assert coverage["line_percent"] >= 70.0
    assert "tasks" in json.dumps(coverage["by_package"])
    # the suite's process (the app in-process) and the service the fuzz layer ran
    assert ".coverage.backend" in coverage["data_files"]
    assert any(name.startswith(".coverage.web") for name in coverage["data_files"])


def test_a_planted_500_on_a_negative_limit_fails_the_fuzz_gate(project: Path) -> None:
    done = signoff(project, "layer", "fuzz", env={"TASKS_BUGS": "negative_limit"})
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    run = (project / "reports" / "latest").resolve()
    assert records(run)["fuzz"]["status"] == "FAIL"
    assert signoff(project, "report").returncode in (0, 1)
    report = (run / "report.md").read_text(encoding="utf-8")
    # a list route (the bug is in the paging every list shares; the seed decides which list
    # Schemathesis reaches first), and the kind of failure: the server's error, not a refusal
    lists = ("GET /api/v1/items/: ST101 Server error", "GET /api/v1/users/: ST101 Server error")
    assert any(found in report for found in lists), report[:3000]


def test_a_locked_version_with_an_advisory_fails_the_audit(project: Path) -> None:
    vulnerable_pin_fails_the_audit(project, "uv.lock")
