"""Patch coverage in Markdown, for report.md and the pull request comment: the figure against
its threshold and, per file, the changed lines that no suite ran."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from signoff.records import Check, Status
from signoff.report import wording
from signoff.report.results import Results

CHECK = "patch coverage"  # the coverage layer's check (signoff.layers.coverage.PATCH)
MOST_FILES = 30


@dataclass(frozen=True)
class Patch:
    """A layer's patch coverage check and the figure beside it (empty when not measured)."""

    layer: str
    check: Check
    figure: dict[str, Any]


def found(results: Results) -> list[Patch]:
    """Every patch coverage check of the run's records."""
    return [
        Patch(item.record.layer, check, item.record.figures.get("patch") or {})
        for item in results.run.layers
        for check in item.record.checks
        if check.name == CHECK
    ]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def _line(patch: Patch, icons: Mapping[Status, str]) -> str:
    check, figure = patch.check, patch.figure
    icon = icons[check.status]
    if figure.get("percent") is None:
        return f"{icon} {wording.sentence(check.message or wording.against(check))}"
    return (
        f"{icon} **{figure['percent']:.1f}%** of {figure['changed_lines']} changed lines run "
        f"(needs {wording.threshold(check.comparator, check.threshold, check.unit)}), "
        f"against `{_escape(str(figure.get('base', '')))}`."
    )


def _files(figure: dict[str, Any]) -> list[str]:
    files = [(name, f) for name, f in figure.get("files", {}).items() if f.get("uncovered")]
    if not files:
        return []
    lines = ["", "| file | changed | run | lines not run |", "|---|---|---|---|"]
    for name, entry in files[:MOST_FILES]:
        lines.append(
            f"| `{_escape(name)}` | {entry['changed']} | {entry['covered']} | "
            f"{_escape(str(entry['uncovered']))} |"
        )
    if len(files) > MOST_FILES:
        lines.append(f"| … {len(files) - MOST_FILES} more files in patch.json | | | |")
    return lines


def markdown(
    results: Results, icons: Mapping[Status, str], heading: str = "### Patch coverage"
) -> list[str]:
    """The block, each verdict shown with its icon; nothing when the run did not measure
    patch coverage."""
    lines: list[str] = []
    for patch in found(results):
        lines += ["", heading, "", _line(patch, icons), *_files(patch.figure)]
    return lines
