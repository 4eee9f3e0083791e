"""The resilience layer: Redis, PostgreSQL, worker and webhook faults injected under traffic."""

from __future__ import annotations

from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import LayerRecord


def run(ctx: LayerContext) -> LayerRecord:
    return run_pytest_layer(ctx, "resilience", ["suites/resilience"])
