"""The security layer: bandit, pip-audit against an advisory source, live HTTP checks, waivers
and the score, judged fail-closed. Policy lives in `audits/`; the formula in audits/SCORING.md.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from signoff.errors import SignoffError
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import LayerRecord, judge, write_record
from signoff.rundir import layer_dir
from signoff.security import waivers as waivers_mod
from signoff.security.advisories import AdvisoryDB
from signoff.security.bandit_runner import run_bandit
from signoff.security.gate import Evidence, evaluate
from signoff.security.http_checks import run_checks
from signoff.security.osv_server import OsvServer
from signoff.security.pip_audit_runner import requirement_names, run_pip_audit
from signoff.stack.select import choose_provider

LAYER = "audit"


class _Audit:
    """Runs each part into `evidence`; a part that cannot run says why in `evidence.problems`."""

    def __init__(self, ctx: LayerContext, today: date) -> None:
        self.ctx = ctx
        self.settings = ctx.config.section(LAYER)
        self.root = ctx.config.root
        self.folder = layer_dir(ctx.run_dir, LAYER)
        self.today = today
        self.evidence = Evidence(http_enabled=bool(self.settings["http_checks"]))
        self.source: dict[str, Any] = {"source": str(self.settings["source"])}
        self.warnings: list[str] = []

    def path(self, key: str) -> Path:
        return (self.root / str(self.settings[key])).resolve()

    def keep(self, name: str, path: Path) -> None:
        if path.is_file():
            self.evidence.artifacts[name] = relative(self.ctx.run_dir, path)

    def bandit(self) -> None:
        config = self.path("bandit_config")
        output = self.folder / "bandit.json"
        paths = [(self.root / str(p)).resolve() for p in self.settings["bandit_paths"]]
        try:
            self.evidence.bandit = run_bandit(
                paths,
                self.root,
                output,
                config if config.is_file() else None,
                float(self.settings["tool_timeout"]),
            )
        except SignoffError as exc:
            self.evidence.problems["bandit"] = exc.message
        self.keep("bandit", output)

    def pip_audit(self) -> None:
        source = str(self.settings["source"])
        requirements = self.path("requirements")
        output = self.folder / "pip-audit.json"
        timeout = float(self.settings["tool_timeout"])
        try:
            self.evidence.declared_dependencies = len(requirement_names(requirements))
            if self.evidence.declared_dependencies == 0:
                self.evidence.problems["pip-audit"] = f"{requirements} names no dependencies."
                return
            if source == "offline":
                db = AdvisoryDB(self.path("advisory_db"))
                self.snapshot(db)
                with OsvServer(db) as server:
                    self.evidence.audit = run_pip_audit(
                        requirements, output, source, server.url, db, timeout
                    )
                    self.source["queries"] = server.queries
            else:
                self.evidence.audit = run_pip_audit(
                    requirements, output, source, None, None, timeout
                )
        except SignoffError as exc:
            self.evidence.problems["pip-audit"] = exc.message
        self.keep("pip_audit", output)

    def snapshot(self, db: AdvisoryDB) -> None:
        info = db.info(self.today)
        self.source.update(asdict(info))
        limit = int(self.settings["max_age_days"])
        if info.age_days is None:
            self.warnings.append(
                f"The advisory snapshot {info.path} has no date; its age is unknown."
            )
        elif info.age_days > limit:
            self.warnings.append(
                f"The advisory snapshot is {info.age_days} days old (from "
                f"{info.snapshot_date}, warning past {limit}); advisories "
                "published since are missing."
            )

    def http(self) -> None:
        if not self.evidence.http_enabled:
            return
        output = self.folder / "http-checks.json"
        try:
            with choose_provider(
                self.ctx.config, self.folder / "stack-logs", self.ctx.stack, self.ctx.base_url
            ) as handle:
                checker = run_checks(handle.base_url, handle.api_key, self.settings)
        except SignoffError as exc:
            self.evidence.problems["http"] = exc.message
            return
        self.evidence.probes, self.evidence.unreached = checker.probes, checker.unreached
        payload = {
            "base_url": handle.base_url,
            "provider": handle.provider,
            "probes": [p.to_json() for p in checker.probes],
            "unreached": checker.unreached,
        }
        output.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        self.keep("http_checks", output)


def run(ctx: LayerContext) -> LayerRecord:
    began, started = time.perf_counter(), datetime.now(UTC).isoformat()
    today = date.today()
    audit = _Audit(ctx, today)
    waivers = waivers_mod.load(audit.path("waivers"))  # a malformed file stops before any work
    audit.keep("waivers", audit.path("waivers"))
    audit.bandit()
    audit.pip_audit()
    audit.http()
    verdict = evaluate(audit.evidence, waivers, today, float(audit.settings["threshold"]))
    status, reasons = judge(verdict.checks, verdict.declared, verdict.evaluated)
    ev = audit.evidence
    tools = {
        "bandit": ev.bandit.version if ev.bandit else "",
        "pip-audit": ev.audit.version if ev.audit else "",
    }
    summary = verdict.summary
    if audit.warnings:
        summary += f"; warning: {audit.warnings[0]}"
    record = LayerRecord(
        layer=LAYER,
        status=status,
        summary=summary,
        declared=verdict.declared,
        evaluated=verdict.evaluated,
        figures={**verdict.figures, "advisory_source": audit.source, "warnings": audit.warnings},
        checks=verdict.checks,
        artifacts=ev.artifacts,
        tools={name: version for name, version in tools.items() if version},
        reasons=reasons,
        started_at=started,
        finished_at=datetime.now(UTC).isoformat(),
        duration_s=round(time.perf_counter() - began, 3),
    )
    write_record(audit.folder, record)
    return record
