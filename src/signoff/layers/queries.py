"""The queries layer: the database work of every read, and whether it grows with the data.

The layer starts the embedded stack itself, its PostgreSQL counting statements
(`pg_stat_statements`). As one identity it makes `[queries] seed` objects through each of the
document's creating requests, learns the statements the service runs with no request (a
worker's polling), then sends every GET operation a few times in a row (lists first: their
items' ids fill the reads no created object names), counting each request's statements
between two snapshots: queries and time per request. It makes the data
`factor` times larger and reads every list again. A read above `max_per_request` FAILS; a list
whose queries grow with the data (an N+1) FAILS, naming the read, both figures and the
statement that grew. Elsewhere than on the embedded stack it is INCONCLUSIVE.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from signoff import openapi
from signoff.config.sections import QueriesSettings
from signoff.errors import ControlUnsupported, EvidenceError
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.layers.run import stack_options
from signoff.probes.exchanges import Exchanges
from signoff.probes.statements import Statements
from signoff.probes.volume import Read, Volume
from signoff.probes.workload import Measured, ceiling_check, growth_check, measure
from signoff.records import Check, Evidence
from signoff.stack import postgres
from signoff.stack.interface import StackHandle
from signoff.stack.local import LocalProvider
from signoff.stack.select import choose_provider, chosen

__all__ = ["LAYER", "work"]

IDENTITY = "queries"


def _provider(ctx: LayerContext) -> LocalProvider:
    """The embedded stack, its PostgreSQL set to count statements; an error elsewhere."""
    pick = chosen(ctx.config, ctx.stack, ctx.base_url)
    if pick.name != "local":
        raise EvidenceError(
            "The queries layer counts statements on the embedded PostgreSQL, which the "
            f"{pick.name} stack does not run.",
            hint="run it on the embedded stack (--stack local).",
        )
    if "postgres" not in ctx.config.target.services:
        raise EvidenceError(
            "The target declares no embedded PostgreSQL ([tool.signoff.target] services), so "
            "there are no queries to count.",
            hint="leave the queries layer out of profiles for a service without one.",
        )
    if not postgres.has_library(postgres.find_bindir(), "pg_stat_statements"):
        raise EvidenceError(
            "The PostgreSQL server has no pg_stat_statements module to count statements with.",
            hint="install it (apt-get install -y postgresql-contrib on older releases).",
        )
    found = choose_provider(
        ctx.config,
        ctx.folder / "stack-logs",
        ctx.stack,
        ctx.base_url,
        service_env=ctx.service_env or None,
    )
    assert isinstance(found, LocalProvider)  # `chosen` named the embedded stack
    found.postgres_settings.update(postgres.COUNT_STATEMENTS)
    return found


def _headers(handle: StackHandle, ctx: LayerContext) -> dict[str, str]:
    """A new identity's headers when the target can make one (its lists then hold only what
    this layer makes), else the stack's own credential."""
    auth = ctx.config.target.auth
    if not auth.makes_identities:
        return handle.headers
    try:
        from signoff.stack.auth import headers

        return headers(auth, handle.controls.new_credential(IDENTITY))
    except ControlUnsupported:
        return handle.headers


@dataclass
class Survey:
    """The reads measured at both volumes, and what was made and left out."""

    small: list[Measured]
    large: list[Measured]
    left: list[str]
    made: dict[str, int]
    background: list[str]


def _survey(
    ctx: LayerContext, handle: StackHandle, exchanges: Exchanges, stats: Statements
) -> Survey:
    settings = ctx.config.queries
    document = openapi.fetch(handle, ctx.config.root, ctx.folder / "openapi.json")
    every = openapi.operations(document)
    volume = Volume(document, handle.base_url, exchanges, IDENTITY, f"queries-{uuid.uuid4().hex}")
    creators = sorted(
        volume.creators(every, settings.seed_operations), key=lambda op: (len(op.params), op.path)
    )
    if not creators:
        raise EvidenceError(
            "The document lists no creating request to make data with.",
            hint="name them in [tool.signoff.queries] seed_operations.",
        )
    large = settings.seed * settings.factor
    refused = volume.grow(creators, settings.seed)
    background = stats.background(settings.quiet)
    gets, left = volume.gets(every, settings.exclude)
    small = []
    for op in gets:
        read = volume.read(op, settings.page_size, large)
        if isinstance(read, str):
            left.append(read)
            continue
        small.append(_measure(read, settings.seed, settings, exchanges, stats, background))
        volume.learn(op, small[-1].answer)
    lists = [m for m in small if m.answered and m.listed is not None]
    refused += volume.grow(creators, large - settings.seed)
    grown = [_measure(m.read, large, settings, exchanges, stats, background) for m in lists]
    left += [f"{a.method} {a.url}: answered {a.status} (#{a.number})" for a in refused]
    snapshot = stats.snapshot()
    shown = sorted(" ".join(snapshot[q].query.split())[:120] for q in background if q in snapshot)
    return Survey(small, grown, left, volume.made, shown)


def _measure(
    read: Read,
    size: int,
    settings: QueriesSettings,
    exchanges: Exchanges,
    stats: Statements,
    background: frozenset[int],
) -> Measured:
    return measure(read, size, settings.requests, exchanges, IDENTITY, stats, background)


def _checks(survey: Survey, settings: QueriesSettings, evidence: str) -> tuple[list[Check], int]:
    """Each answered read's ceiling check and each list's growth check (a list whose answer
    did not grow with the data cannot show one); how many lists were judged for growth."""
    checks, scaled = [], 0
    grown = {m.read.name: m for m in survey.large if m.answered}
    for small in survey.small:
        if not small.answered:
            statuses = "/".join(str(s) for s in small.statuses)
            survey.left.append(f"{small.read.name}: answered {statuses}, not a read of data")
            continue
        large = grown.get(small.read.name)
        checks.append(
            ceiling_check([small, *([large] if large else [])], settings.max_per_request, evidence)
        )
        if large is None or small.listed is None:
            continue
        if (large.listed or 0) <= small.listed:
            survey.left.append(
                f"{small.read.name}: listed {small.listed} then {large.listed} items, so the "
                "data it shows did not grow"
            )
            continue
        scaled += 1
        checks.append(growth_check(small, large, settings.growth, settings.growth_floor, evidence))
    return checks, scaled


def work(ctx: LayerContext) -> Evidence:
    """Every read's queries per request, at two data volumes."""
    ctx = stack_options(ctx)
    settings = ctx.config.queries
    log, kept = ctx.folder / "exchanges.json", ctx.folder / "reads.json"
    evidence = relative(ctx.run_dir, kept)
    with _provider(ctx) as handle:
        exchanges = Exchanges(
            {IDENTITY: _headers(handle, ctx)}, settings.timeout, secrets=handle.secrets
        )
        try:
            with Statements(handle.database_url or "") as stats:
                survey = _survey(ctx, handle, exchanges, stats)
        finally:
            exchanges.save(log)
            exchanges.close()
    measured = [*survey.small, *survey.large]
    rows = [{**m.row(), "statements": m.statements} for m in measured]
    kept.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    checks, scaled = _checks(survey, settings, evidence)
    return _evidence(ctx, survey, checks, scaled, evidence)


def _evidence(
    ctx: LayerContext, survey: Survey, checks: list[Check], scaled: int, evidence: str
) -> Evidence:
    failed = sum(1 for c in checks if not c.status.passing)
    judged = sum(1 for m in survey.small if m.answered)
    rows: list[dict[str, Any]] = [m.row() for m in [*survey.small, *survey.large]]
    return Evidence(
        checks=checks,
        # one read at least, and one list judged at two volumes, or no N+1 could show; the
        # reads not judged are named
        declared={"reads": 1, "lists at two volumes": 1},
        evaluated={"reads": min(judged, 1), "lists at two volumes": min(scaled, 1)},
        figures={
            "reads": rows,
            "made": survey.made,
            "background statements": survey.background,
            "not judged": survey.left,
        },
        artifacts={
            "reads": evidence,
            "exchanges": relative(ctx.run_dir, ctx.folder / "exchanges.json"),
            "stack_logs": relative(ctx.run_dir, ctx.folder / "stack-logs"),
        },
        summary=f"{judged} reads measured, {scaled} lists at two data volumes, {failed} failed",
    )


LAYER = Layer(
    "queries",
    "Queries per request: every read's database work on the embedded PostgreSQL, and lists "
    "whose queries grow with the data (N+1).",
    work,
    stack="own",
    # the layer starts its stack itself: its PostgreSQL must count statements from the start
    stack_in_child=True,
)
