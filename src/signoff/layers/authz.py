"""The authz layer: broken object-level authorization looked for on every route, generically.

Two identities of the same role (`new_credential("owner")` and `new_credential("other")`):
the owner creates what the OpenAPI document's creating requests make, then every route that
names one of those objects is sent by the other identity, and every list is read by it
(`signoff.probes.crossing`). Routes other layers of the run recorded (`<layer>/requests.json`:
smoke's reads, and every request a pytest or browser layer's clients made, `signoff.recording`)
that the document does not list are tried too, the credential sent where the recorded request
carried it (a page's cookie); the layer runs after those layers for that. Public and
shared routes (`[target] public_operations`, `[authz] shared`) are skipped. Operations only a
higher role may call (`[authz] privileged`) are sent by an identity of `[authz] lower_role`, or
by the other one (`signoff.probes.privileged`). Against a deployment (`--stack url`), writes
are sent only where `[stack] url_writes` allows them.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from signoff import openapi, recording
from signoff.errors import ControlUnsupported, EvidenceError
from signoff.identity import names
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.openapi import Operation
from signoff.probes.crossing import OTHER, OWNER, Crossing, Outcome
from signoff.probes.exchanges import Exchanges
from signoff.probes.privileged import Privileged, matching, try_privileged
from signoff.probes.resources import seen_operation, template_of
from signoff.records import Evidence
from signoff.stack.auth import headers
from signoff.stack.interface import StackHandle
from signoff.target import Auth

__all__ = ["LAYER", "identities", "seen_routes", "work"]

LOWER = "lower"  # the identity of [authz] lower_role


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def identities(handle: StackHandle, auth: Auth, lower_role: str = "") -> dict[str, str]:
    """The credentials of two new identities of the same role, and of one of the lower role
    when one is named, by name."""
    if not auth.makes_identities:
        raise EvidenceError(
            "The target's credentials cannot name a second identity, so authorization across "
            "identities cannot be tried.",
            hint="set [tool.signoff.target.auth] command to one that prints a token for the "
            "identity named {name} (a new tenant or user each time), or, with a login, "
            "[tool.signoff.target.auth.identity] to how a new account is made.",
        )
    made = auth.identity
    if lower_role and "role" not in names(auth.command, made.json, made.form, made.command):
        raise EvidenceError(
            f"[authz] lower_role is {lower_role!r}, but the target makes identities without "
            "naming {role}, so no identity of that role can be made.",
            hint="name {role} in the auth command or in [tool.signoff.target.auth.identity].",
        )
    wanted = {OWNER: "", OTHER: "", **({LOWER: lower_role} if lower_role else {})}
    try:
        tokens = {who: handle.controls.new_credential(who, role) for who, role in wanted.items()}
    except ControlUnsupported as exc:
        raise EvidenceError(
            f"No second identity: {exc.message}",
            hint="run the authz layer on a stack signoff starts (--stack local or containers).",
        ) from None
    if len(set(tokens.values())) < len(tokens):
        raise EvidenceError("The target gave the same token for two identities.")
    return tokens


@dataclass(frozen=True)
class Seen:
    """GET routes the run's other layers recorded that the document does not list, with where
    each carried the credential, and the layers whose recordings were read."""

    routes: list[Operation]
    carriers: dict[str, str]
    layers: list[str]


def seen_routes(run_dir: Path, own: str, operations: list[Operation], skip: Sequence[str]) -> Seen:
    """What the other layers' clients and browsers called (`signoff.recording`) that the
    document does not list: each becomes a route with its ids as parameters."""
    found: dict[str, Operation] = {}
    carriers: dict[str, str] = {}
    layers = []
    for log in sorted(run_dir.glob(f"*/{recording.FILE}")):
        if log.parent.name == own:
            continue
        layers.append(log.parent.name)
        for row in recording.read(log):
            path = urlsplit(row.url).path
            if row.method != "GET" or not path or template_of(path, operations):
                continue
            if _matches(f"GET {path}", skip):
                continue
            route = seen_operation("GET", path)
            found.setdefault(route.name, route)
            if row.carrier:  # one request that carried the credential says where it rides
                carriers.setdefault(route.name, row.carrier)
    return Seen(list(found.values()), carriers, layers)


def work(ctx: LayerContext) -> Evidence:
    """The owner's resources made, the privileged operations tried by a lower identity, then
    every route tried by the other identity."""
    handle = ctx.handle
    assert handle is not None  # the harness starts a stack for this layer
    target, settings = ctx.config.target, ctx.config.authz
    document = openapi.fetch(handle, ctx.config.root, ctx.folder / "openapi.json")
    skip = [*target.public_operations, *settings.shared]
    every = openapi.operations(document)
    kept = [op for op in every if not _matches(op.name, skip)]
    seen = seen_routes(ctx.run_dir, ctx.folder.name, every, skip)
    tag = uuid.uuid4().hex[:10]
    log = ctx.folder / "exchanges.json"
    evidence = relative(ctx.run_dir, log)
    tokens = identities(handle, target.auth, settings.lower_role)
    headers_of = {who: headers(target.auth, token) for who, token in tokens.items()}
    exchanges = Exchanges(headers_of, settings.timeout, tokens, handle.secrets)
    markers = {who: f"authz-{who}-{tag}" for who in exchanges.identities}
    crossing = Crossing(document, handle.base_url, exchanges, markers, evidence, handle.may_send)
    crossing.carriers = seen.carriers
    lower = LOWER if settings.lower_role else OTHER
    privileged = matching([*every, *seen.routes], settings.privileged)
    # those naming no object are tried before the owner sends them (the owner's request first
    # could make the lower one's conflict however broken the check); then the owner makes its
    # objects with them too, so that the privileged routes naming those objects can be tried;
    # those are tried after the other identity's reads and writes and before its deletions: a
    # privileged write that wrongly succeeds (a deleted owner) must not hide the other routes
    unnamed = [op for op in privileged if not op.params]
    named = [op for op in privileged if op.params]
    routes = [*kept, *seen.routes]
    try:
        raised = try_privileged(crossing, unnamed, lower)
        crossing.create([op for op in kept if op not in named])
        crossing.cross([op for op in routes if op.method != "delete"])
        raised = try_privileged(crossing, named, lower, raised)
        outcome = crossing.cross([op for op in routes if op.method == "delete"])
    finally:
        exchanges.save(log)
        exchanges.close()
    figures = {
        "identities": list(exchanges.identities),
        "skipped as public or shared": [op.name for op in every if op not in kept],
        "recorded routes": [op.name for op in seen.routes],
        "recorded by": seen.layers,
        "credential carried by": seen.carriers,
    }
    return _evidence(outcome, raised, bool(settings.privileged), figures, evidence)


def _evidence(
    outcome: Outcome,
    raised: Privileged,
    privileged: bool,
    figures: dict[str, Any],
    evidence: str,
) -> Evidence:
    failed = sum(1 for c in [*outcome.checks, *raised.checks] if not c.status.passing)
    # at least one route naming an owner's object must be tried, or nothing was shown; and
    # every privileged operation named, when some are
    declared = {"routes": max(len(outcome.judged), 1), "object routes": 1}
    evaluated = {"routes": len(outcome.judged), "object routes": min(outcome.objects, 1)}
    if privileged:
        declared["privileged operations"] = max(raised.matched, 1)
        evaluated["privileged operations"] = len(raised.judged)
    return Evidence(
        checks=[*raised.checks, *outcome.checks],
        declared=declared,
        evaluated=evaluated,
        figures={
            **figures,
            "judged": outcome.judged,
            "not judged": [*raised.excluded, *outcome.excluded],
            "privileged judged": raised.judged,
            "created": outcome.created,
        },
        artifacts={"exchanges": evidence},
        summary=f"{len(outcome.judged)} routes tried by a second identity "
        f"({outcome.objects} naming the owner's objects), {len(raised.judged)} privileged "
        f"operations by a lower one, {failed} failed",
    )


LAYER = Layer(
    "authz",
    "Authorization across identities: a second identity tries every route on the first "
    "one's objects.",
    work,
    stack="own",
    after_recordings=True,
)
