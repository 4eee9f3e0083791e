"""The service's own interpreter (`[target] python`): a virtual environment without signoff runs
the notebook service and a plain pytest suite of its own, against a stack the layer asked for,
with its placeholders (the embedded PostgreSQL by its parts) and the service's coverage measured
there by a coverage.py that signoff lends it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.config import dumps
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

NOTEBOOK = ROOT / "tests" / "targets" / "notebook"
# pytest and what it imports, at the versions of signoff's own environment (the local index)
PYTEST = ["pytest==9.2.0", "iniconfig==2.3.1", "packaging==26.4", "pluggy==1.7.0"]
PYTEST += ["pygments==2.21.0"]

# The service starts through this file, which says which Python it runs under.
SERVE = """\
import json, os, runpy, sys
from pathlib import Path
where = {"executable": sys.executable, "prefix": sys.prefix}
Path(os.environ["WHERE_FILE"]).write_text(json.dumps(where))
sys.argv = ["notebook", *sys.argv[1:]]
runpy.run_module("notebook", run_name="__main__")
"""

# The user's own suite: plain pytest, no signoff; what it needs comes through its env.
SUITE = """\
import importlib.util, os, sys, urllib.request
import psycopg

def test_the_service_answers_at_the_placeholder_url():
    with urllib.request.urlopen(os.environ["SERVICE_URL"] + "/healthz") as answer:
        assert answer.status == 200

def test_the_embedded_database_by_its_parts():
    parts = dict(
        host=os.environ["POSTGRES_SERVER"], port=int(os.environ["POSTGRES_PORT"]),
        user=os.environ["POSTGRES_USER"], password=os.environ["POSTGRES_PASSWORD"],
        dbname=os.environ["POSTGRES_DB"],
    )
    with psycopg.connect(**parts) as conn:
        row = conn.execute("SELECT current_database(), current_user").fetchone()
        assert row == (parts["dbname"], parts["user"])
        # the service made its tables in this very database
        assert conn.execute("SELECT to_regclass('notes')").fetchone()[0] is not None
    assert os.environ["POSTGRES_URL"].endswith("/" + parts["dbname"])

def test_it_runs_under_the_service_interpreter_without_signoff():
    assert sys.executable == os.environ["SERVICE_PYTHON"]
    assert importlib.util.find_spec("signoff") is None
"""


# The same service's suite with signoff's fixtures, under signoff's interpreter.
PLUGIN_SUITE = """\
import os
import psycopg

def test_the_fixture_and_the_env_reach_one_stack(stack, api_client):
    assert stack.base_url == os.environ["SERVICE_URL"]
    assert api_client.get("/healthz").status_code == 200
    with psycopg.connect(os.environ["POSTGRES_URL"]) as conn:
        assert conn.execute("SELECT to_regclass('notes')").fetchone()[0] is not None
"""


def _venv(folder: Path, *packages: str) -> Path:
    """A virtual environment of the base interpreter (never signoff's) with `packages`."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    if packages:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", *packages],
            check=True,
            capture_output=True,
            timeout=300,
        )
    found = subprocess.run([str(python), "-c", "import signoff"], capture_output=True, check=False)
    assert found.returncode != 0, "the service's environment must not have signoff"
    return python


def _settings(python: str, layer: dict[str, Any]) -> dict[str, Any]:
    return {
        "target": {
            "python": python,
            "services": ["postgres"],
            "ready_path": "/healthz",
            "openapi": "/api/openapi.json",
            "coverage_packages": ["notebook"],
            "env": {
                "NOTEBOOK_DSN": "{postgres_url}",
                "NOTEBOOK_ADMIN_PASSWORD": "a password",
                "WHERE_FILE": "{root}/where.json",
            },
            "processes": {"web": {"command": ["python", "serve.py", "serve", "--port", "{port}"]}},
        },
        "layers": {"own": layer},
        "coverage": {"line": 10.0, "branch": 0.0},
        "profiles": {"p": {"layers": ["own", "coverage"], "required": ["own", "coverage"]}},
    }


def _project(folder: Path, python: str, layer: dict[str, Any], suite: str = SUITE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(NOTEBOOK / "notebook", folder / "notebook", dirs_exist_ok=True)
    (folder / "serve.py").write_text(SERVE, encoding="utf-8")
    (folder / "suite").mkdir(exist_ok=True)
    (folder / "suite" / "test_own.py").write_text(suite, encoding="utf-8")
    text = dumps(_settings(python, layer)).replace("[tool.signoff]", "", 1)
    (folder / "signoff.toml").write_text(text.replace("tool.signoff.", ""), encoding="utf-8")
    return folder


def _signoff(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SIGNOFF_RUN_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _record(run: Path, layer: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((run / layer / "record.json").read_text(encoding="utf-8"))
    return found


OWN_LAYER = {
    "kind": "pytest",
    "paths": ["suite"],
    "stack": "own",
    "env": {
        "SERVICE_URL": "{base_url}",
        "SERVICE_PYTHON": "{python}",
        "POSTGRES_SERVER": "{postgres_host}",
        "POSTGRES_PORT": "{postgres_port}",
        "POSTGRES_USER": "{postgres_user}",
        "POSTGRES_PASSWORD": "{postgres_password}",
        "POSTGRES_DB": "{postgres_db}",
        "POSTGRES_URL": "{postgres_url}",
    },
}


def test_the_service_and_its_suite_run_in_its_own_environment(tmp_path: Path) -> None:
    project = tmp_path / "project"
    requirements = [str(NOTEBOOK / "requirements.txt")]
    _venv(project / "venv", "-r", *requirements, *PYTEST)  # no coverage.py, no signoff
    _project(project, "venv", OWN_LAYER)

    done = _signoff(project, "run", "--profile", "p")

    run = (project / "reports" / "latest").resolve()
    own, cover = _record(run, "own"), _record(run, "coverage")
    assert own["status"] == "PASS", (own, done.stdout[-3000:], done.stderr[-3000:])
    assert own["figures"]["passed"] == 3
    where = json.loads((project / "where.json").read_text(encoding="utf-8"))
    assert where["executable"] == str(project / "venv" / "bin" / "python")
    assert Path(where["prefix"]).resolve() == (project / "venv").resolve()
    # the service's coverage came back from that environment, through signoff's coverage.py
    assert (run / "coverage" / "coverage-bootstrap" / "coverage").is_symlink()
    assert list((run / "coverage").glob(".coverage.web*")), sorted(os.listdir(run / "coverage"))
    assert cover["status"] == "PASS", cover
    assert "notebook" in json.dumps(cover["figures"]["by_package"])
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_suite_with_signoffs_fixtures_shares_the_stack_it_asked_for(tmp_path: Path) -> None:
    layer = {**OWN_LAYER, "env": {"SERVICE_URL": "{base_url}", "POSTGRES_URL": "{postgres_url}"}}
    project = _project(tmp_path / "project", "", layer, PLUGIN_SUITE)

    done = _signoff(project, "run", "--profile", "p")

    run = (project / "reports" / "latest").resolve()
    own, cover = _record(run, "own"), _record(run, "coverage")
    assert own["status"] == "PASS", (own, done.stdout[-3000:])
    assert own["figures"]["passed"] == 1
    assert list((run / "own" / "stack-logs").glob("web.log"))  # the harness started it
    assert cover["status"] == "PASS", cover  # the service measured by the harness's stack


def test_an_environment_without_pytest_is_one_sentence_and_a_tip(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(project / "bare")],
        check=True,
        timeout=120,
    )
    _project(project, "bare", {"kind": "pytest", "paths": ["suite"], "coverage": "none"})

    done = _signoff(project, "layer", "--run", str(tmp_path / "run"), "own")

    record = _record(tmp_path / "run", "own")
    assert done.returncode != 0
    assert record["status"] == "INCONCLUSIVE"
    reason = record["reasons"][0]
    assert "bare/bin/python cannot import pytest" in reason, reason
    assert "Tip: install it there:" in reason


def test_a_python_that_is_not_there_is_a_config_error(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "no-venv", {"kind": "pytest", "paths": ["suite"]})

    done = _signoff(project, "config")

    assert done.returncode != 0
    assert "'target.python' is 'no-venv', and there is no interpreter there" in done.stderr
    assert "Tip: give a Python interpreter or a virtual environment's folder" in done.stderr


def test_a_python_that_is_no_interpreter_is_a_config_error(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "notes.txt", {"kind": "pytest", "paths": ["suite"]})
    (project / "notes.txt").write_text("not a program\n", encoding="utf-8")

    done = _signoff(project, "layer", "--run", str(tmp_path / "run"), "own")

    reason = _record(tmp_path / "run", "own")["reasons"][0]
    assert done.returncode != 0
    assert "'target.python' is 'notes.txt', which does not run as a Python interpreter" in reason


def test_a_layer_without_a_stack_cannot_name_its_placeholders(tmp_path: Path) -> None:
    layer = {"kind": "pytest", "paths": ["suite"], "env": {"DSN": "{postgres_url}"}}
    project = _project(tmp_path / "project", "", layer)

    done = _signoff(project, "layer", "--run", str(tmp_path / "run"), "own")

    reason = _record(tmp_path / "run", "own")["reasons"][0]
    assert done.returncode != 0
    assert "names {postgres_url}, which is not known here" in reason, reason
    assert 'Tip: set stack = "own" in [layers.own]' in reason


def test_an_environment_that_cannot_take_the_lent_coverage_says_so(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "isolated", OWN_LAYER)
    # an interpreter without site-packages (-S) that ignores PYTHONPATH (-I): it has no
    # coverage.py, and signoff's cannot be lent to it
    script = project / "isolated"
    base = Path(sys.base_prefix) / "bin" / "python3"
    script.write_text(f'#!/bin/sh\nexec {base} -S -I "$@"\n', encoding="utf-8")
    script.chmod(0o755)

    done = _signoff(project, "layer", "--run", str(tmp_path / "run"), "own")

    reason = _record(tmp_path / "run", "own")["reasons"][0]
    assert done.returncode != 0
    assert "isolated has no coverage.py, and signoff's own (coverage" in reason, reason
    assert "Tip: install it there:" in reason
    assert "pip install coverage" in reason


def test_only_a_pytest_layer_asks_for_a_stack_of_its_own(tmp_path: Path) -> None:
    layer = {"kind": "command", "command": ["true"], "stack": "own"}
    project = _project(tmp_path / "project", "", layer)

    done = _signoff(project, "config")

    assert done.returncode != 0
    assert '\'layers.own.stack\' is "own", which only a layer of kind "pytest"' in done.stderr
    assert "Tip: drop it" in done.stderr
