"""Which stage table a load profile plays for a sign-off profile: its own when the load profile
has one named after it, else the `pr` table, and the record says which."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.config.stages import DEFAULT_TABLE
from signoff.errors import ConfigError
from signoff.layers.load import evidence
from signoff.load import plan as plan_mod

NIGHTLY = '[tool.signoff.profiles.nightly]\nlayers = ["load"]\nrequired = ["load"]\n'
SPIKE_NIGHTLY = """
[tool.signoff.load.profiles.spike]
nightly = [
    { phase = "baseline", duration_s = 5.0, users = 4 },
    { phase = "spike", duration_s = 5.0, users = 16 },
    { phase = "recovery", duration_s = 5.0, users = 4 },
]
"""


def load(tmp_path: Path, text: str) -> config.Config:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return config.load(tmp_path)


def test_a_profile_without_its_own_table_plays_pr_and_says_so(tmp_path: Path) -> None:
    cfg = load(tmp_path, NIGHTLY)
    plan = plan_mod.build(cfg.load, "spike", "nightly")
    assert DEFAULT_TABLE == "pr"
    assert plan.stage_table == "pr"
    assert plan.stages == cfg.load.profiles["spike"].stages("spike", "pr")
    assert plan.stages_note() == "stages 'pr' (profile 'nightly' has none of its own)"


def test_a_table_named_after_the_profile_is_played(tmp_path: Path) -> None:
    cfg = load(tmp_path, NIGHTLY + SPIKE_NIGHTLY)
    plan = plan_mod.build(cfg.load, "spike", "nightly")
    assert plan.stage_table == "nightly"
    assert [s.users for s in plan.stages] == [4, 16, 4]
    assert plan.stages_note() == "stages 'nightly' (the profile's own)"
    assert plan_mod.build(cfg.load, "spike", "release").stage_table == "release"


def test_a_table_for_a_profile_that_does_not_exist_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        NIGHTLY + SPIKE_NIGHTLY.replace("nightly = [", "nighty = ["), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path)
    assert caught.value.message.endswith(
        "'load.profiles.spike.nighty' is a stage table for the sign-off profile 'nighty', "
        "which does not exist (did you mean 'nightly'?)."
    )
    assert "[tool.signoff.profiles.nighty]" in str(caught.value.hint)


def test_the_record_names_the_table_each_profile_played(tmp_path: Path) -> None:
    cfg = load(tmp_path, NIGHTLY + SPIKE_NIGHTLY)
    plans = [plan_mod.build(cfg.load, name, "nightly") for name in ("smoke", "spike")]
    found = evidence(tmp_path, tmp_path, plans, [], cfg.load, {})
    assert found.figures["stages"] == {
        "smoke": "stages 'pr' (profile 'nightly' has none of its own)",
        "spike": "stages 'nightly' (the profile's own)",
    }
    assert found.summary.endswith(
        "failed; smoke: stages 'pr' (profile 'nightly' has none of its own)"
    )
    own = evidence(tmp_path, tmp_path, plans[1:], [], cfg.load, {})
    assert own.summary.endswith("failed")
