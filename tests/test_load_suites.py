"""Which load profiles a sign-off profile plays: its own `[load.suites]` entry, else the `pr`
entry, and a user-named profile without one says so on the console and in the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer

pytestmark = pytest.mark.stack

NIGHTLY = {"nightly": {"layers": ["load"], "required": ["load"]}}


def _settings(suites: dict[str, list[str]]) -> config.Config:
    stage = {"phase": "steady", "duration_s": 3.0, "users": 2, "spawn_rate": 2.0}
    tiny = {"mode": "closed", "pr": [stage], "budgets": {"steady": {"error_rate": 0.5}}}
    load = {
        "locustfile": "",
        "repeats": 0,
        "suites": suites,
        "mix": {"operations": [{"name": "GET /ping"}], "think_s": [0.2, 0.4]},
        "profiles": {"tiny": tiny},
    }
    return config.load(overrides={"load": load, "profiles": NIGHTLY})


def test_a_profile_with_its_own_entry_plays_it() -> None:
    cfg = _settings({"pr": ["tiny"], "nightly": ["tiny", "smoke"]})
    names, note = cfg.load.suite_for("nightly")
    assert names == ("tiny", "smoke")
    assert note == "load profiles tiny, smoke: [load.suites] nightly (the profile's own)"


def test_a_user_named_profile_without_an_entry_says_which_it_played(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    static_url: str,
) -> None:
    cfg = _settings({"pr": ["tiny"]})
    monkeypatch.setenv(cfg.target.auth.token_env, "unused")
    record = run_layer(LayerContext(tmp_path, cfg, "nightly", [], "url", static_url, "load"))
    said = (
        "load profiles tiny: [load.suites] pr (profile 'nightly' has no entry of its own; "
        "add [load.suites] nightly = [...] to choose)"
    )
    assert record.figures["suite"] == said
    assert said in capfd.readouterr().err
    assert list(record.figures["profiles"]) == ["tiny"]
    assert record.figures["stages"] == {
        "tiny": "stages 'pr' (profile 'nightly' has none of its own)"
    }
