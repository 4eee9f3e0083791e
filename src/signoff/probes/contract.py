"""An answer's status held against the responses the OpenAPI document declares for its
operation: a 5xx the document does not name is outside the contract."""

from __future__ import annotations

from typing import Any

from signoff.openapi import Operation
from signoff.probes.resources import template_of
from signoff.records import Check, Status


def documented(document: dict[str, Any], operation: Operation) -> list[str]:
    """The response codes the document declares for an operation ("503", "5XX", "default")."""
    item = (document.get("paths") or {}).get(operation.path) or {}
    responses = (item.get(operation.method) or {}).get("responses") or {}
    return [str(code) for code in responses]


def allows(codes: list[str], status: int) -> bool:
    """Whether a declared response covers `status` (its code, its range, or `default`)."""
    return (
        str(status) in codes
        or f"{status // 100}XX" in {c.upper() for c in codes}
        or ("default" in codes)
    )


def fault_check(
    name: str,
    operations: list[Operation],
    document: dict[str, Any],
    status: int | None,
    fault: str,
    evidence: str,
) -> Check:
    """The check of one read's answer while `fault` holds: an undocumented 5xx FAILS, no
    answer at all is INCONCLUSIVE (nothing was measured), anything else passes."""
    path = name.split(" ", 1)[1].split("?", 1)[0]
    operation = template_of(path, operations)
    codes = documented(document, operation) if operation else []
    shown = "/".join(code for code in codes if code.startswith("5") or code == "default")
    expected = f"a documented status ({shown or 'no 5xx documented'})"
    check = f"{name}: documented answer with {fault}"
    if status is None:
        message = f"{name} gave no answer with {fault}."
        return Check(check, Status.INCONCLUSIVE, None, expected, "==", "", message, evidence)
    ok = status < 500 or allows(codes, status)
    message = (
        f"{name} answered {status} with {fault}; the OpenAPI document declares "
        f"{', '.join(codes) or 'no responses'} for it (evidence: {evidence})."
    )
    return Check(
        check,
        Status.PASS if ok else Status.FAIL,
        status,
        expected,
        "==",
        "",
        "" if ok else message,
        evidence,
    )
