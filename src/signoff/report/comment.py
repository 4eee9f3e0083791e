"""The pull request comment: the verdict, every check that did not pass with its figures, and
patch coverage, in one Markdown body that opens with `MARKER`, so a workflow updates its one
comment rather than adding another on every push.

Links into the run directory mean nothing on a pull request's page, so the comment has none
but the workflow run's (where the artifact with report.html is). The body stays under GitHub's
limit on a comment; what must be cut is cut from the end of the failing checks' list.
"""

from __future__ import annotations

from dataclasses import dataclass

from signoff.history import render as history
from signoff.records import Check
from signoff.report import patch, wording
from signoff.report.results import Results
from signoff.report.summary import LayerDigest, digests, headline, run_level_gates
from signoff.report.wording import ICONS

MARKER = "<!-- signoff -->"
MAX_CHARS = 60_000  # GitHub refuses a comment body over 65,536 characters
LISTED = 40  # failing checks listed before "and N more"


@dataclass(frozen=True)
class Where:
    """Where the comment points a reader: the workflow run that holds the artifact."""

    run_url: str = ""


def _cell(text: object, limit: int = 300) -> str:
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("|", "\\|")


def _header(results: Results, layers: list[LayerDigest]) -> list[str]:
    verdict = results.verdict
    return [
        MARKER,
        f"## signoff: {ICONS[verdict]} {verdict.value} · profile `{results.run.profile}`",
        "",
        f"**{_cell(headline(results, layers), 2000)}**",
    ]


def _layers(layers: list[LayerDigest]) -> list[str]:
    lines = ["", "| layer | verdict | key figures |", "|---|---|---|"]
    for d in layers:
        figures = "; ".join(d.figures) or wording.clause(d.summary) or wording.NOTHING
        kind = "" if d.required else " (advisory)"
        lines.append(f"| {d.name}{kind} | {ICONS[d.status]} {d.status.value} | {_cell(figures)} |")
    return lines


def _check_line(layer: str, check: Check) -> str:
    cause = wording.cause(check)
    # a message that names no figure gets the figure against its threshold beside it
    named = check.figure is None or wording.number(check.figure) in cause
    said = cause if named else f"{cause} — {wording.against(check)}"
    return f"- {ICONS[check.status]} **{layer}** `{_cell(check.name, 120)}`: {_cell(said, 400)}"


def _failing(results: Results, layers: list[LayerDigest]) -> list[str]:
    """Each check that did not pass: layer, name, and its figure against the threshold."""
    items: list[str] = []
    for d in layers:
        items += [_check_line(d.name, check) for check in d.failed]
        if not d.ok and not d.failed:
            items += [f"- {ICONS[d.status]} **{d.name}**: {_cell(r)}" for r in d.reasons[:3]]
    for gate in run_level_gates(results):
        if not gate.ok:
            said = wording.sentence(gate.message) or gate.status.value
            items.append(f"- {ICONS[gate.status]} **{gate.name}**: {_cell(said, 400)}")
    if not items:
        return []
    shown = items[:LISTED]
    if len(items) > LISTED:
        shown.append(f"- … and {len(items) - LISTED} more in report.html")
    return ["", "### Not passing", "", *shown]


def _footer(results: Results, layers: list[LayerDigest], where: Where) -> list[str]:
    passed = sum(len(d.checks) - len(d.failed) for d in layers)
    total = sum(len(d.checks) for d in layers)
    run = f"[the workflow run]({where.run_url})" if where.run_url else "the run directory"
    return [
        "",
        f"<sub>Run `{results.run.run_id}`: {passed} of {wording.plural(total, 'check')} pass. "
        f"report.html and the evidence behind every verdict are in {run}'s artifact.</sub>",
    ]


def body(results: Results, where: Where | None = None, max_chars: int = MAX_CHARS) -> str:
    """The whole comment; the marker, verdict and footer always stay whole."""
    where = where or Where()
    layers = digests(results)
    head = _header(results, layers)
    foot = _footer(results, layers, where)
    note = ["", "_Cut to fit a comment; report.html lists everything._"]
    budget = max_chars - len("\n".join([*head, *foot, *note])) - 2
    middle: list[str] = []
    for line in [
        *_failing(results, layers),
        *patch.markdown(results, ICONS),
        *_layers(layers),
        *history.markdown(results),
    ]:
        budget -= len(line) + 1
        if budget < 0:
            middle += note
            break
        middle.append(line)
    return "\n".join([*head, *middle, *foot]) + "\n"
