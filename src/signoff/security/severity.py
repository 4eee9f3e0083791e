"""The one home of an advisory's severity: its CVSS v4 or v3 vector, scored by the `cvss` library.

OSV advisories carry vectors in `severity[]` by type (`CVSS_V4`, `CVSS_V3`, ...). The rating is
the qualitative one the CVSS specification gives the base score; an advisory without a vector the
library accepts is UNKNOWN, which the score weighs as HIGH (audits/SCORING.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4, CVSSError

RATINGS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN")
# the newest CVSS version an advisory carries wins: it is the one its authors scored last
PREFERENCE = ("CVSS_V4", "CVSS_V3")


@dataclass(frozen=True)
class Rating:
    """A severity (one of RATINGS), the base score behind it and the vector it came from."""

    severity: str
    score: float | None = None
    vector: str = ""

    def __str__(self) -> str:
        return self.severity if self.score is None else f"{self.severity} {self.score:g}"


UNRATED = Rating("UNKNOWN")


def rate_vector(kind: str, vector: str) -> Rating | None:
    """The rating of one `CVSS_V4` or `CVSS_V3` vector; None when the library refuses it."""
    try:
        if kind == "CVSS_V4":
            v4 = CVSS4(vector)
            return Rating(str(v4.severity).upper(), float(v4.base_score), vector)
        if kind == "CVSS_V3":
            v3 = CVSS3(vector)
            return Rating(str(v3.severities()[0]).upper(), float(v3.base_score), vector)
    except CVSSError:
        return None
    return None


def rate(advisory: Mapping[str, Any]) -> Rating:
    """An OSV advisory's rating from its newest usable CVSS vector; UNRATED without one."""
    entries = [e for e in advisory.get("severity") or [] if isinstance(e, Mapping)]
    for kind in PREFERENCE:
        for entry in entries:
            if entry.get("type") == kind:
                rating = rate_vector(kind, str(entry.get("score", "")))
                if rating is not None:
                    return rating
    return UNRATED
