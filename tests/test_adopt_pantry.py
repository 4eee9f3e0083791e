"""pantry (tests/targets/pantry), adopted by `signoff init` and the configuration of
docs/your-service.md §11: a nested JSON login sent as `Authorization: Token …`, reads with
optional credentials, reads whose ids come from list reads, operations that revoke or demote the
fuzzing identity, its own suite against the embedded PostgreSQL, and its poetry.lock audited."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

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
from tests.pantry import PANTRY, document

pytestmark = pytest.mark.stack

# the first line of the walkthrough's block of added configuration
MARK = "# pantry: what `signoff init` could not read from the document"
LAYERS = {"smoke", "fuzz", "audit", "kitchen", "coverage"}
REVOKING = ("PATCH /api/users/{user_id}", "DELETE /api/user/sessions", "POST /api/users/logout")


def configure(folder: Path, extra: dict[str, Any]) -> None:
    """`signoff init` from the document, the walkthrough's configuration, then `extra`."""
    added = added_configuration(MARK)
    assert configuration_lines(added) <= 30, added
    write_configuration(folder, starter(folder), tomllib.loads(added), extra)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pantry-project") / "pantry"
    shutil.copytree(PANTRY, folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
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


def test_the_pr_profile_passes_with_the_walkthroughs_configuration(project: Path) -> None:
    configure(project, {})
    done = signoff(project, "run", "--profile", "pr")
    run = (project / "reports" / "latest").resolve()
    found = records(run)
    summary = {name: (r["status"], r["reasons"][:3]) for name, r in found.items()}
    assert done.returncode == 0, f"{summary}\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    assert set(found) >= LAYERS
    assert all(found[name]["status"] == "PASS" for name in LAYERS), summary
    # logged in with the nested body (not a command), sent as `Authorization: Token …`
    auth = tomllib.loads((project / "signoff.toml").read_text(encoding="utf-8"))["target"]["auth"]
    assert (auth["kind"], auth["format"]) == ("login", "Token {token}")
    assert auth["login_json"]["user"]["email"] == "cook@example.com"
    # the suite ran against the embedded PostgreSQL of its own stack (database "signoff")
    assert found["kitchen"]["evaluated"]["tests"] >= 15
    database = suite_database(run / "kitchen" / "junit.xml")
    assert re.fullmatch(r"signoff@127\.0\.0\.1:\d+", database), database
    # every operation fuzzed, the revoking ones last, and no refusal taken for a finding
    fuzz = found["fuzz"]
    assert fuzz["evaluated"]["operations"] == fuzz["declared"]["operations"]
    assert not [c for c in fuzz["checks"] if c["status"] != "PASS"], fuzz["reasons"]
    assert not re.search(r"\b40[13]\b", json.dumps(fuzz["reasons"])), fuzz["reasons"]
    last = "".join(
        p.read_text(encoding="utf-8") for p in (run / "fuzz" / "schemathesis").glob("last*.xml")
    )
    assert all(name in last for name in REVOKING), last[:2000]
    # the audit read poetry.lock: the main group's pins, not the dev group's
    pins = (run / "audit" / "pins-from-poetry.lock.txt").read_text(encoding="utf-8")
    assert "fastapi==0.165.0" in pins
    assert "psycopg-binary==3.3.9" in pins
    assert "pytest==" not in pins
    assert "httpx==" not in pins
    locked = [line for line in pins.splitlines() if "==" in line and not line.startswith("#")]
    assert found["audit"]["evaluated"]["dependencies"] == len(locked) == 16
    # pantry's coverage, from the suite's process and the service of every layer's stack
    coverage = found["coverage"]["figures"]
    assert "pantry" in json.dumps(coverage["by_package"])
    files = coverage["data_files"]
    assert ".coverage.kitchen" in files
    assert sum(1 for name in files if name.startswith(".coverage.web")) >= 3, files


def test_a_locked_version_with_an_advisory_fails_the_audit(project: Path) -> None:
    configure(project, {})
    vulnerable_pin_fails_the_audit(project, "poetry.lock")


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
