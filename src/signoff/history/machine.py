"""The machine class a run measured on: the digest of the fingerprint's timing-relevant part.
Runs with equal digests compare (as `judge.fingerprint` compares them)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# what moves timings (as `judge.fingerprint` compares them): runs with equal `machine` compare
MACHINE_KEYS = (("machine", "arch"), ("machine", "cpu_model"), ("machine", "cpus"), ("provider",))


def machine_id(environment: dict[str, Any]) -> str:
    """A short digest of the timing-relevant part of a fingerprint."""
    values = []
    for path in MACHINE_KEYS:
        value: Any = environment
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        values.append(value)
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:12]
