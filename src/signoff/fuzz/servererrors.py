"""The fuzz run's server errors held against the contract (`signoff.probes.contract`): an
undocumented 5xx gates; a 5xx its operation declares (never a 500) is listed, not a failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from signoff.probes.contract import UNDOCUMENTED, declared, server_error
from signoff.records import Check, Status

# not_a_server_error's failures (a 5xx; a 5xx to a content-type probe): the ones a documented
# status answers. A case that failed any other check stays a failure whatever its status.
SERVER_ERROR_CODES = frozenset({"ST101", "ST102"})
NAME = "undocumented server errors"


def mark(failures: list[dict[str, Any]], document: dict[str, Any]) -> None:
    """Add to each failure `server_errors` (case id -> "documented 503" or "undocumented server
    error", for each case that answered a 5xx) and `documented` (the case ids whose only failure
    is a documented 5xx: no failure of the run)."""
    for failure in failures:
        codes = declared(document, str(failure["operation"]))
        classes: dict[str, str] = {}
        for case_id, status in (failure.get("statuses") or {}).items():
            found = server_error(codes, int(status))
            if found:
                classes[case_id] = found
        failed = failure.get("codes") or {}
        failure["server_errors"] = classes
        failure["documented"] = [
            case_id
            for case_id, found in classes.items()
            if found != UNDOCUMENTED and set(failed.get(case_id) or ["?"]) <= SERVER_ERROR_CODES
        ]


def documented_cases(folder: Path) -> set[str]:
    """The case ids whose only failure is a documented 5xx, from a finished run's
    `failures.json` (none without one)."""
    try:
        failures = json.loads((folder / "failures.json").read_text(encoding="utf-8"))
        return {str(cid) for f in failures for cid in f.get("documented") or []}
    except (OSError, ValueError, TypeError, AttributeError):
        return set()


def contract_check(
    failures: list[dict[str, Any]], confirmed: list[str], unique: int | None, evidence: str
) -> Check:
    """FAIL on each confirmed (not flaky) test case that answered an undocumented 5xx; every
    server error, documented or not, is named per operation in the message."""
    if unique is None:
        message = "Schemathesis left no report to read its server errors from."
        return Check(NAME, Status.INCONCLUSIVE, None, 0, "==", "", message, evidence)
    undocumented = 0
    seen: dict[tuple[str, str], list[int]] = {}
    for failure in failures:
        operation = str(failure["operation"])
        for case_id, found in (failure.get("server_errors") or {}).items():
            if found == UNDOCUMENTED:
                if f"{operation} ({case_id})" not in confirmed:
                    continue  # a flaky one is shown by the flaky check
                undocumented += 1
            seen.setdefault((operation, found), []).append(int(failure["statuses"][case_id]))
    message = "; ".join(_entry(op, found, statuses) for (op, found), statuses in seen.items())
    status = Status.FAIL if undocumented else Status.PASS
    message += "." if message else ""
    return Check(NAME, status, undocumented, 0, "==", "", message, evidence)


def _entry(operation: str, found: str, statuses: list[int]) -> str:
    shown = "/".join(str(s) for s in sorted(set(statuses)))
    cases = f"{len(statuses)} test case(s)"
    if found == UNDOCUMENTED:
        return f"{operation}: {found} ({shown}, {cases})"
    return f"{operation}: {found} ({cases}; the document declares it: not a contract failure)"
