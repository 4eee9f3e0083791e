"""The unit layer: the service's unit tests, with coverage data for the coverage gate."""

from __future__ import annotations

from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.records import LayerRecord


def run(ctx: LayerContext) -> LayerRecord:
    coverage_dir = ctx.run_dir / "coverage"
    coverage_dir.mkdir(parents=True, exist_ok=True)
    return run_pytest_layer(
        ctx,
        "unit",
        ["suites/unit"],
        extra=[
            "--cov=ledger",
            "--cov-branch",
            "--cov-report=",
            f"--cov-config={ctx.config.root / 'pyproject.toml'}",
        ],
        env={"COVERAGE_FILE": str(coverage_dir / ".coverage.unit")},
        service_coverage=False,
    )
