"""A snapshot of OSV advisories (YAML or JSON), indexed by PyPI package, and version matching.

Matching follows the OSV schema: a version is affected when an `affected[]` entry of the
package lists it in `versions`, or when one of its ECOSYSTEM ranges covers it (events
`introduced`, `fixed`, `last_affected`, `limit`). Package names compare PEP 503-normalized.
Every advisory is held as OSV JSON: timestamps as RFC 3339 strings in UTC, versions as written.
The snapshot is a folder or an archive of one; security/snapshot.py opens either.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from signoff.errors import EvidenceError
from signoff.security.snapshot import Member, read_snapshot

Advisory = dict[str, Any]
# PyYAML ships no type information; importing it by name keeps mypy strict whether or not a stub
# package is installed
yaml: Any = importlib.import_module("yaml")
_TIMESTAMPS = ("modified", "published", "withdrawn")
# YAML reads an unquoted `1.10` as the float 1.1 and `0` as an int; OSV versions are text
_AS_TEXT = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is about ten times faster
_LOADER: Any = type(
    "OsvLoader",
    (_BASE,),
    {
        "yaml_implicit_resolvers": {
            first: [(tag, rx) for tag, rx in resolvers if tag not in _AS_TEXT]
            for first, resolvers in _BASE.yaml_implicit_resolvers.items()
        }
    },
)


@dataclass(frozen=True)
class SnapshotInfo:
    """Where an advisory snapshot came from and how old it is."""

    path: str
    origin: str  # where the snapshot came from, from its SOURCE.md
    snapshot_date: str | None
    age_days: int | None
    advisories: int
    packages: int


def _parse(member: Member) -> Any:
    text = member.data.decode("utf-8")
    if member.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=_LOADER)


def rfc3339(value: object) -> str:
    """A timestamp as OSV (and pip-audit) read it: `2023-09-25T14:28:09.019811Z`, in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)  # ValueError when it is not a time at all
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a timestamp")
    # a time without an offset is read as UTC, which is what the OSV schema requires
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    # isoformat, unlike strftime, writes year 1 as 0001
    precision = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=precision) + "Z"


def _plain(value: Any) -> Any:
    """`value` with only JSON types left; YAML can still hand out dates and other tags."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return rfc3339(value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def as_osv(data: dict[str, Any]) -> Advisory:
    """An advisory as the OSV JSON an endpoint must serve (raises ValueError when it cannot)."""
    advisory: Advisory = _plain(data)
    for key in _TIMESTAMPS:
        if advisory.get(key) is not None:
            advisory[key] = rfc3339(advisory[key])
    json.dumps(advisory, allow_nan=False)  # proof that it serialises, before anyone asks
    return advisory


class AdvisoryDB:
    """Every PyPI advisory of a snapshot (a folder or an archive), by normalized package name."""

    def __init__(self, path: Path) -> None:
        self.provenance, members = read_snapshot(path)
        self.path = path
        self.by_package: dict[str, list[Advisory]] = {}
        self.by_id: dict[str, Advisory] = {}
        for member in members:
            try:
                data = _parse(member)
                if isinstance(data, dict) and "id" in data:
                    self._add(as_osv(data))
            except (ValueError, yaml.YAMLError) as exc:
                raise EvidenceError(
                    f"The advisory {member.where} cannot be read as OSV: {exc}.",
                    hint="fix or remove that file; the snapshot is read whole or not at all.",
                ) from exc
        if not self.by_id:
            raise EvidenceError(f"The advisory snapshot {path} holds no OSV advisories.")

    def _add(self, advisory: Advisory) -> None:
        self.by_id[str(advisory["id"])] = advisory
        for alias in advisory.get("aliases") or []:
            self.by_id.setdefault(str(alias), advisory)
        names = {
            canonicalize_name(str(a["package"]["name"]))
            for a in advisory.get("affected") or []
            if a.get("package", {}).get("ecosystem") == "PyPI"
        }
        for name in names:
            self.by_package.setdefault(name, []).append(advisory)

    def query(self, name: str, version: str) -> list[Advisory]:
        """The advisories that affect `name` at `version`, withdrawn ones included as OSV does."""
        wanted = canonicalize_name(name)
        return [
            adv
            for adv in self.by_package.get(wanted, [])
            if any(
                affects(entry, version)
                for entry in adv.get("affected") or []
                if canonicalize_name(str(entry.get("package", {}).get("name", ""))) == wanted
                and entry.get("package", {}).get("ecosystem") == "PyPI"
            )
        ]

    def info(self, today: date | None = None) -> SnapshotInfo:
        stamp = self.provenance.date()
        age = None if stamp is None else ((today or date.today()) - stamp).days
        return SnapshotInfo(
            path=str(self.path),
            origin=self.provenance.origin(),
            snapshot_date=None if stamp is None else stamp.isoformat(),
            age_days=age,
            advisories=len({id(a) for a in self.by_id.values()}),
            packages=len(self.by_package),
        )


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def affects(entry: Mapping[str, Any], version: str) -> bool:
    """Whether one `affected[]` entry covers `version`."""
    parsed = _version(version)
    for listed in entry.get("versions") or []:
        if str(listed) == version or (parsed is not None and _version(str(listed)) == parsed):
            return True
    if parsed is None:
        return False
    return any(
        in_range(rng.get("events") or [], parsed)
        for rng in entry.get("ranges") or []
        if rng.get("type") == "ECOSYSTEM"
    )


def in_range(events: Iterable[Mapping[str, Any]], version: Version) -> bool:
    """OSV range evaluation: walk the events in version order and track the affected state."""
    ordered: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, value in event.items():
            point = Version("0") if str(value) == "0" else _version(str(value))
            if point is None:
                continue
            # at one version an `introduced` comes before a `fixed` of the same version
            ordered.append((point, 0 if kind == "introduced" else 1, kind))
    affected = False
    for point, _, kind in sorted(ordered):
        if kind == "introduced" and version >= point:
            affected = True
        elif (kind in ("fixed", "limit") and version >= point) or (
            kind == "last_affected" and version > point
        ):
            affected = False
    return affected


def fix_versions(advisory: Mapping[str, Any], name: str) -> list[str]:
    """The `fixed` versions an advisory names for a package."""
    wanted = canonicalize_name(name)
    found = {
        str(event["fixed"])
        for entry in advisory.get("affected") or []
        if canonicalize_name(str(entry.get("package", {}).get("name", ""))) == wanted
        for rng in entry.get("ranges") or []
        if rng.get("type") == "ECOSYSTEM"
        for event in rng.get("events") or []
        if "fixed" in event
    }
    return sorted(found, key=lambda v: _version(v) or Version("0"))
