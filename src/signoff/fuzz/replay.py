"""Replay a fuzz run's failures against a fresh stack, to tell real findings from flaky ones.

Schemathesis stores each failing test case as a crash file: the whole request sequence that led
to it, with stateful links re-evaluated against the live responses on replay, so a failure found
deep in a stateful scenario is sent again faithfully on a stack that has never seen the run.
`st replay` tries each one up to three times. A case that fails again is REPRODUCED; one that
passes every replay is FLAKY; one whose replay could not run is an ERROR and counts as a failure.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signoff import children
from signoff.config import Config
from signoff.errors import (
    ConfigError,
    ControlUnsupported,
    SignoffError,
    StackError,
    UsageError,
)
from signoff.fuzz.command import masked, st_prefix
from signoff.fuzz.servererrors import documented_cases
from signoff.stack.interface import StackHandle, absolute
from signoff.stack.select import choose_provider

REPRODUCED = "REPRODUCED"
FLAKY = "FLAKY"
ERROR = "ERROR"
PLAN = "fuzz-plan.json"
CRASHES = ".schemathesis"  # Schemathesis' store, under the directory it ran in
REPLAY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Finding:
    """One failing test case: its stored reproductions (one file per failed check)."""

    case_id: str
    operation: str
    checks: list[str]
    files: list[str]  # relative to the fuzz folder


def findings(folder: Path) -> list[Finding]:
    """Every failing test case the run stored, by case id."""
    grouped: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob(f"{CRASHES}/*/cache/crashes/*.json")):
        if path.name == "manifest.json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            case_id, operation = str(data["case_id"]), str(data["operation"])
            checks = [str(c["name"]) for c in data["sequence"][-1]["checks"]]
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue  # no verdict for its case, whose failure then stands
        entry = grouped.setdefault(case_id, {"operation": operation, "checks": [], "files": []})
        entry["checks"] += checks
        entry["files"].append(str(path.relative_to(folder)))
    return [
        Finding(case_id, e["operation"], e["checks"], e["files"]) for case_id, e in grouped.items()
    ]


def classify(
    failures: list[dict[str, Any]], verdicts: dict[str, str]
) -> tuple[list[str], list[str]]:
    """(confirmed, flaky) failing test cases of the JUnit failures, by replay verdict.

    Only a case that replayed and passed every time is flaky; a failure without a case id, or
    whose case has no stored reproduction or no clean replay, stays a failure (fail closed).
    A case whose only failure is a 5xx the document declares (`documented`, from
    `servererrors.mark`) is neither.
    """
    confirmed: list[str] = []
    flaky: list[str] = []
    for failure in failures:
        if failure["kind"] != "failure":
            continue  # errors are judged on their own
        ids = failure.get("case_ids") or []
        if not ids:
            confirmed.append(f"{failure['operation']} (no test case id)")
        for case_id in ids:
            if case_id in (failure.get("documented") or ()):
                continue
            label = f"{failure['operation']} ({case_id})"
            (flaky if verdicts.get(case_id) == FLAKY else confirmed).append(label)
    return list(dict.fromkeys(confirmed)), list(dict.fromkeys(flaky))


def write_plan(folder: Path, plan: dict[str, Any]) -> None:
    """What a later replay needs to rebuild the run's stack and credentials."""
    (folder / PLAN).write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")


def replay_run(
    config: Config,
    folder: Path,
    stack: str | None = None,
    base_url: str | None = None,
    name: str = "replay",
    skip: Collection[str] = (),
) -> dict[str, str]:
    """Replay every stored failure of the fuzz folder on a fresh stack (but the case ids in
    `skip`: those whose only failure is a documented 5xx); verdict per case id,
    written to `<name>.json` beside the run's other evidence, whatever happens: a case whose
    replay could not run is an ERROR with the reason, and a stack that did not start leaves
    every case an ERROR before its error is raised."""
    try:
        plan = json.loads((folder / PLAN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(
            f"{folder} holds no fuzz run to replay ({PLAN} is missing or unreadable).",
            hint="pass the run directory or run id of a fuzz layer run, e.g. `reports/latest`.",
        ) from None
    found = [f for f in findings(folder) if f.case_id not in skip]
    verdicts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    try:
        if found:
            _replay_all(config, folder, found, plan, (stack, base_url, name), verdicts, reasons)
    except SignoffError as exc:
        reasons.update({f.case_id: exc.message for f in found if f.case_id not in verdicts})
        raise
    finally:
        write_replay(folder, name, found, verdicts, reasons)
    return verdicts


def write_replay(
    folder: Path,
    name: str,
    found: list[Finding],
    verdicts: dict[str, str],
    reasons: dict[str, str] | None = None,
) -> None:
    """`<name>.json`: each stored failing case with its verdict (ERROR when it has none) and,
    for an ERROR, why; written even when there was nothing to replay."""
    reasons = reasons or {}
    result = {
        "findings": [
            {
                **asdict(f),
                "verdict": verdicts.get(f.case_id, ERROR),
                **({"reason": reasons[f.case_id]} if f.case_id in reasons else {}),
            }
            for f in found
        ]
    }
    (folder / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _replay_all(
    config: Config,
    folder: Path,
    found: list[Finding],
    plan: dict[str, Any],
    where: tuple[str | None, str | None, str],
    verdicts: dict[str, str],
    reasons: dict[str, str],
) -> None:
    """Each finding replayed on one fresh stack, its verdict (and an ERROR's reason) filled in
    as it comes, so a case that cannot be replayed costs no other case its verdict."""
    stack, base_url, name = where
    provider = choose_provider(
        config,
        folder / f"{name}-stack-logs",
        stack or plan.get("stack"),
        base_url or plan.get("base_url"),
        service_env=plan.get("service_env") or None,
    )
    last = set(plan.get("last_operations") or [])
    with provider as handle:
        # Credential-revoking operations go last, each with a credential (and a name) of its own.
        ordered = sorted(found, key=lambda f: f.operation in last)
        for index, finding in enumerate(ordered, 1):
            try:
                headers = handle.headers
                if finding.operation in last:
                    headers = fresh_headers(handle, f"signoff-{name}-{index}")
                verdicts[finding.case_id] = _replay(folder, finding, handle, headers, plan, name)
            except SignoffError as exc:
                verdicts[finding.case_id] = ERROR
                reasons[finding.case_id] = exc.message


def fresh_headers(
    handle: StackHandle, name: str = "signoff-fuzz-last", required: bool = False
) -> dict[str, str]:
    """Headers of a new identity named `name`, so a revoking operation cannot revoke the main
    credential; where the stack cannot make one, the main headers, or an error if `required`."""
    try:
        token = handle.controls.new_credential(name)
    except ControlUnsupported as exc:
        if required:
            raise ConfigError(
                f"[fuzz] separate_identities needs a fresh credential per pass, and the "
                f"{handle.provider} stack cannot make one.",
                hint="fuzz on the embedded stack (--stack local), or set "
                "separate_identities = false.",
            ) from exc
        return handle.headers
    key, value = next(iter(handle.headers.items()), ("", ""))
    if not key:
        return {}
    return {key: value.replace(handle.token, token)}


def _replay(
    folder: Path,
    finding: Finding,
    handle: StackHandle,
    headers: dict[str, str],
    plan: dict[str, Any],
    name: str,
) -> str:
    """REPRODUCED when any of the case's checks failed again, FLAKY when none did."""
    verdicts = []
    for file in finding.files:
        argv = [
            *st_prefix(str(plan.get("config_file") or "")),
            "replay",
            str(folder / file),
            f"--url={handle.base_url}",
            f"--schema-location={_schema_location(folder, handle, plan)}",
            "--keep",  # the stored reproduction is the run's evidence; never let replay delete it
            *[item for k, v in headers.items() for item in ("--header", f"{k}: {v}")],
        ]
        verdicts.append(_run(argv, folder / f"{name}.log", headers))
    if REPRODUCED in verdicts:
        return REPRODUCED
    return ERROR if ERROR in verdicts else FLAKY


def _schema_location(folder: Path, handle: StackHandle, plan: dict[str, Any]) -> str:
    """The fresh stack's own document where it serves one: replayed checks that build requests of
    their own need the base URL a document loaded over HTTP carries, and a file does not."""
    location = handle.openapi or "/openapi.json"
    if location.startswith(("http://", "https://", "/")):
        return absolute(handle.base_url, location)
    return str(folder / str(plan.get("schema", "openapi.json")))


def _run(argv: list[str], log: Path, headers: dict[str, str]) -> str:
    if not shutil.which(argv[0]) and not Path(argv[0]).exists():
        raise StackError("Schemathesis is not installed (pip install schemathesis).")
    with log.open("a", encoding="utf-8") as out:
        out.write("$ " + " ".join(masked(argv, headers)) + "\n")
        out.flush()
        try:
            done = children.run(argv, stdout=out, timeout=REPLAY_TIMEOUT_S)
        except children.TimeoutExpired:
            out.write(f"The replay did not finish within {REPLAY_TIMEOUT_S:g} s.\n")
            return ERROR
    # st replay: 0 every check passed on every attempt, 1 a check failed again, else an error
    return {0: FLAKY, 1: REPRODUCED}.get(done.returncode, ERROR)


def replay_command(
    config: Config, run_dir: Path, stack: str | None = None, base_url: str | None = None
) -> int:
    """`signoff fuzz --replay RUN`: send a run's failing cases again on a fresh stack and print
    which reproduced; exit 1 when any did or could not be replayed, else 0."""
    folder = run_dir / "fuzz"
    name = f"replay-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    verdicts = replay_run(config, folder, stack, base_url, name, documented_cases(folder))
    if not verdicts:
        print(f"{folder}: no stored failing test case to replay.")
        return 0
    found = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    for item in found["findings"]:
        checks = ", ".join(item["checks"])
        print(f"{item['verdict']:11} {item['case_id']:8} {item['operation']}  ({checks})")
        if item.get("reason"):
            print(f"{'':11} {item['reason']}")
    print(f"Replay evidence: {folder / name}.json")
    return 1 if any(v != FLAKY for v in verdicts.values()) else 0
