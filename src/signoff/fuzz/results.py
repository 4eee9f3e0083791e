"""What a Schemathesis run leaves behind, read back: JUnit failures, the JSON summaries of the
passes, and the failures written out for people (`failures.md`) and machines (`failures.json`)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

# Schemathesis numbers each failure of a test case and names the case it was found in.
CASE_ID = re.compile(r"Test Case ID: ([A-Za-z0-9_-]+)")
# Within a case's block: each failed check's "- ST101 Server error" line, then the answer's
# "[503] Service Unavailable:" line (the payload below them is indented).
HEADER = re.compile(r"^\d+\. Test Case ID: ([A-Za-z0-9_-]+)$", re.MULTILINE)
CODE = re.compile(r"^- (ST\d+) ", re.MULTILINE)
STATUS = re.compile(r"^\[(\d{3})\] ", re.MULTILINE)


def external_refs(node: Any) -> list[str]:
    """Every `$ref` that points outside the document: the schema must be self-contained."""
    refs: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            refs.append(ref)
        for value in node.values():
            refs.extend(external_refs(value))
    elif isinstance(node, list):
        for value in node:
            refs.extend(external_refs(value))
    return refs


def junit_failures(junit: Path) -> list[dict[str, Any]]:
    """Failures from Schemathesis' JUnit report: operation, message, the curl reproducers and
    the ids of the failing test cases (which name their stored reproductions)."""
    if not junit.is_file():
        return []
    failures: list[dict[str, Any]] = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        for node in [*case.findall("failure"), *case.findall("error")]:
            text = (node.text or node.get("message") or "").strip()
            curls = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
            failures.append(
                {
                    "operation": case.get("name", ""),
                    "kind": node.tag,
                    "message": text,
                    "reproduce": curls,
                    "case_ids": list(dict.fromkeys(CASE_ID.findall(text))),
                    **case_answers(text),
                }
            )
    return failures


def case_answers(text: str) -> dict[str, dict[str, Any]]:
    """`statuses` (case id -> the status it answered) and `codes` (case id -> the codes of the
    checks it failed) from a JUnit failure's numbered blocks."""
    parts = HEADER.split(text)
    statuses: dict[str, int] = {}
    codes: dict[str, list[str]] = {}
    # split() alternates: text before the first header, then (case id, its block) pairs
    for case_id, block in zip(parts[1::2], parts[2::2], strict=True):
        codes[case_id] = [*codes.get(case_id, []), *CODE.findall(block)]
        status = STATUS.search(block)
        if status:
            statuses[case_id] = int(status.group(1))
    return {"statuses": statuses, "codes": codes}


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary over the passes; an empty dict when any pass wrote no report."""
    if not reports or any(not r for r in reports):
        return {}

    def total(section: str, key: str) -> int:
        return sum(int((r.get(section) or {}).get(key) or 0) for r in reports)

    return {
        "operations": {"tested": total("operations", "tested")},
        "test_cases": {
            "generated": total("test_cases", "generated"),
            "unique_failures": total("test_cases", "unique_failures"),
        },
        "errors": [e for r in reports for e in r.get("errors", [])],
        "running_time": round(sum(float(r.get("running_time") or 0) for r in reports), 3),
        "seed": reports[0].get("seed"),
    }


def read_passes(report_dir: Path, names: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The merged JSON summary and every JUnit failure of the named passes."""
    raw: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for name in names:
        try:
            raw.append(json.loads((report_dir / f"{name}-report.json").read_text("utf-8")))
        except (OSError, ValueError):
            raw.append({})
        failures += junit_failures(report_dir / f"{name}-junit.xml")
    return merge_reports(raw), failures


def first_title(failure: dict[str, Any]) -> str:
    """The first "- Title" line of a failure message, e.g. "ST201 Schema-violating request…"."""
    lines = str(failure["message"]).splitlines()
    found = (ln.strip("- ").strip() for ln in lines if ln.strip().startswith("- "))
    return next(found, str(failure["kind"]))


def write_failures(
    folder: Path,
    failures: list[dict[str, Any]],
    verdicts: dict[str, str] | None = None,
    note: str = "",
) -> None:
    """`failures.json` and `failures.md`; `verdicts` (case id -> replay verdict) when replayed,
    with why a case could not be replayed from `replay.json`, and `note` when the replay as a
    whole could not run."""
    verdicts = verdicts or {}
    why = replay_reasons(folder)
    for item in failures:
        item["replay"] = {cid: verdicts[cid] for cid in item.get("case_ids", []) if cid in verdicts}
    (folder / "failures.json").write_text(json.dumps(failures, indent=2), encoding="utf-8")
    lines = ["# Schemathesis failures", "", *([note, ""] if note else [])]
    if not failures:
        lines.append("None.")
    for item in failures:
        lines += [f"## {item['operation']}", ""]
        lines += [
            f"- replay of test case {cid}: {v}" + (f" ({why[cid]})" if cid in why else "")
            for cid, v in item["replay"].items()
        ]
        lines += server_error_lines(item)
        lines += ["", "```", item["message"], "```", ""]
    (folder / "failures.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def replay_reasons(folder: Path) -> dict[str, str]:
    """case id -> why its replay could not run, from the run's `replay.json` ({} without one)."""
    try:
        found = json.loads((folder / "replay.json").read_text(encoding="utf-8"))["findings"]
        return {str(f["case_id"]): str(f["reason"]) for f in found if f.get("reason")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def server_error_lines(item: dict[str, Any]) -> list[str]:
    """How each of a failure's 5xx answers stands against the contract (`servererrors.mark`)."""
    lines = []
    for cid, found in (item.get("server_errors") or {}).items():
        status = str(item["statuses"][cid])
        line = f"- test case {cid}: {found}" + ("" if status in found else f" ({status})")
        if cid in (item.get("documented") or []):
            line += "; the document declares it: not a contract failure"
        lines.append(line)
    return lines
