"""Read-only layers of a group share one stack, started once and stopped when the group ends;
a layer that writes keeps a stack of its own. On a real embedded stack (a web process)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from signoff import config
from signoff.layers import LayerContext, Work
from signoff.layers.run import run_layer
from signoff.records import Check, Evidence, Status
from signoff.schedule import Group, Schedule, execute
from tests.test_layer_run import register

PROJECT = """\
run_dir = "reports"
[target]
ready_path = "/"
[target.processes.web]
command = ["python", "-m", "http.server", "--bind", "127.0.0.1", "{port}"]
"""


def seen_by(found: dict[str, str]) -> Work:
    """A layer's work that notes the base URL of the stack it was handed."""

    def work(ctx: LayerContext) -> Evidence:
        assert ctx.handle is not None
        found[ctx.name] = ctx.handle.base_url
        time.sleep(0.5)  # long enough for the other layers of the group to start beside it
        answer = httpx.get(ctx.handle.base_url + "/", timeout=5.0).status_code
        ok = Check("answers", Status.PASS, answer, 200, "==")
        return Evidence([ok], {"requests": 1}, {"requests": 1})

    return work


def refuses(url: str) -> bool:
    try:
        httpx.get(url + "/", timeout=2.0)
    except httpx.TransportError:
        return True
    return False


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    (tmp_path / "signoff.toml").write_text(PROJECT, encoding="utf-8")
    found: dict[str, str] = {}
    for name in ("first", "second"):
        register(monkeypatch, name, seen_by(found), stack="shared-read-only")
    register(monkeypatch, "writer", seen_by(found), stack="own")
    return tmp_path, found


def test_read_only_layers_of_a_group_share_one_stack_stopped_after_the_group(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, found = project
    cfg = config.load(root)
    run = root / "reports" / "run"
    steps = Schedule(3, (Group(("first", "second", "writer")),))
    records = execute(steps, lambda name: LayerContext(run, cfg, "pr", name=name))
    assert {r.status for r in records.values()} == {Status.PASS}
    assert found["first"] == found["second"]
    assert found["writer"] != found["first"]
    assert refuses(found["first"]), "the shared stack outlived its group"
    assert records["first"].artifacts["stack_logs"] == "shared-stack/stack-logs"
    assert (run / "shared-stack" / "stack-logs" / "web.log").is_file()
    assert "stack_logs" not in records["writer"].artifacts


def test_each_group_starts_its_own_shared_stack(project: tuple[Path, dict[str, str]]) -> None:
    root, found = project
    cfg = config.load(root)
    run = root / "reports" / "run"
    steps = Schedule(2, (Group(("first",)), Group(("second",))))
    execute(steps, lambda name: LayerContext(run, cfg, "pr", name=name))
    assert found["first"] != found["second"]
    assert refuses(found["first"])
    assert refuses(found["second"])


def test_a_layer_run_on_its_own_starts_its_own_stack(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, found = project
    record = run_layer(LayerContext(root / "run", config.load(root), "pr", name="first"))
    assert record.status is Status.PASS
    assert refuses(found["first"])
    assert (root / "run" / "first" / "stack-logs" / "web.log").is_file()


def test_a_secret_in_the_shared_logs_fails_the_layer_and_is_redacted_after_the_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "shared-stack-secret-0123456789"
    text = PROJECT + f'[target.env]\nWEB_SECRET_KEY = "{secret}"\n'
    (tmp_path / "signoff.toml").write_text(text, encoding="utf-8")

    def leaky(ctx: LayerContext) -> Evidence:
        assert ctx.handle is not None
        answer = httpx.get(f"{ctx.handle.base_url}/?q={secret}", timeout=5.0).status_code
        ok = Check("answers", Status.PASS, answer, 404, "==")
        return Evidence([ok], {"requests": 1}, {"requests": 1})

    register(monkeypatch, "leaky", leaky, stack="shared-read-only")
    run = tmp_path / "reports" / "run"
    cfg = config.load(tmp_path)
    records = execute(
        Schedule(2, (Group(("leaky",)),)), lambda name: LayerContext(run, cfg, "pr", name=name)
    )
    record = records["leaky"]
    assert record.status is Status.FAIL
    (leak,) = [c for c in record.checks if c.name == "secrets not leaked"]
    assert "shared-stack/stack-logs/web.log" in leak.message
    log = (run / "shared-stack" / "stack-logs" / "web.log").read_text(encoding="utf-8")
    assert secret not in log
    assert "[redacted:" in log
