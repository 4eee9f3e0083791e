"""An undecided phase played again: a p95 budget that a few dozen requests cannot bound (the
interval's upper end lies past the largest request) is decided once the phase has been played
again and judged on all its requests; with `repeats = 0` it stays INCONCLUSIVE."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status

pytestmark = pytest.mark.stack


def _few(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    repeats: int,
    budget: dict[str, float] | None = None,
    before: dict[str, float] | None = None,
) -> LayerRecord:
    """The profile "few" (`budget`, default a p95 of 500 ms), after a profile "first" with the
    budget `before` when one is given."""
    profiles = {"few": _profile("few", budget or {"p95_ms": 500})}
    if before is not None:
        profiles = {"first": _profile("first", before), **profiles}
    load = {
        "locustfile": "",
        "repeats": repeats,
        "mix": {"operations": [{"name": "GET /ping"}], "think_s": [0.2, 0.4]},
        "profiles": profiles,
    }
    cfg = config.load(overrides={"load": load})
    monkeypatch.setenv(cfg.target.auth.token_env, "unused")
    return run_layer(LayerContext(tmp_path, cfg, "pr", list(profiles), "url", url, "load"))


def _profile(phase: str, budget: dict[str, float]) -> dict[str, object]:
    # 4 users for 4 s at 0.2-0.4 s think: about 55 requests a play, fewer than a p95 needs
    stage = {"phase": phase, "duration_s": 4.0, "users": 4, "spawn_rate": 4.0}
    return {"mode": "closed", "pr": [stage], "budgets": {phase: budget}}


def _p95(record: LayerRecord) -> list[str]:
    return [f"{c.status.value} {c.message}" for c in record.checks if c.name.endswith(": p95")]


def test_an_undecided_phase_is_played_again_until_its_budget_is_decided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    record = _few(tmp_path, monkeypatch, static_url, repeats=4)
    assert record.status is Status.PASS, record.reasons
    played = record.figures["profiles"]["few"]["repeats"]["few"]
    assert played["plays"] >= 2, played  # the first play alone could not bound its p95
    assert played["requests"] > played["added_requests"] > 0
    again = tmp_path / "load" / "few" / "repeat-few-1"
    assert (again / "phases-summary.json").is_file()
    assert all(s.startswith("PASS") for s in _p95(record)), _p95(record)


def test_without_repeats_the_undecided_budget_is_inconclusive_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    record = _few(tmp_path, monkeypatch, static_url, repeats=0)
    assert record.status is Status.INCONCLUSIVE, record.reasons
    assert record.figures["profiles"]["few"]["repeats"] == {}
    assert any("would decide it" in s for s in _p95(record)), _p95(record)
    assert not (tmp_path / "load" / "few" / "repeat-few-1").exists()


def test_a_failed_budget_is_not_played_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    # the p50 budget cannot be met, so the undecided p95 beside it cannot change the verdict
    budget = {"p50_ms": 0.001, "p95_ms": 500}
    record = _few(tmp_path, monkeypatch, static_url, repeats=4, budget=budget)
    assert record.status is Status.FAIL, record.reasons
    assert record.figures["profiles"]["few"]["repeats"] == {}
    assert not (tmp_path / "load" / "few" / "repeat-few-1").exists()


def test_after_a_failed_profile_a_later_one_is_not_played_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, static_url: str
) -> None:
    record = _few(tmp_path, monkeypatch, static_url, repeats=4, before={"p50_ms": 0.001})
    assert record.status is Status.FAIL, record.reasons
    assert record.figures["profiles"]["few"]["repeats"] == {}
    assert any("would decide it" in s for s in _p95(record)), _p95(record)
    assert not (tmp_path / "load" / "few" / "repeat-few-1").exists()
