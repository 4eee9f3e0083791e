"""The smoke layer: a read-only check of a just-deployed service, black-box, in seconds.

It asks the readiness path, the OpenAPI document and the metrics page, then every read
operation twice: with the credential (must answer 2xx) and without one (must answer 401 or 403,
unless the operation is public). It writes nothing, so it is safe against production.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from signoff import openapi
from signoff.config import SmokeSettings
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.records import Check, Evidence, Status
from signoff.stack.interface import StackHandle, absolute
from signoff.target import Target


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def reads(document: dict[str, Any], settings: SmokeSettings) -> tuple[list[str], list[str]]:
    """The read operations to call, and those excluded (with why)."""
    if settings.operations:
        return [n for n in settings.operations if not _matches(n, settings.exclude)], []
    chosen, excluded = [], []
    for op in openapi.operations(document):
        if op.method != "get":
            continue
        if _matches(op.name, settings.exclude):
            excluded.append(f"{op.name}: excluded by [smoke] exclude")
        elif op.params or op.required_query:
            excluded.append(f"{op.name}: needs parameters (name a concrete path in operations)")
        else:
            chosen.append(op.name)
    return chosen, excluded


def _check(name: str, ok: bool, figure: Any, expected: Any, message: str, evidence: str) -> Check:
    return Check(
        name,
        Status.PASS if ok else Status.FAIL,
        figure,
        expected,
        "==",
        "",
        "" if ok else message,
        evidence,
    )


class Smoke:
    def __init__(self, handle: StackHandle, target: Target, settings: SmokeSettings) -> None:
        self.handle = handle
        self.target = target
        self.settings = settings
        self.client = httpx.Client(timeout=settings.timeout, follow_redirects=False)
        self.log: list[dict[str, Any]] = []

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response | None:
        try:
            response = self.client.get(url, headers=headers or {})
        except httpx.HTTPError as exc:
            self.log.append({"url": url, "error": f"{type(exc).__name__}: {exc}"})
            return None
        self.log.append({"url": url, "status": response.status_code, "auth": bool(headers)})
        return response

    def ready(self, evidence: str) -> Check:
        url = absolute(self.handle.base_url, self.target.ready_path)
        response = self.get(url)
        status = response.status_code if response is not None else None
        return _check(
            f"ready: GET {self.target.ready_path}",
            status == self.target.ready_status,
            status,
            self.target.ready_status,
            f"{url} answered {status}.",
            evidence,
        )

    def metrics(self, evidence: str) -> list[Check]:
        if not self.handle.metrics_url:
            return []
        response = self.get(self.handle.metrics_url)
        if response is None or response.status_code != 200:
            status = None if response is None else response.status_code
            return [
                _check(
                    "metrics page",
                    False,
                    status,
                    200,
                    f"{self.handle.metrics_url} answered {status}.",
                    evidence,
                )
            ]
        try:
            families = list(text_string_to_metric_families(response.text))
            names = {f.name for f in families} | {s.name for f in families for s in f.samples}
        except ValueError as exc:
            return [
                _check(
                    "metrics page", False, None, "parses", f"It does not parse: {exc}.", evidence
                )
            ]
        names |= {n.removesuffix("_total") for n in names}
        wanted = list(self.settings.metrics) or [v for v in vars(self.target.metrics).values() if v]
        missing = [n for n in wanted if n not in names and n.removesuffix("_total") not in names]
        return [
            _check("metrics page", True, 200, 200, "", evidence),
            _check(
                "declared metrics exposed",
                not missing,
                len(wanted) - len(missing),
                len(wanted),
                f"{self.handle.metrics_url} lacks {', '.join(missing)}.",
                evidence,
            ),
        ]

    def operation(self, name: str, evidence: str) -> list[Check]:
        path = name.split(" ", 1)[1]
        url = absolute(self.handle.base_url, path)
        checks = []
        response = self.get(url, self.handle.headers)
        status = response.status_code if response is not None else None
        ok = status is not None and 200 <= status < 300
        checks.append(
            _check(
                f"{name}: answers",
                ok,
                status,
                "2xx",
                f"{name} answered {status} with the credential.",
                evidence,
            )
        )
        public = _matches(name, list(self.target.public_operations))
        if self.target.auth.kind != "none" and not public:
            bare = self.get(url)
            refused = bare is not None and bare.status_code in (401, 403)
            code = bare.status_code if bare is not None else None
            checks.append(
                _check(
                    f"{name}: refuses no credential",
                    refused,
                    code,
                    "401/403",
                    f"{name} answered {code} without a credential.",
                    evidence,
                )
            )
        return checks


def work(ctx: LayerContext) -> Evidence:
    """Readiness, metrics and every read operation on the stack the harness started."""
    assert ctx.handle is not None  # the harness starts a stack for this layer
    settings = ctx.config.smoke
    log = ctx.folder / "requests.json"
    evidence = relative(ctx.run_dir, log)
    smoke = Smoke(ctx.handle, ctx.config.target, settings)
    try:
        checks = [smoke.ready(evidence)]
        document = openapi.fetch(ctx.handle, ctx.config.root, ctx.folder / "openapi.json")
        chosen, excluded = reads(document, settings)
        checks += smoke.metrics(evidence)
        for name in chosen:
            checks += smoke.operation(name, evidence)
    finally:
        smoke.client.close()
        log.write_text(json.dumps(smoke.log, indent=2), encoding="utf-8")
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    return Evidence(
        checks=checks,
        declared={"operations": max(len(chosen), 1)},
        evaluated={"operations": len(chosen)},
        figures={"operations": chosen, "excluded": excluded, "checks": len(checks)},
        artifacts={"requests": evidence},
        summary=f"{len(chosen)} read operations, {len(checks)} checks, {failed} failed",
    )


LAYER = Layer(
    "smoke",
    "Read-only smoke check: readiness, metrics, every read operation with and without a "
    "credential.",
    work,
    stack="shared-read-only",
)
