"""The smoke layer: a read-only check of a just-deployed service, black-box, in seconds.

It asks the readiness path, the OpenAPI document and the metrics page, then every read
operation twice: with the credential (must answer 2xx) and without one (must answer 401 or 403,
unless the operation is public). A read with path parameters takes them from what the list
reads of the same run answered (`GET /items` for `GET /items/{item_id}`), or is left out with
the reason. It writes nothing, so it is safe against production.
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
from signoff.stack.interface import PROBE_LIMITS, StackHandle, absolute
from signoff.target import Target


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def reads(
    document: dict[str, Any], settings: SmokeSettings
) -> tuple[list[str], list[str], list[str]]:
    """The read operations to call, those whose path parameters the run's lists must give
    (fewest parameters first), and those excluded (with why)."""
    if settings.operations:
        return [n for n in settings.operations if not _matches(n, settings.exclude)], [], []
    chosen, later, excluded = [], [], []
    for op in openapi.operations(document):
        if op.method != "get":
            continue
        if _matches(op.name, settings.exclude):
            excluded.append(f"{op.name}: excluded by [smoke] exclude")
        elif op.required_query:
            excluded.append(f"{op.name}: needs query parameters (name a concrete path)")
        elif op.params:
            later.append(op.name)
        else:
            chosen.append(op.name)
    return chosen, sorted(later, key=lambda n: n.count("{")), excluded


def listed(answer: Any) -> list[dict[str, Any]]:
    """The items of a list answer: a JSON array, or the arrays of objects a page holds
    (`{"items": [...], "total": 2}`)."""
    if isinstance(answer, list):
        return [item for item in answer if isinstance(item, dict)]
    if isinstance(answer, dict):
        arrays = [v for v in answer.values() if isinstance(v, list)]
        return [item for array in arrays for item in array if isinstance(item, dict)]
    return []


def field_names(param: str) -> list[str]:
    """The item fields that may hold a path parameter's value, best first: the parameter's own
    name, then `id` for `item_id`, `itemId` or `uuid`, then `slug` for a slug."""
    lower = param.lower()
    names = [param]
    if lower == "id" or lower.endswith(("_id", "id", "uuid")):
        names.append("id")
    if lower.endswith("slug"):
        names.append("slug")
    return names


def _trimmed(path: str) -> str:
    return path.rstrip("/") or "/"


def fill(path: str, lists: dict[str, list[dict[str, Any]]]) -> tuple[str, str]:
    """(`path` with each parameter taken from the first item of the list answered at the path
    before it, `/items` for `/items/{item_id}`, ""), or ("", why) when no list gave one."""
    done = ""
    rest = path
    while "{" in rest:
        before, _, tail = rest.partition("{")
        param, _, rest = tail.partition("}")
        done += before
        items = lists.get(_trimmed(done), [])
        value = next((item[f] for item in items for f in field_names(param) if f in item), None)
        if value is None or isinstance(value, dict | list):
            return "", f"no list read of this run answered a value for {{{param}}}"
        done += str(value)
    return done + rest, ""


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
        self.client = httpx.Client(
            timeout=settings.timeout, follow_redirects=False, limits=PROBE_LIMITS
        )
        self.log: list[dict[str, Any]] = []
        # concrete path -> the items its answer listed, for the path parameters of later reads
        self.lists: dict[str, list[dict[str, Any]]] = {}

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

    def operation(self, name: str, evidence: str, path: str = "") -> list[Check]:
        """The read `name` with and without the credential, at `path` (its concrete path when
        the name holds parameters)."""
        path = path or name.split(" ", 1)[1]
        url = absolute(self.handle.base_url, path)
        checks = []
        response = self.get(url, self.handle.headers)
        status = response.status_code if response is not None else None
        ok = status is not None and 200 <= status < 300
        if ok and response is not None:
            self._keep(path, response)
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

    def _keep(self, path: str, response: httpx.Response) -> None:
        try:
            items = listed(response.json())
        except ValueError:
            return
        if items:
            self.lists[_trimmed(path)] = items

    def with_ids(self, names: list[str], evidence: str) -> tuple[list[Check], list[str], list[str]]:
        """The reads with path parameters whose values the run's lists gave: their checks,
        the reads called (as concrete paths), and those left out with why."""
        checks: list[Check] = []
        called: list[str] = []
        skipped: list[str] = []
        for name in names:
            path, why = fill(name.split(" ", 1)[1], self.lists)
            if not path:
                skipped.append(f"{name}: {why}")
                continue
            checks += self.operation(name, evidence, path)
            called.append(f"GET {path}")
        return checks, called, skipped


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
        chosen, later, excluded = reads(document, settings)
        checks += smoke.metrics(evidence)
        for name in chosen:
            checks += smoke.operation(name, evidence)
        found, called, skipped = smoke.with_ids(later, evidence)
        checks += found
        chosen += called
        excluded += skipped
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
