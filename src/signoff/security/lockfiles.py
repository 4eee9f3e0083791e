"""The versions a lockfile pins (uv.lock, poetry.lock, pylock.toml of PEP 751) as name==version
pins, which the audit layer writes out as a pinned requirements file for pip-audit.

What counts, in every format: the packages the service's main dependencies install, its extras
included; a package that only a dev group installs counts when `[target] dependency_groups`
names the group. Local source trees (the project, workspace members, directory dependencies)
have no advisories and are left out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from signoff.errors import ConfigError

Table = dict[str, Any]
# a reader's findings: (name, version) pairs, the dev groups the file knows (None: it records
# none), and a note on how the groups were decided when the file could not say
Found = tuple[list[tuple[str, str]], set[str] | None, str]

# pylock.toml, or a named lock pylock.<name>.toml (PEP 751, "File Name")
_PYLOCK = re.compile(r"^pylock\.([^.]+\.)?toml$")
_REGENERATE = {"uv.lock": "`uv lock`", "poetry.lock": "`poetry lock`", "pylock.toml": "its tool"}
_EXPORT = (
    "name a pinned requirements file of the deployed environment in [tool.signoff.target] "
    "requirements (`uv export --no-dev --no-hashes -o requirements.txt`, `poetry export`)."
)


class _Unreadable(ValueError):
    """The file is not the lockfile its name says; the message says what is off."""


@dataclass(frozen=True)
class Locked:
    """The pins one lockfile holds for the main dependencies and the chosen dev groups."""

    path: Path
    kind: str  # "uv.lock", "poetry.lock" or "pylock.toml"
    pins: dict[str, str]  # normalized name -> version
    groups: tuple[str, ...]  # the dev groups audited beside the main dependencies
    note: str = ""  # how the groups were decided when the file does not record them

    def requirements(self) -> str:
        """A pinned requirements file, one `name==version` a line, that says where it came from."""
        groups = ", ".join(("main", *self.groups))
        head = f"# the pins of {self.path} (groups: {groups}), written for pip-audit\n"
        return head + "".join(f"{name}=={v}\n" for name, v in sorted(self.pins.items()))


def kind(path: Path) -> str | None:
    """The lockfile format a file name says; None for anything else (a requirements file)."""
    if path.name in ("uv.lock", "poetry.lock"):
        return path.name
    return "pylock.toml" if _PYLOCK.match(path.name) else None


def found_in(folder: Path) -> list[Path]:
    """The lockfiles in `folder` (not below it), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and kind(p) is not None)


def read(path: Path, groups: Sequence[str] = ()) -> Locked:
    """The pins of the lockfile at `path` for its main dependencies and the dev `groups`."""
    form = kind(path)
    if form is None or not path.is_file():
        raise ConfigError(
            f"The lockfile {path} does not exist.",
            hint="set [tool.signoff.target] requirements to the service's lockfile or pins.",
        )
    chosen = frozenset(canonicalize_name(g) for g in groups)
    try:
        pairs, known, note = _READERS[form](tomllib.loads(path.read_text(encoding="utf-8")), chosen)
    except (tomllib.TOMLDecodeError, _Unreadable) as exc:
        raise ConfigError(
            # one line: a marker's parse error draws a caret under the marker on the next ones
            f"{path} is not a readable {form}: {str(exc).splitlines()[0]}, so no dependency "
            "was audited.",
            hint=f"regenerate it with {_REGENERATE[form]}, or {_EXPORT}",
        ) from None
    if known is not None and chosen - known:
        has = ", ".join(sorted(known)) or "none"
        raise ConfigError(
            f"{path} has no dependency group {min(chosen - known)!r} (its groups: {has}).",
            hint="set [tool.signoff.target] dependency_groups to groups the lockfile names.",
        )
    return Locked(path, form, _pins(path, pairs), tuple(sorted(chosen)), note)


def _pins(path: Path, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for name, version in pairs:
        if pins.setdefault(name, version) != version:
            # pip-audit refuses two pins of one name in a file: say so rather than pick one
            raise ConfigError(
                f"{path} locks {name} at both {pins[name]} and {version} (for different "
                "environments), and pip-audit audits one version of a package per run.",
                hint=_EXPORT,
            )
    return pins


def _tables(value: object, where: str) -> list[Table]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _Unreadable(f"{where} is missing or not a list of tables")
    return value


def _mapping(table: Table, key: str, where: str) -> Table:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise _Unreadable(f"{where}: {key} is not a table")
    return value


def _strings(table: Table, key: str, where: str) -> set[str]:
    """The normalized names of a list (a lone name in Poetry's old `category`)."""
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Unreadable(f"{where}: {key} is not a list of names")
    return {canonicalize_name(item) for item in value}


def _name(table: Table, where: str) -> str:
    value = table.get("name")
    if not isinstance(value, str) or not value:
        raise _Unreadable(f"{where} has no name")
    return canonicalize_name(value)


def _version(table: Table, name: str) -> str:
    value = table.get("version")
    if not isinstance(value, str):
        raise _Unreadable(f"{name} has no version, so it cannot be pinned")
    try:
        Version(value)
    except InvalidVersion:
        raise _Unreadable(f"{name} has the version {value!r}, which is not a version") from None
    return value


# ---- uv.lock: the graph from the project's own entries, as `uv sync --no-dev` installs it


def _uv(data: Table, groups: frozenset[str]) -> Found:
    packages = _tables(data.get("package"), "[[package]]")
    names = [_name(p, f"[[package]] {i + 1}") for i, p in enumerate(packages)]
    sources = [_mapping(p, "source", names[i]) for i, p in enumerate(packages)]
    local = {i for i, s in enumerate(sources) if {"virtual", "editable", "directory"} & set(s)}
    roots = [i for i in local if "virtual" in sources[i] or "editable" in sources[i]]
    if not roots:
        # no project of its own (a script's lock): nothing tells main from dev
        kept = [i for i in range(len(packages)) if i not in local]
        pairs = [(names[i], _version(packages[i], names[i])) for i in kept]
        return pairs, None, "uv.lock names no project: every locked package is audited."
    known: set[str] = set()
    start: list[Table] = []
    for i in roots:
        # the project with every extra it offers, and the dev groups asked for
        extras = list(_mapping(packages[i], "optional-dependencies", names[i]))
        start.append({"name": names[i], "extra": extras})
        for group, edges in _mapping(packages[i], "dev-dependencies", names[i]).items():
            known.add(canonicalize_name(group))
            if canonicalize_name(group) in groups:
                start += _tables(edges, f"{names[i]}: dev-dependencies.{group}")
    reached = sorted(_uv_walk(packages, names, start) - local)
    return [(names[i], _version(packages[i], names[i])) for i in reached], known, ""


def _uv_edges(package: Table, name: str, extra: str | None) -> list[Table]:
    """The dependencies of `package`, or those one of its extras adds."""
    if extra is None:
        return _tables(package.get("dependencies", []), f"{name}: dependencies")
    extras = _mapping(package, "optional-dependencies", name)
    return _tables(extras.get(extra, []), f"{name}: optional-dependencies.{extra}")


def _uv_walk(packages: list[Table], names: list[str], start: list[Table]) -> set[int]:
    """The packages the edges in `start` install, each with the extras asked of it."""
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_name.setdefault(name, []).append(i)
    seen: set[tuple[int, str | None]] = set()
    todo = list(start)
    while todo:
        edge = todo.pop()
        name, version = _name(edge, "a dependency"), edge.get("version")
        # an edge names the version only when the lock holds several of the package
        matches = [
            i for i in by_name.get(name, []) if version in (None, packages[i].get("version"))
        ]
        if not matches:
            raise _Unreadable(f"a dependency names {name}, which has no [[package]] entry")
        extras = sorted(_strings(edge, "extra", name))
        for i in matches:
            for extra in (None, *extras):
                if (i, extra) not in seen:
                    seen.add((i, extra))
                    todo += _uv_edges(packages[i], names[i], extra)
    return {i for i, _ in seen}


# ---- poetry.lock: each package says its groups (Poetry 2) or its category (Poetry < 1.5)


# Poetry 1.5 to 1.8 wrote neither: auditing every package fails closed
_NO_GROUPS = (
    "poetry.lock records no groups (Poetry 1.5 to 1.8): every locked package is audited, "
    "dev tools too."
)


def _poetry(data: Table, groups: frozenset[str]) -> Found:
    chosen = {"main", *groups}
    pairs: list[tuple[str, str]] = []
    known: set[str] = set()
    unrecorded = False
    for i, package in enumerate(_tables(data.get("package"), "[[package]]")):
        name = _name(package, f"[[package]] {i + 1}")
        if _mapping(package, "source", name).get("type") == "directory":
            continue
        key = "groups" if "groups" in package else "category"
        if key not in package:
            unrecorded = True
        else:
            listed = _strings(package, key, name)
            known |= listed
            if not listed & chosen:
                continue
        pairs.append((name, _version(package, name)))
    return (pairs, None, _NO_GROUPS) if unrecorded else (pairs, known, "")


# ---- pylock.toml: each package's marker says for which groups and extras it is installed


def _pylock(data: Table, groups: frozenset[str]) -> Found:
    version = data.get("lock-version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise _Unreadable(f"its lock-version is {version!r}; signoff reads lock-version 1")
    defaults = _strings(data, "default-groups", "pylock.toml")
    known = _strings(data, "dependency-groups", "pylock.toml") - defaults
    extras = frozenset(_strings(data, "extras", "pylock.toml"))
    chosen, every = frozenset(defaults | groups), frozenset(defaults | known | groups)
    pairs: list[tuple[str, str]] = []
    for i, package in enumerate(_tables(data.get("packages"), "[[packages]]")):
        name = _name(package, f"[[packages]] {i + 1}")
        if "directory" in package:
            continue
        if _installed(package.get("marker"), name, chosen, every, extras):
            pairs.append((name, _version(package, name)))
    return pairs, known, ""


# the marker of a package is tried on each: a group's package for one platform is still the group's
_PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
)


def _installed(
    marker: object, name: str, chosen: frozenset[str], every: frozenset[str], extras: frozenset[str]
) -> bool:
    """Whether the chosen groups install the package on some platform. Only the groups decide:
    a marker that holds for no group at all (another Python's package) is audited as well."""
    if marker is None:
        return True
    if not isinstance(marker, str):
        raise _Unreadable(f"{name}: marker is not text")
    try:
        parsed = Marker(marker)

        def holds(on: frozenset[str]) -> bool:
            return any(
                parsed.evaluate({**where, "dependency_groups": on, "extras": extras}, "lock_file")
                for where in _PLATFORMS
            )

        return holds(chosen) or not holds(every)
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName) as exc:
        raise _Unreadable(f"{name} has the marker {marker!r}: {exc}") from None


_READERS = {"uv.lock": _uv, "poetry.lock": _poetry, "pylock.toml": _pylock}
