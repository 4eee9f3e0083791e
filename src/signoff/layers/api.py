"""The api layer: the contract suite (every endpoint, success and error paths) on a live stack."""

from __future__ import annotations

from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import LayerRecord


def run(ctx: LayerContext) -> LayerRecord:
    return run_pytest_layer(ctx, "api", ["suites/api"])
