"""Whether two runs' environments allow their timings to be compared, and if not, why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Parts of the fingerprint that move timings. Hostnames, kernel patch levels and the
# advisory database date do not; they are shown, never compared.
TIMING_KEYS = (
    ("machine", "arch"),
    ("machine", "cpu_model"),
    ("machine", "cpus"),
    ("os", "system"),
    ("python", "minor"),
    ("provider",),
    ("tools", "locust"),
    ("tools", "pytest-benchmark"),
)


def _get(fingerprint: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    if path == ("python", "minor"):
        version = str(fingerprint.get("python", {}).get("version", ""))
        return ".".join(version.split(".")[:2]) or None
    value: Any = fingerprint
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def differences(baseline: Mapping[str, Any], candidate: Mapping[str, Any]) -> list[str]:
    """One sentence per timing-relevant difference; empty when the runs are comparable."""
    if not baseline or not candidate:
        return ["one of the runs records no environment fingerprint"]
    found: list[str] = []
    for path in TIMING_KEYS:
        before, after = _get(baseline, path), _get(candidate, path)
        if before != after:
            found.append(f"{'.'.join(path)} differs ({before!r} in the baseline, {after!r} now)")
    return found
