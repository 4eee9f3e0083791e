"""The security layer: bandit, pip-audit against an advisory source, live HTTP checks, waivers
and the score, judged fail-closed. Policy lives in `audits/`; the formula in audits/SCORING.md.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from signoff.config import Config
from signoff.errors import ConfigError, EvidenceError, SignoffError
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Evidence
from signoff.security import gate, lockfiles, sarif
from signoff.security import waivers as waivers_mod
from signoff.security.advisories import AdvisoryDB
from signoff.security.bandit_runner import run_bandit
from signoff.security.http_checks import run_checks
from signoff.security.osv_server import OsvServer
from signoff.security.pip_audit_runner import AuditResult, requirement_names, run_pip_audit

DB_ENV = "SIGNOFF_ADVISORY_DB"


def _problem(exc: SignoffError) -> str:
    return exc.message + (f" Tip: {exc.hint}" if exc.hint else "")


class _Audit:
    """Runs each part into `evidence`; a part that cannot run says why in `evidence.problems`."""

    def __init__(self, ctx: LayerContext, today: date) -> None:
        self.ctx = ctx
        self.settings = ctx.config.audit
        self.root = ctx.config.root
        self.folder = ctx.folder
        self.today = today
        self.evidence = gate.Evidence(http_enabled=self.settings.http_checks)
        self.source: dict[str, Any] = {"source": self.settings.source}
        self.warnings: list[str] = []
        # which file said what the service depends on, for the record
        self.dependencies: dict[str, Any] = {}
        self.dependency_path: Path | None = None

    def path(self, value: str) -> Path | None:
        """A setting's file relative to the project root ("": none)."""
        return (self.root / value).resolve() if value else None

    def advisory_source(self) -> tuple[str, Path | None]:
        """The pip-audit source, and the OSV snapshot (a folder or an archive) behind the
        offline one."""
        source = self.settings.source
        given = os.environ.get(DB_ENV) or self.settings.advisory_db
        if source not in ("auto", "offline"):
            return source, None
        if not given:
            if source == "offline":
                raise EvidenceError(
                    "The offline advisory source needs a folder or an archive of advisories.",
                    hint=f"set [tool.signoff.audit] advisory_db or {DB_ENV}.",
                )
            return "pypi", None
        snapshot = (self.root / given).resolve()
        if not snapshot.exists():
            raise ConfigError(
                f"The advisory database {snapshot} does not exist, so no dependency was audited.",
                hint=f"point [tool.signoff.audit] advisory_db or {DB_ENV} at a folder of OSV "
                "advisories (the Python Packaging Advisory Database) or an archive of one, "
                'or set source = "pypi".',
            )
        return "offline", snapshot

    def keep(self, name: str, path: Path) -> None:
        if path.is_file():
            self.evidence.artifacts[name] = relative(self.ctx.run_dir, path)

    def bandit(self) -> None:
        config = self.path(self.settings.bandit_config)
        output = self.folder / "bandit.json"
        paths = [(self.root / p).resolve() for p in self.ctx.config.target.source_paths]
        try:
            if not paths:
                raise EvidenceError(
                    "The target names no source folder to scan.",
                    hint="set [tool.signoff.target] source_paths.",
                )
            self.evidence.bandit = run_bandit(
                paths,
                self.root,
                output,
                config if config is not None and config.is_file() else None,
                self.settings.tool_timeout,
            )
        except SignoffError as exc:
            self.evidence.problems["bandit"] = _problem(exc)
        self.keep("bandit", output)

    def pip_audit(self) -> None:
        output = self.folder / "pip-audit.json"
        timeout = self.settings.tool_timeout
        try:
            requirements = self.requirements()
            source, snapshot = self.advisory_source()
            self.source["source"] = source
            self.evidence.declared_dependencies = len(requirement_names(requirements))
            if self.evidence.declared_dependencies == 0:
                problem = f"{self.dependency_path} names no dependencies."
                self.evidence.problems["pip-audit"] = problem
                return
            if snapshot is not None:
                db = AdvisoryDB(snapshot)
                self.snapshot(db)
                self.evidence.audit = self.offline(requirements, output, db, timeout)
            else:
                self.evidence.audit = run_pip_audit(
                    requirements, output, source, None, None, timeout
                )
        except SignoffError as exc:
            self.evidence.problems["pip-audit"] = _problem(exc)
        self.keep("pip_audit", output)
        self.keep("pip_audit_log", output.parent / "pip-audit.log")

    def requirements(self) -> Path:
        """The pinned requirements pip-audit audits: the file the target names, or the pins of a
        lockfile (named, or the one in the project root) written into the layer's folder."""
        target = self.ctx.config.target
        path, how = self.dependency_file(target.requirements)
        self.dependency_path = path
        self.dependencies = {"file": os.path.relpath(path, self.root), "how": how}
        if lockfiles.kind(path) is None:
            if target.dependency_groups:
                raise ConfigError(
                    f"[tool.signoff.target] dependency_groups names groups, and {path} is a "
                    "requirements file, which has none.",
                    hint="name the service's lockfile in requirements, or set "
                    "dependency_groups = [].",
                )
            return path
        locked = lockfiles.read(path, target.dependency_groups)
        pins = self.folder / f"pins-from-{path.name}.txt"
        pins.write_text(locked.requirements(), encoding="utf-8")
        self.keep("pins", pins)
        self.dependencies.update(groups=["main", *locked.groups], pins=len(locked.pins))
        if locked.note:
            self.warnings.append(locked.note)
        return pins

    def dependency_file(self, named: str) -> tuple[Path, str]:
        """The file that says which dependencies the service has, and how it was chosen."""
        if named:
            return (self.root / named).resolve(), "named by [target] requirements"
        found = lockfiles.found_in(self.root)
        if len(found) == 1:
            return found[0], "the one lockfile in the project root"
        if found:
            raise EvidenceError(
                "The target names no requirements file to audit, and the project root has "
                f"{len(found)} lockfiles ({', '.join(p.name for p in found)}).",
                hint="set [tool.signoff.target] requirements to the one the service installs.",
            )
        raise EvidenceError(
            "The target names no requirements file to audit.",
            hint="set [tool.signoff.target] requirements to its pinned requirements or its "
            "lockfile (uv.lock, poetry.lock, pylock.toml).",
        )

    def offline(
        self, requirements: Path, output: Path, db: AdvisoryDB, timeout: float
    ) -> AuditResult:
        """pip-audit against the loopback endpoint; an answer the endpoint could not build is
        the reason the audit failed, whatever pip-audit made of it."""
        with OsvServer(db) as server:
            try:
                result = run_pip_audit(requirements, output, "offline", server.url, db, timeout)
            except EvidenceError:
                if not server.errors:
                    raise
            finally:
                self.source["queries"] = server.queries
                self.source["endpoint_errors"] = server.errors
        if server.errors:
            raise EvidenceError(
                f"The offline OSV endpoint could not answer: {server.errors[0]}.",
                hint=f"check the advisory files in {db.path}.",
            )
        return result

    def snapshot(self, db: AdvisoryDB) -> None:
        info = db.info(self.today)
        self.source.update(asdict(info))
        limit = self.settings.max_age_days
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
        """The live HTTP checks, on the stack the harness started for them."""
        handle = self.ctx.handle
        if not self.evidence.http_enabled or handle is None:
            return
        output = self.folder / "http-checks.json"
        try:
            checker = run_checks(handle, self.ctx.config.target, self.settings, self.root)
        except SignoffError as exc:
            self.evidence.problems["http"] = _problem(exc)
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


def work(ctx: LayerContext) -> Evidence:
    """Bandit, pip-audit and the live HTTP checks, each part's evidence judged with the waivers."""
    today = date.today()
    audit = _Audit(ctx, today)
    waivers_file = audit.path(audit.settings.waivers)
    # a malformed file stops before any work
    waivers = waivers_mod.load(waivers_file) if waivers_file else []
    if waivers_file:
        audit.keep("waivers", waivers_file)
    audit.bandit()
    audit.pip_audit()
    audit.http()
    verdict = gate.evaluate(audit.evidence, waivers, today, audit.settings.threshold)
    ev = audit.evidence
    parts = ((ev.bandit, ev.problems.get("bandit")), (ev.audit, ev.problems.get("pip-audit")))
    dependency_file = str(audit.dependencies.get("file", ""))
    for name, path in sarif.write(
        audit.folder, *parts, waivers, today, audit.root, dependency_file
    ).items():
        audit.keep(name, path)
    tools = {
        "bandit": ev.bandit.version if ev.bandit else "",
        "pip-audit": ev.audit.version if ev.audit else "",
    }
    summary = verdict.summary
    if audit.dependencies.get("how", "").startswith("the one lockfile"):
        summary += f"; audited {audit.dependencies['file']}, the one lockfile in the project root"
    if audit.warnings:
        summary += f"; warning: {audit.warnings[0]}"
    return Evidence(
        checks=verdict.checks,
        declared=verdict.declared,
        evaluated=verdict.evaluated,
        figures={
            **verdict.figures,
            "advisory_source": audit.source,
            "dependency_file": audit.dependencies,
            "warnings": audit.warnings,
        },
        artifacts=ev.artifacts,
        tools={name: version for name, version in tools.items() if version},
        summary=summary,
    )


def _http_checks(config: Config) -> bool:
    return config.audit.http_checks


# The HTTP checks send writes too (without a credential, or with bad bodies): a stack of its own.
LAYER = Layer(
    "audit",
    "Security: bandit, pip-audit (advisory database), live HTTP checks, waivers, score.",
    work,
    stack="own",
    stack_when=_http_checks,
)
