"""Broken function-level authorization: operations only a higher role may call, sent as a lower
identity with the owner's objects in their paths; a success fails the operation.

Created identities are ordinary users (the stack's own identity holds the privileges), so
without a lower role the check is made as one of them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field

from signoff.openapi import Operation
from signoff.probes.crossing import Crossing
from signoff.records import Check, Status


@dataclass
class Privileged:
    """What the privileged check found: checks, the operations judged and those not judged."""

    checks: list[Check] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    matched: int = 0  # operations the patterns named


def matching(operations: Sequence[Operation], patterns: Sequence[str]) -> list[Operation]:
    """The operations that a pattern ("METHOD /path", shell-style wildcards) names."""
    return [op for op in operations if any(fnmatch.fnmatchcase(op.name, p) for p in patterns)]


def try_privileged(
    crossing: Crossing, operations: Sequence[Operation], who: str, found: Privileged | None = None
) -> Privileged:
    """Every privileged operation sent once as identity `who`, before the owner sent it: a body
    the owner already sent, such as the document's example, could answer 409 to `who` however
    broken the check. What is found is added to `found` when given."""
    found = found if found is not None else Privileged()
    found.matched += len(operations)
    for op in operations:
        if not crossing.may_send(op.name):
            found.excluded.append(f"{op.name}: a write this deployment may not get")
            continue
        paths, missing = crossing.created.fill(op)
        if not paths:
            found.excluded.append(f"{op.name}: no resource of the owner names {{{missing}}}")
            continue
        answer = crossing.send(who, op, paths[0])
        if answer.status is None:
            found.excluded.append(f"{op.name}: no answer ({answer.error}, #{answer.number})")
            continue
        found.judged.append(op.name)
        ok = not answer.succeeded
        message = (
            f"{op.name} succeeded ({answer.status}) for identity '{who}' on {paths[0]}, an "
            f"operation only a higher role may call: broken function-level authorization; "
            f"exchange #{answer.number} in {crossing.evidence}."
        )
        found.checks.append(
            Check(
                f"{op.name}: refuses the lower identity '{who}'",
                Status.PASS if ok else Status.FAIL,
                answer.status,
                "refused",
                "==",
                "",
                "" if ok else message,
                crossing.evidence,
            )
        )
    return found
