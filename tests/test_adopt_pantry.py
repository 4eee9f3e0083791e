"""pantry (tests/targets/pantry), adopted by `signoff init` and a few lines of configuration:
a nested JSON login sent as `Authorization: Token …`, reads with optional credentials, reads
whose ids come from list reads, and operations that revoke or demote the fuzzing identity."""

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
from tests.pantry import EMAIL, PANTRY, PASSWORD, document

pytestmark = pytest.mark.stack

# What a user adds to the starter: how to start the service. The login comes from init.
SETTINGS: dict[str, Any] = {
    "target": {
        "env": {"PANTRY_PASSWORD": PASSWORD},
        "processes": {"web": {"command": ["python", "-m", "pantry", "{port}"]}},
    },
}
ENV = {"SIGNOFF_USERNAME": EMAIL, "SIGNOFF_PASSWORD": PASSWORD}


def signoff(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=project,
        env={**os.environ, **ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def configure(folder: Path, extra: dict[str, Any]) -> None:
    """`signoff init` from the document, then the user's settings laid over the starter."""
    done = signoff(folder, "init", "openapi.json", "--force")
    assert done.returncode == 0, done.stderr
    starter = tomllib.loads((folder / "signoff.toml").read_text(encoding="utf-8"))
    values = deep_merge(deep_merge(starter, SETTINGS), extra)
    text = dumps(values).replace("[tool.signoff]", "", 1).replace("tool.signoff.", "")
    (folder / "signoff.toml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pantry-project")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PANTRY / "pantry", folder / "pantry", ignore=ignore)
    shutil.copy(PANTRY / "register.py", folder)
    (folder / "openapi.json").write_text(json.dumps(document()), encoding="utf-8")
    configure(folder, {})
    return folder


def record(project: Path, layer: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        (project / "reports" / "latest" / layer / "record.json").read_text(encoding="utf-8")
    )
    return found


def test_smoke_fills_path_parameters_from_list_reads(project: Path) -> None:
    done = signoff(project, "layer", "smoke")
    found = record(project, "smoke")
    assert done.returncode == 0, f"{found['reasons']}\n{done.stderr[-2000:]}"
    names = {c["name"]: c["status"] for c in found["checks"]}
    assert names["ready: GET /api/health-check/"] == "PASS"
    assert names["GET /api/items/{item_id}: answers"] == "PASS"
    assert names["GET /api/items/{item_id}: refuses no credential"] == "PASS"
    assert names["GET /api/recipes/{slug}: answers"] == "PASS"
    # optional credentials: the starter made these public, so nothing expects a refusal
    assert "GET /api/recipes: refuses no credential" not in names
    assert "GET /api/recipes/{slug}: refuses no credential" not in names
    figures = found["figures"]
    assert {"GET /api/items/7", "GET /api/recipes/pancakes"} <= set(figures["operations"])
    assert figures["excluded"] == [
        "GET /api/shelves/{shelf_code}: no list read of this run answered a value for {shelf_code}"
    ]


# Each identity a new account, by name: making two with one name fails (the email is taken).
REGISTER = {
    "kind": "command",
    "command": ["python", "register.py", "{base_url}", "{name}"],
    "format": "Token {token}",
}
BUGS = {"PANTRY_BUGS": "logout,sessions"}  # both revoke the caller's sessions, then answer 500


def failing_cases(folder: Path) -> dict[str, str]:
    """case id -> operation of every failure the fuzz layer kept."""
    failures = json.loads((folder / "failures.json").read_text(encoding="utf-8"))
    return {cid: f["operation"] for f in failures for cid in f["case_ids"]}


def test_each_revoking_operation_fuzzed_and_replayed_with_an_identity_of_its_own(
    project: Path,
) -> None:
    fuzz = {"max_examples": 10, "separate_identities": True}
    configure(project, {"target": {"auth": REGISTER}, "fuzz": fuzz})
    done = signoff(project, "layer", "fuzz", env=BUGS)
    found = record(project, "fuzz")
    folder = project / "reports" / "latest" / "fuzz"
    assert found["status"] == "FAIL", done.stderr[-2000:]
    passes = [c.split("--report-junit-path=")[1].split()[0] for c in found["figures"]["commands"]]
    assert [Path(p).name for p in passes] == [
        "main-junit.xml",
        "last-1-junit.xml",
        "last-2-junit.xml",
        "last-3-junit.xml",
    ]
    cases = failing_cases(folder)
    # found only when no earlier revoking operation took the pass's credential away
    assert {"DELETE /api/user/sessions", "POST /api/users/logout"} <= set(cases.values())
    replayed = json.loads((folder / "replay.json").read_text(encoding="utf-8"))["findings"]
    verdicts = {item["case_id"]: item["verdict"] for item in replayed}
    assert set(verdicts) == set(cases)
    revoking = [cid for cid, op in cases.items() if op.endswith(("/sessions", "/logout"))]
    assert {verdicts[cid] for cid in revoking} == {"REPRODUCED"}, replayed
    markdown = (folder / "failures.md").read_text(encoding="utf-8")
    for cid, verdict in verdicts.items():
        assert f"- replay of test case {cid}: {verdict}" in markdown


def test_replay_evidence_is_written_when_nothing_failed(project: Path) -> None:
    fuzz = {"max_examples": 5, "checks": "not_a_server_error", "phases": "examples,fuzzing"}
    configure(project, {"fuzz": fuzz})
    assert tomllib.loads((project / "signoff.toml").read_text(encoding="utf-8"))["fuzz"][
        "last_operations"
    ]
    done = signoff(project, "layer", "fuzz")
    found = record(project, "fuzz")
    assert done.returncode == 0, (found["reasons"], done.stderr[-2000:])
    folder = project / "reports" / "latest" / "fuzz"
    replay = json.loads((folder / "replay.json").read_text(encoding="utf-8"))
    assert replay == {"findings": []}
    assert "replay.json" in found["artifacts"]
