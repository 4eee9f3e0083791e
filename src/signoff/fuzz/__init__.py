"""Schemathesis fuzzing for the fuzz layer: the command lines, the reports they leave, and the
replay of stored failures against a fresh stack (`signoff fuzz --replay`).

One seed drives every phase of every pass of a run; it is generated when the configuration does
not fix one, and recorded, so the same run can be sent again.
"""

from __future__ import annotations

from signoff.fuzz.command import (
    command,
    operations,
    passes,
    resolve_seed,
    seed_args,
)
from signoff.fuzz.replay import Finding, classify, replay_command, replay_run
from signoff.fuzz.results import external_refs, junit_failures, merge_reports

__all__ = [
    "Finding",
    "classify",
    "command",
    "external_refs",
    "junit_failures",
    "merge_reports",
    "operations",
    "passes",
    "replay_command",
    "replay_run",
    "resolve_seed",
    "seed_args",
]
