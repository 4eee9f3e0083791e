"""The roundtrip layer: data that survives a trip through the API at the edges its document
allows, for any service.

The objects the document's creating requests make come first (as in the authz layer, so that
writes under a path parameter have something to name). Then every documented write with a JSON
body (POST, PUT, PATCH) is sent once as the document makes it, and once per edge value of each
writable field (`signoff.probes.edges`): each value is read back from the write's answer and
from a GET of the object, and compared by meaning (`signoff.probes.readback`). A value that
comes back different FAILS naming the operation, the field, the value written and the value
read; a documented value the service refuses (4xx or 5xx) FAILS as a refusal. Writes go only to
a stack signoff started, or to a deployment where `[stack] url_writes` allows them.
"""

from __future__ import annotations

import fnmatch
import uuid

from signoff import openapi
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.probes.crossing import OWNER, Crossing
from signoff.probes.exchanges import Exchanges
from signoff.probes.trips import WRITES, Trips
from signoff.records import Evidence, Status

__all__ = ["LAYER", "work"]


def work(ctx: LayerContext) -> Evidence:
    """The objects made, then every write's fields written at their edges and read back."""
    handle = ctx.handle
    assert handle is not None  # the harness starts a stack for this layer
    settings = ctx.config.roundtrip
    document = openapi.fetch(handle, ctx.config.root, ctx.folder / "openapi.json")
    every = openapi.operations(document)
    kept = [
        op for op in every if not any(fnmatch.fnmatchcase(op.name, p) for p in settings.exclude)
    ]
    writes = [op for op in kept if op.method in WRITES and op.has_body]
    marker = f"rt{uuid.uuid4().hex[:8]}"
    log = ctx.folder / "exchanges.json"
    evidence = relative(ctx.run_dir, log)
    exchanges = Exchanges({OWNER: handle.headers}, settings.timeout, secrets=handle.secrets)
    crossing = Crossing(
        document, handle.base_url, exchanges, {OWNER: marker}, evidence, handle.may_send
    )
    trips = Trips(document, handle.base_url, exchanges, OWNER, crossing.created, marker)
    refused = [op.name for op in writes if not handle.may_send(op.name)]
    try:
        crossing.create(kept)
        for op in writes:
            if op.name not in refused:
                trips.run(op, kept)
    finally:
        exchanges.save(log)
        exchanges.close()
    checks = trips.checks(evidence)
    compared = sum(1 for f in trips.fields if f.compared)
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    return Evidence(
        checks=checks,
        # at least one field must be read back, or no round trip was shown
        declared={"fields read back": max(compared, 1)},
        evaluated={"fields read back": compared},
        figures={
            "writes": [op.name for op in writes],
            "fields": {f"{f.operation} {f.name}": f.sent for f in trips.fields},
            "not read back": [f"{f.operation} {f.name}" for f in trips.fields if not f.compared],
            "not judged": [*trips.excluded, *(f"{n}: writes not allowed" for n in refused)],
            "values written": sum(f.sent for f in trips.fields),
        },
        artifacts={"exchanges": evidence},
        summary=f"{sum(f.sent for f in trips.fields)} edge values written to "
        f"{len(trips.fields)} fields of {len(writes)} writes, {compared} fields read back, "
        f"{failed} checks failed",
    )


LAYER = Layer(
    "roundtrip",
    "Round trips at the documented edges: every writable field written with edge values "
    "(decimal places, lengths, unicode, ranges, dates) and read back.",
    work,
    stack="own",
)
