"""`[profiles.<name>.settings]`: sections that differ in the runs of one profile (a shorter
fuzz on pull requests), checked at load like any setting, and applied by `signoff run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff import config
from signoff.errors import ConfigError
from tests.test_schedule import run, write_project

QUICK = """
[profiles.quick]
layers = ["smoke"]
settings.fuzz = { max_examples = 7, workers = 2 }
settings.coverage = { line = 55.0 }
"""


def write(root: Path, text: str) -> Path:
    (root / "signoff.toml").write_text(text, encoding="utf-8")
    return root


def test_a_profiles_settings_apply_to_its_runs_only(tmp_path: Path) -> None:
    cfg = config.load(write(tmp_path, QUICK))
    quick = config.for_profile(cfg, "quick")
    assert (quick.fuzz.max_examples, quick.fuzz.workers, quick.coverage.line) == (7, 2, 55.0)
    assert quick.fuzz.seed == cfg.fuzz.seed  # what the profile leaves alone stays
    assert (cfg.fuzz.max_examples, cfg.coverage.line) == (50, 70.0)
    assert config.for_profile(cfg, "pr") is cfg


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("settings.fuzz = { max_example = 7 }", "unknown setting 'fuzz.max_example'"),
        ('settings.fuzz = { max_examples = "many" }', "fuzz.max_examples"),
        ("settings.fuzz = { max_examples = 0 }", "fuzz.max_examples"),
        ('settings.profiles = { pr = { layers = ["smoke"] } }', "'profiles.quick.settings"),
        ("settings.nothing = { a = 1 }", "'profiles.quick.settings.nothing'"),
    ],
)
def test_a_bad_profile_setting_is_refused_at_load(tmp_path: Path, setting: str, said: str) -> None:
    text = f'[profiles.quick]\nlayers = ["smoke"]\n{setting}\n'
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert said in caught.value.message


def test_signoff_run_uses_the_profiles_settings(tmp_path: Path) -> None:
    root = write_project(tmp_path, ["a", "b"], seconds=0.2)
    text = (root / "signoff.toml").read_text(encoding="utf-8")
    text = text.replace('run_dir = "reports"', 'run_dir = "reports"\n[run]\nparallel = 2')
    text += '[profiles.serial]\nlayers = ["a", "b"]\nrequired = ["a", "b"]\n'
    text += "settings.run = { parallel = 1 }\n"
    (root / "signoff.toml").write_text(text, encoding="utf-8")
    folder, _ = run(root)
    assert json.loads((folder / "run.json").read_text())["schedule"]["parallel"] == 2
    folder, _ = run(root, "--profile", "serial")
    assert json.loads((folder / "run.json").read_text())["schedule"]["parallel"] == 1
