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


def signoff(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=project,
        env={**os.environ, **ENV},
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
