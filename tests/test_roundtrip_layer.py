"""The roundtrip layer on a real service (tests/targets/shelf on an embedded PostgreSQL): it
passes on the service as it is, and each bug put in on purpose — an amount narrowed to 2
places, a note cut below its maxLength, a documented label refused — fails naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

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
PRICES = "POST /api/prices field"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shelf-roundtrip")
    (folder / "signoff.toml").write_text(SETTINGS, encoding="utf-8")
    return folder


def run(project: Path, bugs: str = "") -> LayerRecord:
    cfg = config.load(project)
    env = {"SHELF_BUGS": bugs} if bugs else {}
    run_dir = project / "reports" / f"roundtrip-{bugs or 'none'}"
    return run_layer(LayerContext(run_dir, cfg, "pr", name="roundtrip", service_env=env))


def failed(record: LayerRecord) -> list[str]:
    return [c.name for c in record.checks if c.status is Status.FAIL]


def test_roundtrip_passes_when_every_documented_value_comes_back(project: Path) -> None:
    record = run(project)
    assert record.status is Status.PASS, record.reasons
    names = [c.name for c in record.checks]
    for name in ("label", "amount", "quantity", "due", "at", "note"):
        assert f"{PRICES} '{name}': read back as written" in names, names
    # every edge of the amount went through: 3 places, the smallest step, 12 whole digits
    assert record.figures["fields"]["POST /api/prices amount"] >= 6
    assert record.figures["fields"]["POST /api/items title"] >= 5


@pytest.mark.parametrize(
    ("bug", "field", "written", "read"),
    [
        ("narrow", "amount", '"1.123"', '"1.12"'),
        ("truncate", "note", f'"{"x" * 200}"', f'"{"x" * 100}"'),
    ],
)
def test_a_value_that_comes_back_different_fails_naming_the_field(
    project: Path, bug: str, field: str, written: str, read: str
) -> None:
    record = run(project, bug)
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [f"{PRICES} '{field}': read back as written"], record.reasons
    (reason,) = record.reasons
    assert f"POST /api/prices field '{field}' came back different" in reason
    assert f"wrote {written}" in reason
    assert f"read {read}" in reason
    assert "GET /api/prices/" in reason  # the object read again, not only the write's answer


def test_a_documented_value_the_service_refuses_fails_as_a_refusal(project: Path) -> None:
    record = run(project, "asciionly")
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [f"{PRICES} 'label': documented values accepted"], record.reasons
    (reason,) = record.reasons
    assert "documented value refused" in reason
    assert '"Zoë Ångström' in reason
    assert "answered 422" in reason
