"""Configuration: defaults, overrides and the errors a typo gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import config
from signoff.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_have_every_section() -> None:
    values = config.defaults()
    assert values["coverage"]["line"] == 70.0
    assert values["stack"]["ready_timeout"] > 0
    assert "pr" in values["profiles"]


def test_project_values_override_defaults(tmp_path: Path) -> None:
    root = write(tmp_path, "[tool.signoff.coverage]\nline = 91\n")
    cfg = config.load(root)
    assert cfg.coverage.line == 91
    assert cfg.coverage.branch == config.defaults()["coverage"]["branch"]
    assert cfg.source == root / "pyproject.toml"


def test_signoff_toml_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "signoff.toml").write_text("[coverage]\nbranch = 12.5\n", encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert config.load(sub).coverage.branch == 12.5


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    root = write(tmp_path, "[tool.signoff.coverage]\nlnie = 80\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'coverage\.lnie'"):
        config.load(root)


def test_wrong_type_is_an_error(tmp_path: Path) -> None:
    root = write(tmp_path, '[tool.signoff.coverage]\nline = "high"\n')
    with pytest.raises(ConfigError, match=r"'coverage\.line' must be float"):
        config.load(root)


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    root = write(tmp_path, "[tool.signoff\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(root)


def test_dump_round_trips(tmp_path: Path) -> None:
    import tomllib

    text = config.dumps(config.defaults())
    parsed = tomllib.loads(text)["tool"]["signoff"]
    assert parsed == config.defaults()


def test_a_number_outside_its_range_is_an_error_naming_the_key(tmp_path: Path) -> None:
    root = write(tmp_path, "[tool.signoff.coverage]\nline = 120\n")
    with pytest.raises(ConfigError, match=r"'coverage\.line' must be between 0 and 100"):
        config.load(root)


def test_a_typo_in_a_user_named_load_profile_is_an_error(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[tool.signoff.load.profiles.mine]\npr = [{ phase = "all", duration_s = 5, users = 1 }]\n'
        'modee = "open"\n[tool.signoff.load.profiles.mine.budgets.all]\np95_ms = 20\n',
    )
    with pytest.raises(ConfigError, match=r"unknown setting 'load\.profiles\.mine\.modee'"):
        config.load(root)


def test_load_settings_read_back_from_a_plan_file_are_the_same() -> None:
    import json

    settings = config.load().load
    table = json.loads(json.dumps(config.to_table(settings)))
    assert config.from_table(config.LoadSettings, table, "load") == settings
