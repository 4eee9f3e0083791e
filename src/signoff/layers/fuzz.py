"""The fuzz layer: Schemathesis against the service's OpenAPI document, with a valid credential.

Against a deployment (`--stack url`) only read operations are fuzzed unless the user allowed
writes (`[stack] url_writes`, or per operation `url_write_operations`); the record says which.

Every operation of the document must be exercised; failures are kept with the curl command that
reproduces each one (`failures.json`, `failures.md`) beside Schemathesis' JUnit and JSON reports.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signoff import openapi
from signoff.errors import ControlUnsupported, StackError, UsageError
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Check, LayerRecord, Status, judge, threshold_check, write_record
from signoff.rundir import layer_dir
from signoff.stack.interface import StackHandle
from signoff.stack.select import choose_provider


def operations(document: dict[str, Any]) -> list[str]:
    """`METHOD /path` of every operation the OpenAPI document declares."""
    return [op.name for op in openapi.operations(document)]


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
    """Failures from Schemathesis' JUnit report: operation, message and the curl reproducers."""
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
                }
            )
    return failures


# Operations that revoke the caller's own credential (`[fuzz] last_operations`) run in a pass of
# their own, last, with a fresh credential: the first pass keeps a valid one for every other.
LAST_PASS_MAX_TIME = 8


def command(
    settings: dict[str, Any],
    schema: Path,
    base_url: str,
    headers: dict[str, str],
    out: Path,
    name: str,
) -> list[str]:
    st = shutil.which("st") or shutil.which("schemathesis")
    prefix = [st] if st else [sys.executable, "-m", "schemathesis.cli"]
    # Per-operation expectations the OpenAPI document cannot state live in a Schemathesis config.
    config_file = str(settings.get("config_file") or "")
    argv = [
        *prefix,
        *(["--config-file", config_file] if config_file else []),
        "run",
        str(schema),
        f"--url={base_url}",
        f"--checks={settings['checks']}",
        f"--max-examples={int(settings['max_examples'])}",
        f"--max-time={int(settings['max_time'])}",
        f"--phases={settings['phases']}",
        f"--workers={int(settings['workers'])}",
        f"--seed={int(settings['seed'])}",
        f"--request-timeout={float(settings['request_timeout'])}",
        *[item for k, v in headers.items() for item in ("--header", f"{k}: {v}")],
        "--report=junit,json",
        f"--report-junit-path={out / f'{name}-junit.xml'}",
        f"--report-json-path={out / f'{name}-report.json'}",
        "--continue-on-failure",
        "--no-shrink",
        "--no-color",
    ]
    excluded = list(settings["exclude_checks"])
    if excluded:
        argv.append(f"--exclude-checks={','.join(excluded)}")
    return argv


def passes(
    document: dict[str, Any], last: list[str], allowed: list[str] | None = None
) -> list[tuple[str, list[str]]]:
    """(name, filter arguments) of each Schemathesis pass, the credential-revoking one last.

    `allowed`: when not None, only these operations may be sent (a read-only deployment).
    """
    names = operations(document)
    chosen = names if allowed is None else [n for n in names if n in allowed]
    late = [n for n in chosen if n in last]
    early = [n for n in chosen if n not in late]
    if allowed is None:
        main = [f"--exclude-name={n}" for n in late]
    else:
        main = [f"--include-name={n}" for n in early]
    found = [("main", main)] if early else []
    if late:
        found.append(("last", [f"--include-name={n}" for n in late]))
    return found


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


def _write_failures(folder: Path, failures: list[dict[str, Any]]) -> None:
    (folder / "failures.json").write_text(json.dumps(failures, indent=2), encoding="utf-8")
    lines = ["# Schemathesis failures", ""]
    if not failures:
        lines.append("None.")
    for item in failures:
        lines += [f"## {item['operation']}", "", "```", item["message"], "```", ""]
    (folder / "failures.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _schemathesis(
    argv: list[str], log: Path, timeout: float, cwd: Path, headers: dict[str, str]
) -> int:
    with log.open("a", encoding="utf-8") as out:
        out.write("$ " + " ".join(_masked(argv, headers)) + "\n")
        out.flush()
        try:
            done = subprocess.run(
                argv, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False, cwd=cwd
            )
        except FileNotFoundError as exc:
            raise StackError("Schemathesis is not installed (pip install schemathesis).") from exc
        except subprocess.TimeoutExpired:
            out.write(f"Schemathesis did not finish within {timeout:g} s.\n")
            return -1
    return done.returncode


def _masked(argv: list[str], headers: dict[str, str] | None = None) -> list[str]:
    """`argv` with credentials shown as *** (an auth scheme such as "Bearer" stays)."""
    shown = {}
    for key, value in (headers or {}).items():
        scheme, _, rest = value.partition(" ")
        shown[f"{key}: {value}"] = f"{key}: {scheme} ***" if rest else f"{key}: ***"
    return [shown.get(a, a) for a in argv]


def _fresh_headers(handle: StackHandle) -> dict[str, str]:
    """Headers of a new identity, so a revoking operation cannot revoke the main credential."""
    try:
        token = handle.controls.new_credential("signoff-fuzz-last")
    except ControlUnsupported:
        return handle.headers
    name, value = next(iter(handle.headers.items()), ("", ""))
    if not name:
        return {}
    return {name: value.replace(handle.token, token)}


SERVICE_ENV = "--signoff-service-env="


def split_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """`--signoff-service-env=KEY=VALUE` items (the embedded service's environment) and the rest,
    which go to Schemathesis."""
    env: dict[str, str] = {}
    rest: list[str] = []
    for arg in args:
        if not arg.startswith(SERVICE_ENV):
            rest.append(arg)
            continue
        key, sep, value = arg.removeprefix(SERVICE_ENV).partition("=")
        if not sep or not key:
            raise UsageError(f"{SERVICE_ENV}KEY=VALUE is needed, not {arg!r}.")
        env[key] = value
    return env, rest


def stack_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """`--stack` and `--base-url` given after the layer's name (as `nox -s fuzz -- ...` does)."""
    found: dict[str, str] = {}
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        name, sep, value = arg.partition("=")
        if name in ("--stack", "--base-url"):
            found[name] = value if sep else next(items, "")
        else:
            rest.append(arg)
    return found, rest


def run(ctx: LayerContext) -> LayerRecord:
    settings = ctx.config.section("fuzz")
    given, args = stack_args(ctx.args)
    ctx = replace(
        ctx,
        stack=given.get("--stack", ctx.stack),
        base_url=given.get("--base-url", ctx.base_url),
        args=args,
    )
    service_env, st_args = split_args(ctx.args)
    folder = layer_dir(ctx.run_dir, "fuzz")
    report_dir = folder / "schemathesis"
    report_dir.mkdir(exist_ok=True)
    schema_file = folder / "openapi.json"
    log = folder / "schemathesis.log"
    log.write_text("", encoding="utf-8")
    local = ctx.stack != "url" and not ctx.base_url
    coverage_dir = ctx.run_dir / "coverage" if local else None
    provider = choose_provider(
        ctx.config,
        folder / "stack-logs",
        ctx.stack,
        ctx.base_url,
        coverage_dir=coverage_dir,
        service_env=service_env or None,
    )
    codes: list[int] = []
    argvs: list[list[str]] = []
    started = datetime.now(UTC)
    with provider as handle:
        document = openapi.fetch(handle, ctx.config.root, schema_file)
        allowed = None if handle.writes else [n for n in operations(document) if handle.may_send(n)]
        plan = passes(document, list(settings["last_operations"]), allowed)
        secrets: dict[str, str] = {}
        for name, filters in plan:
            headers = handle.headers if name == "main" else _fresh_headers(handle)
            secrets.update(headers)
            pass_settings = dict(settings)
            if settings["config_file"]:
                pass_settings["config_file"] = str(ctx.config.root / str(settings["config_file"]))
            if name != "main":  # few operations: a short budget keeps the layer near max_time
                pass_settings["max_time"] = min(int(settings["max_time"]), LAST_PASS_MAX_TIME)
            argv = [
                *command(pass_settings, schema_file, handle.base_url, headers, report_dir, name),
                *filters,
                *st_args,
            ]
            argvs.append(_masked(argv, headers))
            codes.append(
                _schemathesis(argv, log, float(settings["max_time"]) + 120, folder, headers)
            )
        mode = (
            "read and write"
            if handle.writes
            else (f"read-only ({len(allowed or [])} operations allowed)")
        )
    return _record(ctx, folder, document, report_dir, codes, argvs, started, plan, allowed, mode)


def _record(
    ctx: LayerContext,
    folder: Path,
    document: dict[str, Any],
    report_dir: Path,
    codes: list[int],
    argvs: list[list[str]],
    started: datetime,
    plan: list[tuple[str, list[str]]],
    allowed: list[str] | None,
    mode: str,
) -> LayerRecord:
    declared_ops = operations(document) if allowed is None else allowed
    names = [name for name, _ in plan]
    raw: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for name in names:
        try:
            raw.append(json.loads((report_dir / f"{name}-report.json").read_text("utf-8")))
        except (OSError, ValueError):
            raw.append({})
        failures += junit_failures(report_dir / f"{name}-junit.xml")
    report = merge_reports(raw)
    _write_failures(folder, failures)
    tested = int(report["operations"]["tested"]) if report else None
    unique = int(report["test_cases"]["unique_failures"]) if report else None
    errors = sum(int(e.get("count", 0)) for e in report.get("errors", [])) if report else None
    refs = external_refs(document)
    evidence = relative(ctx.run_dir, folder / "failures.md")
    checks: list[Check] = [
        threshold_check("fuzzing failures", unique, "==", 0, "", evidence),
        threshold_check("fuzzing errors", errors, "==", 0, "", relative(ctx.run_dir, folder)),
        threshold_check(
            "operations exercised",
            tested,
            ">=",
            len(declared_ops),
            "",
            relative(ctx.run_dir, report_dir),
        ),
        Check(
            "self-contained OpenAPI document",
            Status.PASS if not refs else Status.FAIL,
            len(refs),
            0,
            "==",
            "",
            "" if not refs else f"The OpenAPI document references external assets: {refs[:3]}.",
            relative(ctx.run_dir, folder / "openapi.json"),
        ),
    ]
    if failures:
        operations_hit = sorted({f["operation"] for f in failures})
        first = failures[0]
        title = next(
            (
                ln.strip("- ").strip()
                for ln in first["message"].splitlines()
                if ln.strip().startswith("- ")
            ),
            first["kind"],
        )
        checks[0] = Check(
            "fuzzing failures",
            Status.FAIL,
            unique if unique is not None else len(failures),
            0,
            "==",
            "",
            f"Schemathesis found failures in {len(operations_hit)} operation(s) "
            f"({', '.join(operations_hit[:5])}); first: {first['operation']}: {title}.",
            evidence,
        )
    declared = {"operations": len(declared_ops)}
    evaluated = {"operations": tested or 0}
    status, reasons = judge(checks, declared, evaluated)
    from importlib.metadata import version

    cases = report.get("test_cases") or {}
    artifacts = {"failures": relative(ctx.run_dir, folder / "failures.json")}
    artifacts.update(
        {
            path.name: relative(ctx.run_dir, path)
            for path in [
                folder / "schemathesis.log",
                folder / "openapi.json",
                *report_dir.iterdir(),
            ]
            if path.exists()
        }
    )
    record = LayerRecord(
        layer="fuzz",
        status=status,
        summary=f"{tested or 0} of {len(declared_ops)} operations, "
        f"{cases.get('generated', 0)} test cases, {len(failures)} failing operations ({mode})",
        declared=declared,
        evaluated=evaluated,
        figures={
            "test_cases": cases.get("generated"),
            "unique_failures": unique,
            "failing_operations": len({f["operation"] for f in failures}),
            "running_time_s": report.get("running_time"),
            "seed": report.get("seed"),
            "exit_codes": codes,
            "commands": [" ".join(a) for a in argvs],
            "mode": mode,
            "excluded_operations": sorted(set(operations(document)) - set(declared_ops)),
        },
        checks=checks,
        artifacts=artifacts,
        tools={"schemathesis": version("schemathesis")},
        reasons=reasons,
        started_at=started.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        duration_s=round((datetime.now(UTC) - started).total_seconds(), 3),
    )
    write_record(folder, record)
    return record
