"""The fuzz layer's own checks: failures that came back on replay, flaky ones, the document."""

from __future__ import annotations

from typing import Any

from signoff import records
from signoff.fuzz.replay import FLAKY
from signoff.fuzz.results import first_title
from signoff.probes.contract import UNDOCUMENTED
from signoff.records import Check, Status, threshold_check


def failures_check(
    failures: list[dict[str, Any]],
    confirmed: list[str],
    unique: int | None,
    replay_note: str,
    evidence: str,
) -> Check:
    """Failing test cases that reproduced on replay (or could not be replayed); none may stay."""
    if unique is None:
        return threshold_check("fuzzing failures", None, "==", 0, "", evidence)
    # A report that counts failures the JUnit file does not show is trusted over the JUnit file.
    shown = any(f["kind"] == "failure" for f in failures)
    count = len(confirmed) if shown else unique
    if not count:
        return threshold_check("fuzzing failures", 0, "==", 0, "", evidence)
    hit = [f for f in failures if f["kind"] == "failure" and _confirmed_in(f, confirmed)]
    hit = hit or failures
    ops = sorted({f["operation"] for f in hit})
    first = _first(hit[0]) if hit else "see the Schemathesis log"
    message = (
        f"Schemathesis found {count} failing test case(s) in {len(ops)} operation(s) "
        f"({', '.join(ops[:5])}); first: {first}."
    )
    if replay_note:
        message += f" {replay_note}"
    return Check("fuzzing failures", Status.FAIL, count, 0, "==", "", message, evidence)


def _first(failure: dict[str, Any]) -> str:
    """The operation and the failure's title, with the class of an answer outside the contract
    (`servererrors.mark`): "GET /r: ST101 Server error (undocumented server error)"."""
    title = first_title(failure)
    if UNDOCUMENTED in (failure.get("server_errors") or {}).values():
        title += f" ({UNDOCUMENTED})"
    return f"{failure['operation']}: {title}"


def _confirmed_in(failure: dict[str, Any], confirmed: list[str]) -> bool:
    labels = [f"{failure['operation']} ({cid})" for cid in failure.get("case_ids") or []]
    labels.append(f"{failure['operation']} (no test case id)")
    return any(label in confirmed for label in labels)


def flaky_check(flaky: list[str], fail_on_flaky: bool, evidence: str) -> Check:
    """Failures that passed every replay: shown, and gating only with `fail_on_flaky`."""
    message = (
        f"{len(flaky)} failing test case(s) did not reproduce on replay ({FLAKY}): "
        f"{', '.join(flaky[:5])}."
    )
    return records.flaky_check("flaky findings", len(flaky), message, fail_on_flaky, evidence)


def refs_check(refs: list[str], evidence: str) -> Check:
    return Check(
        "self-contained OpenAPI document",
        Status.PASS if not refs else Status.FAIL,
        len(refs),
        0,
        "==",
        "",
        "" if not refs else f"The OpenAPI document references external assets: {refs[:3]}.",
        evidence,
    )
