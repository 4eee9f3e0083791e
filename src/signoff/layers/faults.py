"""The faults layer: status codes under faults held against the contract, for any service.

Each embedded backing service (`[faults] services`, else every one the target declares) is
stopped in turn through the stack's fault controls; meanwhile the read operations the smoke
layer knows (or `[faults] operations`) are sent with the credential, and each answer must be
a status the OpenAPI document declares for its operation: a 500 where only 503 is documented
FAILS, naming the operation, the fault and the status. The service is then started again and
the stack must report ready within `[stack] ready_timeout`.
"""

from __future__ import annotations

import time

import httpx

from signoff import openapi
from signoff.errors import ControlUnsupported, EvidenceError
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.layers.smoke import reads
from signoff.probes.contract import fault_check
from signoff.probes.exchanges import Exchanges
from signoff.records import Check, Evidence, Status, threshold_check
from signoff.stack.interface import StackHandle, absolute

__all__ = ["LAYER", "work"]

POLL_S = 0.25


def _ready_after(handle: StackHandle, path: str, status: int, timeout: float) -> float | None:
    """Seconds until the readiness path answered `status` again, or None within `timeout`."""
    url = absolute(handle.base_url, path)
    began = time.monotonic()
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() - began < timeout:
            try:
                if client.get(url).status_code == status:
                    return round(time.monotonic() - began, 3)
            except httpx.HTTPError:
                pass
            time.sleep(POLL_S)
    return None


def _under(
    ctx: LayerContext,
    service: str,
    names: list[str],
    document: dict[str, object],
    exchanges: Exchanges,
    evidence: str,
) -> list[Check]:
    """The reads' checks with `service` stopped, then the stack's recovery."""
    handle = ctx.handle
    assert handle is not None
    fault = f"{service} stopped"
    every = openapi.operations(document)
    handle.controls.stop(service)
    try:
        checks = []
        for name in names:
            path = name.split(" ", 1)[1]
            answer = exchanges.send(fault, "GET", absolute(handle.base_url, path))
            checks.append(fault_check(name, every, document, answer.status, fault, evidence))
    finally:
        handle.controls.start(service)
    target = ctx.config.target
    took = _ready_after(
        handle, target.ready_path, target.ready_status, ctx.config.stack.ready_timeout
    )
    recovered = threshold_check(
        f"ready again after {service} restarted",
        took,
        "<=",
        ctx.config.stack.ready_timeout,
        " s",
        evidence,
    )
    return [*checks, recovered]


def work(ctx: LayerContext) -> Evidence:
    """Every chosen backing service stopped in turn while the reads are sent."""
    handle = ctx.handle
    assert handle is not None  # the harness starts a stack for this layer
    settings = ctx.config.faults
    services = list(settings.services or ctx.config.target.services)
    if not services:
        raise EvidenceError(
            "The target declares no backing service to stop ([tool.signoff.target] services).",
            hint="leave the faults layer out of profiles for a service without one.",
        )
    document = openapi.fetch(handle, ctx.config.root, ctx.folder / "openapi.json")
    names = list(settings.operations) or reads(document, ctx.config.smoke)[0]
    log = ctx.folder / "exchanges.json"
    evidence = relative(ctx.run_dir, log)
    faults = {f"{service} stopped": handle.headers for service in services}
    exchanges = Exchanges(faults, settings.timeout, secrets=handle.secrets)
    checks: list[Check] = []
    try:
        for service in services:
            checks += _under(ctx, service, names, document, exchanges, evidence)
    except ControlUnsupported as exc:
        raise EvidenceError(exc.message, hint=exc.hint) from None
    finally:
        exchanges.save(log)
        exchanges.close()
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    return Evidence(
        checks=checks,
        declared={"answers": max(len(names), 1) * len(services)},
        evaluated={"answers": sum(1 for e in exchanges.kept if e.status is not None)},
        figures={"services": services, "operations": names},
        artifacts={"exchanges": evidence},
        summary=f"{len(names)} reads with each of {', '.join(services)} stopped, "
        f"{len(checks)} checks, {failed} failed",
    )


LAYER = Layer(
    "faults",
    "Status codes under faults: each backing service stopped in turn, every read's answer "
    "held against the OpenAPI document, then recovery.",
    work,
    stack="own",
)
