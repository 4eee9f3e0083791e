"""A service that is not the ledger, adopted as a new user would: `signoff init`, then config.

The notebook service (tests/targets/notebook) shares nothing with the reference stack: its own
app, a login that hands out bearer tokens, its own tables and metric names, no Redis. It is
copied to a fresh folder, configured through `signoff init` and `signoff.toml` alone, and its pr
profile (smoke, fuzz, audit, load, its own pytest suite, coverage of its process) must pass;
a bug put in on purpose must fail the gate that guards it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from signoff.config import deep_merge, dumps
from tests.conftest import ADVISORIES, ROOT

pytestmark = pytest.mark.stack

NOTEBOOK = ROOT / "tests" / "targets" / "notebook"
PASSWORD = "correct horse battery staple"

# What a user adds to the starter file: how to start the service, how to log in, where its
# source and requirements are, its own suite as a layer, and budgets that fit a short run.
SETTINGS: dict[str, Any] = {
    "target": {
        "services": ["postgres"],
        "ready_path": "/healthz",
        "metrics_path": "/internal/metrics",
        "coverage_packages": ["notebook"],
        "source_paths": ["notebook"],
        "requirements": "requirements.txt",
        "metrics": {"requests": "notebook_http_requests_total"},
        "env": {
            "NOTEBOOK_DSN": "{postgres_url}",
            "NOTEBOOK_ADMIN_USER": "admin",
            "NOTEBOOK_ADMIN_PASSWORD": PASSWORD,
        },
        "processes": {
            "web": {"command": ["python", "-m", "notebook", "serve", "--port", "{port}"]}
        },
        "auth": {
            "kind": "login",
            "login_url": "/api/auth/login",
            "login_form": {"username": "admin", "password": "{NOTEBOOK_ADMIN_PASSWORD}"},
        },
    },
    "layers": {"notes": {"kind": "pytest", "paths": ["suite"]}},
    "profiles": {
        "pr": {
            "layers": ["smoke", "audit", "fuzz", "notes", "load", "coverage"],
            "required": ["smoke", "audit", "fuzz", "notes", "load", "coverage"],
        }
    },
    "audit": {"advisory_db": str(ADVISORIES)},
    "fuzz": {"max_time": 20, "max_examples": 10},
    "coverage": {"line": 60.0, "branch": 40.0},
    "load": {
        "suites": {"pr": ["quick"]},
        # several hundred requests in 8 s: enough to show a 1 % error rate met on its interval
        "mix": {"think_s": [0.05, 0.1]},
        "profiles": {
            "quick": {
                "mode": "closed",
                "pr": [{"phase": "steady", "duration_s": 8.0, "users": 10, "spawn_rate": 10.0}],
                "budgets": {
                    "steady": {"p95_ms": 1000.0, "error_rate": 0.01, "min_rps": 1.0},
                },
            }
        },
    },
}


def signoff(project: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=project,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebook service in a folder of its own, configured as a user would."""
    folder = tmp_path_factory.mktemp("notebook-project")
    for part in ("notebook", "suite", "requirements.txt"):
        source = NOTEBOOK / part
        if source.is_dir():
            shutil.copytree(source, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, folder / part)
    document = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, notebook.app as a; "
            "s = a.Settings.from_env({'NOTEBOOK_DSN': 'x', 'NOTEBOOK_ADMIN_PASSWORD': 'x'}); "
            "print(json.dumps(a.create_app(s).openapi()))",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (folder / "openapi.json").write_text(document, encoding="utf-8")
    done = signoff(folder, "init", "openapi.json")
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout
    starter = tomllib.loads((folder / "signoff.toml").read_text(encoding="utf-8"))
    assert starter["target"]["auth"]["kind"] == "token"  # HTTPBearer in the document
    values = deep_merge(starter, SETTINGS)
    values["target"]["openapi"] = "/api/openapi.json"  # served by the running service
    text = dumps(values).replace("[tool.signoff]", "", 1).replace("tool.signoff.", "")
    (folder / "signoff.toml").write_text(text, encoding="utf-8")
    return folder


def records(run: Path) -> dict[str, dict[str, Any]]:
    return {
        p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in run.glob("*/record.json")
    }


def test_the_pr_profile_passes_on_a_service_configured_from_scratch(project: Path) -> None:
    done = signoff(project, "run", "--profile", "pr")
    run = (project / "reports" / "latest").resolve()
    found = records(run)
    summary = {name: (r["status"], r["reasons"][:2]) for name, r in found.items()}
    assert done.returncode == 0, f"{summary}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert set(found) >= {"smoke", "audit", "fuzz", "notes", "load", "coverage"}
    assert all(r["status"] == "PASS" for r in found.values()), summary
    assert found["fuzz"]["evaluated"]["operations"] == found["fuzz"]["declared"]["operations"]
    assert found["notes"]["evaluated"]["tests"] >= 10
    assert found["coverage"]["figures"]["line_percent"] >= 60.0
    assert "notebook" in json.dumps(found["coverage"]["figures"]["by_package"])
    assert "PASS" in (run / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("bug", "layer", "check"),
    [
        ("crash", "smoke", "GET /api/stats: answers"),
        ("open", "smoke", "GET /api/notes: refuses no credential"),
    ],
)
def test_a_planted_bug_fails_the_gate_that_guards_it(
    project: Path, bug: str, layer: str, check: str
) -> None:
    done = signoff(project, "layer", layer, env={"NOTEBOOK_BUGS": bug})
    assert done.returncode == 1, done.stderr
    record = records((project / "reports" / "latest").resolve())[layer]
    assert record["status"] == "FAIL"
    failed = [c["name"] for c in record["checks"] if c["status"] == "FAIL"]
    assert failed == [check], record["reasons"]


def test_an_open_route_also_fails_the_audit(project: Path) -> None:
    done = signoff(project, "layer", "audit", env={"NOTEBOOK_BUGS": "open"})
    assert done.returncode == 1, done.stderr
    record = records((project / "reports" / "latest").resolve())["audit"]
    assert record["status"] == "FAIL"
    assert any("GET /api/notes" in reason for reason in record["reasons"]), record["reasons"]
