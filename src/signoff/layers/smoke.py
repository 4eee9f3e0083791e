"""The smoke layer: a read-only check of a just-deployed service, black-box, in seconds."""

from __future__ import annotations

from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import LayerRecord


def run(ctx: LayerContext) -> LayerRecord:
    return run_pytest_layer(ctx, "smoke", ["suites/smoke"])
