"""Markdown: a table of verdicts short enough for a CI job summary."""

from __future__ import annotations

from typing import ClassVar

from signoff.records import Status
from signoff.report.interface import Renderer
from signoff.report.model import RunResult

ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.INCONCLUSIVE: "⚠️", Status.WAIVED: "☑️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MarkdownRenderer(Renderer):
    suffix: ClassVar[str] = ".md"

    def format(self, result: RunResult) -> str:
        verdict = result.verdict
        lines = [
            f"## signoff: {ICONS[verdict]} {verdict.value}",
            "",
            f"Run `{result.run_id}`, profile `{result.profile}`.",
            "",
            "| layer | verdict | required | evidence | why |",
            "|---|---|---|---|---|",
        ]
        for item in result.layers:
            record = item.record
            why = "; ".join(record.reasons) if record.reasons else record.summary
            evidence = ", ".join(f"`{path}`" for path in record.artifacts.values()) or "none"
            lines.append(
                f"| {record.layer} | {ICONS[record.status]} {record.status.value} | "
                f"{'yes' if item.required else 'no'} | {_cell(evidence)} | {_cell(why)} |"
            )
        checks = [(item.record.layer, c) for item in result.layers for c in item.record.checks]
        if checks:
            lines += [
                "",
                "| layer | check | measured | threshold | verdict |",
                "|---|---|---|---|---|",
            ]
            for layer, check in checks:
                figure = "—" if check.figure is None else f"{check.figure}{check.unit}"
                threshold = (
                    "—"
                    if check.threshold is None
                    else (f"{check.comparator} {check.threshold}{check.unit}")
                )
                lines.append(
                    f"| {layer} | {_cell(check.name)} | {figure} | {threshold} | "
                    f"{ICONS[check.status]} {check.status.value} |"
                )
        return "\n".join(lines) + "\n"
