"""Lockfiles as the audit's list of dependencies: uv.lock, poetry.lock and pylock.toml read into
pins (main dependencies by default, dev groups when named), then audited by the real layer.

The fixtures in tests/lockfiles/ follow the formats uv, Poetry 2 and PDM write: uv.lock and
pylock.toml pin requests 2.19.0 (PYSEC-2018-28) in the main dependencies; poetry.lock pins a
clean main group and black 24.1.0 (PYSEC-2024-48) in its dev group.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.errors import ConfigError
from signoff.records import Status
from signoff.security import lockfiles
from tests.test_security_layer import audit, check

FIXTURES = Path(__file__).parent / "lockfiles"
UV, POETRY, PYLOCK = (FIXTURES / n for n in ("uv.lock", "poetry.lock", "pylock.toml"))
OLD_REQUESTS = {"certifi": "2024.8.30", "chardet": "3.0.4", "idna": "2.7", "urllib3": "1.23"}
PYTEST = {"pytest": "8.3.3", "iniconfig": "2.0.0", "packaging": "24.1", "pluggy": "1.5.0"}
POETRY_MAIN = {
    "requests": "2.32.3",
    "certifi": "2024.8.30",
    "charset-normalizer": "3.4.0",
    "idna": "3.10",
    "urllib3": "2.2.3",
    "packaging": "24.1",
}
BLACK = {
    "black": "24.1.0",
    "click": "8.1.7",
    "colorama": "0.4.6",  # Windows only: a group's package on any platform is audited
    "mypy-extensions": "1.0.0",
    "pathspec": "0.12.1",
    "platformdirs": "4.3.6",
}


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    """A project folder holding `files` (name -> text), for the layer to be run on."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def pins_of(text: str, tmp_path: Path, name: str, groups: tuple[str, ...] = ()) -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text)
    return lockfiles.read(path, groups).pins


def test_uv_lock_pins_what_the_project_installs() -> None:
    # the project (editable) is left out; requests[socks] brings pysocks through the extra
    main = {"requests": "2.19.0", "pysocks": "1.7.1", **OLD_REQUESTS}
    assert lockfiles.read(UV).pins == main
    locked = lockfiles.read(UV, ["dev"])
    assert locked.pins == main | PYTEST
    assert locked.groups == ("dev",)
    assert "requests==2.19.0\n" in locked.requirements()


def test_poetry_lock_leaves_dev_groups_out_unless_named() -> None:
    assert lockfiles.read(POETRY).pins == POETRY_MAIN
    assert lockfiles.read(POETRY, ["Dev"]).pins == POETRY_MAIN | BLACK


def test_pylock_markers_decide_the_groups() -> None:
    main = {"requests": "2.19.0", **OLD_REQUESTS}
    assert lockfiles.read(PYLOCK).pins == main
    assert lockfiles.read(PYLOCK, ["dev"]).pins == main | PYTEST | {"colorama": "0.4.6"}


def test_a_platform_marker_alone_keeps_a_main_package(tmp_path: Path) -> None:
    text = PYLOCK.read_text().replace(
        "version = '2.19.0'", "version = '2.19.0'\nmarker = \"sys_platform == 'win32'\""
    )
    assert pins_of(text, tmp_path, "pylock.toml")["requests"] == "2.19.0"


def test_older_poetry_locks(tmp_path: Path) -> None:
    """Poetry before 1.5 wrote a category; 1.5 to 1.8 wrote no group at all: all is audited."""
    text = POETRY.read_text()
    category = (
        text.replace('groups = ["main", "dev"]', 'category = "main"')
        .replace('groups = ["main"]', 'category = "main"')
        .replace('groups = ["dev"]', 'category = "dev"')
    )
    assert pins_of(category, tmp_path, "poetry.lock") == POETRY_MAIN
    assert pins_of(category, tmp_path, "poetry.lock", ("dev",)) == POETRY_MAIN | BLACK
    path = tmp_path / "poetry.lock"
    path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("groups =")))
    locked = lockfiles.read(path)
    assert locked.pins == POETRY_MAIN | BLACK
    assert "records no groups" in locked.note


def test_a_uv_lock_without_a_project_audits_every_package(tmp_path: Path) -> None:
    project = UV.read_text().split('[[package]]\nname = "notes"')[1].split("[[package]]")[0]
    text = UV.read_text().replace(f'[[package]]\nname = "notes"{project}', "")
    (tmp_path / "uv.lock").write_text(text)
    locked = lockfiles.read(tmp_path / "uv.lock")
    assert locked.pins == {"requests": "2.19.0", "pysocks": "1.7.1", **OLD_REQUESTS, **PYTEST}
    assert "names no project" in locked.note


def test_two_versions_of_one_package_are_refused(tmp_path: Path) -> None:
    text = POETRY.read_text()
    second = text.split('[[package]]\nname = "idna"')[1].split("[[package]]")[0]
    text += '\n[[package]]\nname = "idna"' + second.replace('"3.10"', '"3.7"')
    with pytest.raises(ConfigError) as caught:
        pins_of(text, tmp_path, "poetry.lock")
    assert "locks idna at both 3.10 and 3.7" in caught.value.message
    assert "uv export" in (caught.value.hint or "")


def test_a_group_the_lockfile_lacks_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        lockfiles.read(UV, ["tests"])
    assert caught.value.message.endswith("has no dependency group 'tests' (its groups: dev).")


@pytest.mark.parametrize(
    ("name", "old", "new", "why"),
    [
        ("uv.lock", "revision = 2\n", "revision = 2\n[[package]\n", "Expected"),
        ("uv.lock", 'version = "1.23"', 'version = "latest"', "'latest', which is not a version"),
        ("uv.lock", 'name = "pysocks"\nv', 'name = "socks"\nv', "names pysocks, which has no"),
        ("uv.lock", "[[package]]", "[[packages]]", "[[package]] is missing"),
        ("poetry.lock", 'version = "3.10"\n', "", "idna has no version"),
        ("pylock.toml", "lock-version = '1.0'", "lock-version = '2.0'", "lock-version is '2.0'"),
        ("pylock.toml", "in dependency_groups", "in dependency_group", "Expected a marker"),
    ],
)
def test_a_malformed_lockfile_is_one_sentence_with_a_hint(
    tmp_path: Path, name: str, old: str, new: str, why: str
) -> None:
    text = (FIXTURES / name).read_text()
    assert old in text
    with pytest.raises(ConfigError) as caught:
        pins_of(text.replace(old, new), tmp_path, name)
    message = caught.value.message
    assert message.startswith(f"{tmp_path / name} is not a readable {name}: ")
    assert why in message
    assert message.endswith(", so no dependency was audited.")
    assert "\n" not in message
    assert (caught.value.hint or "").startswith("regenerate it with")


def test_lockfiles_are_known_by_name(tmp_path: Path) -> None:
    for name in ("uv.lock", "poetry.lock", "pylock.toml", "pylock.prod.toml", "requirements.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "pylock.a.b.toml").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "uv.lock").write_text("")
    found = [p.name for p in lockfiles.found_in(tmp_path)]
    assert found == ["poetry.lock", "pylock.prod.toml", "pylock.toml", "uv.lock"]
    assert lockfiles.kind(tmp_path / "pylock.prod.toml") == "pylock.toml"


# ---- the layer: real bandit, real pip-audit against the offline snapshot


def test_a_vulnerable_uv_lock_fails_the_audit(tmp_path: Path) -> None:
    record = audit(
        project(tmp_path, {"uv.lock": UV.read_text()}), target='requirements = "uv.lock"'
    )
    assert record.status is Status.FAIL
    status, message = check(record, "known vulnerabilities")
    assert status is Status.FAIL
    assert "requests 2.19.0: PYSEC-2018-28 (CVE-2018-18074" in message
    assert record.declared["dependencies"] == record.evaluated["dependencies"] == 6
    pins = tmp_path / "run" / record.artifacts["pins"]
    assert pins.name == "pins-from-uv.lock.txt"
    assert "requests==2.19.0\n" in pins.read_text()
    source = record.figures["dependency_file"]
    assert (source["file"], source["groups"], source["pins"]) == ("uv.lock", ["main"], 6)


def test_the_one_lockfile_in_the_root_is_found_and_named(tmp_path: Path) -> None:
    record = audit(project(tmp_path, {"poetry.lock": POETRY.read_text()}), target="")
    assert record.status is Status.PASS, record.reasons
    assert "audited poetry.lock, the one lockfile in the project root" in record.summary
    assert record.declared["dependencies"] == record.evaluated["dependencies"] == 6


def test_a_named_dev_group_is_audited(tmp_path: Path) -> None:
    record = audit(
        project(tmp_path, {"poetry.lock": POETRY.read_text()}),
        target='requirements = "poetry.lock"\ndependency_groups = ["dev"]',
    )
    assert record.status is Status.FAIL
    status, message = check(record, "known vulnerabilities")
    assert status is Status.FAIL
    assert "black 24.1.0: PYSEC-2024-48" in message
    assert record.figures["dependency_file"]["groups"] == ["main", "dev"]


def test_a_vulnerable_pylock_fails_the_audit(tmp_path: Path) -> None:
    record = audit(
        project(tmp_path, {"pylock.toml": PYLOCK.read_text()}),
        target='requirements = "pylock.toml"',
    )
    assert record.status is Status.FAIL
    status, message = check(record, "known vulnerabilities")
    assert status is Status.FAIL
    assert "requests 2.19.0: PYSEC-2018-28" in message
    assert record.declared["dependencies"] == 5


@pytest.mark.parametrize(
    ("target", "files", "problem"),
    [
        ('requirements = "uv.lock"', {"uv.lock": "version = 1\n[[package]\n"}, "is not a readable"),
        (
            "",
            {"uv.lock": "", "poetry.lock": ""},
            "the project root has 2 lockfiles (poetry.lock, uv.lock)",
        ),
        ("", {}, "The target names no requirements file to audit."),
        ('requirements = "uv.lock"', {}, "uv.lock does not exist."),
        ('requirements = "requirements.txt"\ndependency_groups = ["dev"]', {}, "which has none"),
    ],
)
def test_no_readable_dependencies_is_inconclusive(
    tmp_path: Path, target: str, files: dict[str, str], problem: str
) -> None:
    record = audit(project(tmp_path, files), target=target)
    assert record.status is Status.INCONCLUSIVE
    reason = record.figures["problems"]["pip-audit"]
    assert problem in reason
    assert "\n" not in reason
    assert "Tip:" in reason
    status, _ = check(record, "known vulnerabilities")
    assert status is Status.INCONCLUSIVE
    assert record.figures["score"] is None
