"""Waivers (`audits/waivers.toml`): a finding id, why it is accepted, who owns it, until when.

    [[waiver]]
    id = "B105:src/signoff/records.py:3fac8e2a"   # a bandit finding, advisory or HTTP check id
    reason = "'PASS' is a verdict name, not a password."
    owner = "security@example.org"
    expires = 2027-06-30

An expired waiver fails the gate even when its finding is gone; a waiver that matches nothing
is reported so the file does not collect dead entries.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from signoff.errors import ConfigError

FIELDS = ("id", "reason", "owner", "expires")


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    owner: str
    expires: date

    def expired(self, today: date) -> bool:
        return self.expires < today


@dataclass(frozen=True)
class WaiverReport:
    """How a set of waivers applied to a set of finding ids."""

    applied: dict[str, Waiver]  # finding id -> the valid waiver covering it
    expired: list[Waiver]
    unmatched: list[Waiver]

    def covers(self, finding_id: str) -> bool:
        return finding_id in self.applied


def load(path: Path) -> list[Waiver]:
    """Read the waivers file; a missing file means no waivers, a malformed one is an error."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from exc
    entries = data.get("waiver", [])
    unknown = sorted(set(data) - {"waiver"})
    if unknown or not isinstance(entries, list):
        raise ConfigError(f"{path}: only [[waiver]] tables are allowed (found {unknown}).")
    waivers: list[Waiver] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        missing = [name for name in FIELDS if not entry.get(name)]
        if missing:
            raise ConfigError(
                f"{path}: waiver {number} has no {', '.join(missing)}.",
                hint="every waiver needs id, reason, owner and expires.",
            )
        extra = sorted(set(entry) - set(FIELDS))
        if extra:
            raise ConfigError(f"{path}: waiver {number} has unknown keys {extra}.")
        expires = entry["expires"]
        if not isinstance(expires, date):
            raise ConfigError(
                f"{path}: waiver {entry['id']!r} must give expires as a TOML date "
                f"(e.g. 2027-06-30), not {expires!r}."
            )
        if entry["id"] in seen:
            raise ConfigError(f"{path}: the id {entry['id']!r} is waived twice.")
        seen.add(str(entry["id"]))
        waivers.append(Waiver(str(entry["id"]), str(entry["reason"]), str(entry["owner"]), expires))
    return waivers


def apply(waivers: Iterable[Waiver], finding_ids: Iterable[str], today: date) -> WaiverReport:
    """Match waivers to findings: valid ones cover them, expired ones are listed, unused too."""
    ids = set(finding_ids)
    applied: dict[str, Waiver] = {}
    expired: list[Waiver] = []
    unmatched: list[Waiver] = []
    for waiver in waivers:
        if waiver.expired(today):
            expired.append(waiver)
        elif waiver.id in ids:
            applied[waiver.id] = waiver
        else:
            unmatched.append(waiver)
    return WaiverReport(applied, expired, unmatched)
