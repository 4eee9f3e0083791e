"""An answer's status held against the responses the OpenAPI document declares for its
operation: a 5xx the document does not name is outside the contract. The faults layer judges
its reads here, and the fuzz layer classifies its server errors here."""

from __future__ import annotations

from typing import Any

from signoff.openapi import Operation
from signoff.probes.resources import template_of
from signoff.records import Check, Status

UNDOCUMENTED = "undocumented server error"


def documented(document: dict[str, Any], operation: Operation) -> list[str]:
    """The response codes the document declares for an operation ("503", "5XX", "default")."""
    return declared(document, operation.name)


def declared(document: dict[str, Any], name: str) -> list[str]:
    """The response codes declared for the operation named "METHOD /path" (as Schemathesis
    labels it)."""
    method, _, path = name.partition(" ")
    item = (document.get("paths") or {}).get(path) or {}
    responses = (item.get(method.lower()) or {}).get("responses") or {}
    return [str(code) for code in responses]


def server_error(codes: list[str], status: int) -> str | None:
    """How a 5xx stands against the declared `codes`: "documented 503" or "undocumented server
    error"; None below 500. A 500 is never documented: it is what a framework sends for an
    unhandled exception, and declaring it does not make a crash part of the contract."""
    if status < 500:
        return None
    if status != 500 and allows(codes, status):
        return f"documented {status}"
    return UNDOCUMENTED


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
