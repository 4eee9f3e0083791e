"""The shelf target (tests/targets/shelf) on an embedded PostgreSQL, as the probe layers'
tests use it: its project, one layer run on it with bugs planted through SHELF_BUGS, and the
names of the checks that failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

SHELF = ROOT / "tests" / "targets" / "shelf"
SETTINGS = f"""
[target]
cwd = "{SHELF}"
services = ["postgres"]
ready_path = "/healthz"
public_operations = ["GET /healthz", "GET /openapi.json"]
env = {{ SHELF_DSN = "{{postgres_url}}" }}
processes.web.command = ["python", "-m", "shelf", "serve", "--port", "{{port}}"]
auth.kind = "command"
auth.command = ["python", "-m", "shelf", "token", "{{name}}"]
"""


def project_in(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of its own whose project targets the shelf service."""
    folder = tmp_path_factory.mktemp(name)
    (folder / "signoff.toml").write_text(SETTINGS, encoding="utf-8")
    return folder


def run_on_shelf(project: Path, layer: str, bugs: str = "") -> LayerRecord:
    cfg = config.load(project)
    env = {"SHELF_BUGS": bugs} if bugs else {}
    run_dir = project / "reports" / f"{layer}-{bugs or 'none'}"
    return run_layer(LayerContext(run_dir, cfg, "pr", name=layer, service_env=env))


def failed(record: LayerRecord) -> list[str]:
    return [c.name for c in record.checks if c.status is Status.FAIL]
