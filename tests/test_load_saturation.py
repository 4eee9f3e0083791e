"""A load generator saturated on purpose: many users without think time against a target that
answers faster than one Locust process can send. The phase is INCONCLUSIVE and names the
generator; the record carries its CPU per request. A light run on the same target is judged,
also with Locust's web UI on."""

from __future__ import annotations

import threading
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status

pytestmark = pytest.mark.stack


def _flood(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    mode: str,
    users: int,
    ui: bool = False,
) -> LayerRecord:
    stage = {"phase": "flood", "duration_s": 6.0, "users": users, "spawn_rate": float(users)}
    load = {
        "locustfile": "",
        "abort_on_fail": False,
        "mix": {"operations": [{"name": "GET /ping"}], "think_s": [0.2, 0.4]},
        "profiles": {
            "flood": {"mode": mode, "pr": [stage], "budgets": {"flood": {"p99_ms": 0.05}}}
        },
    }
    cfg = config.load(overrides={"load": load})
    monkeypatch.setenv(cfg.target.auth.token_env, "unused")
    args = ["flood", "--ui"] if ui else ["flood"]
    return run_layer(LayerContext(tmp_path, cfg, "pr", args, "url", url, "load"))


def test_a_saturated_generator_makes_the_phase_inconclusive_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    record = _flood(tmp_path, monkeypatch, static_url, "peak", 40)
    assert record.status is Status.INCONCLUSIVE, record.reasons
    phase = record.figures["profiles"]["flood"]["phases"]["flood"]
    local = phase["generators"]["local"]
    assert local["cpu_core"] > 0.9
    assert local["cpu_ms_per_request"] > 0
    reasons = " ".join(record.reasons)
    assert "the load generator 'local' used" in reasons
    # the 0.05 ms p99 budget broke, but under a saturated generator that is no FAIL
    assert not [c for c in record.checks if c.status is Status.FAIL]
    p99 = next(c for c in record.checks if c.name.endswith("all endpoints: p99"))
    assert p99.status is Status.INCONCLUSIVE
    assert "saturated" in p99.message


def test_a_light_load_on_the_same_target_is_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    record = _flood(tmp_path, monkeypatch, static_url, "closed", 10)
    # the generator is far from busy: the 0.05 ms p99 budget is judged, and fails plainly
    generator = next(c for c in record.checks if "load generator CPU" in c.name)
    assert generator.status is Status.PASS
    assert isinstance(generator.figure, float)
    assert generator.figure < 0.5
    assert record.status is Status.FAIL


def test_the_web_ui_serves_on_loopback_during_a_run_with_the_same_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    pages: list[int] = []

    def visit() -> None:
        address = tmp_path / "load" / "flood" / "web-ui.url"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not pages:
            with suppress(OSError):
                url = address.read_text(encoding="utf-8").strip()
                with urllib.request.urlopen(url, timeout=2) as page:
                    if b"Locust" in page.read():
                        pages.append(page.status)
            time.sleep(0.2)

    visitor = threading.Thread(target=visit, daemon=True)
    visitor.start()
    record = _flood(tmp_path, monkeypatch, static_url, "closed", 10, ui=True)
    visitor.join(timeout=5)
    assert pages == [200]
    assert record.status is Status.FAIL  # the 0.05 ms p99 budget, judged as without the UI
    phase = record.figures["profiles"]["flood"]["phases"]["flood"]
    assert phase["endpoints"]["all"]["count"] > 20
    assert phase["generators"]["local"]["cpu_core"] < 0.5
