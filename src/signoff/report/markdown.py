"""Markdown: the verdict and why, one row per layer and every check that did not pass —
short enough for a CI job summary. Passing checks are counted, not listed.

The text never exceeds `max_bytes` (GitHub caps a job summary at 1 MiB). Blocks are kept in
order of importance — verdict, layers, checks not passing, patch coverage, claims,
comparison — so whatever must be cut is cut from the end and the verdicts stay. Links are
relative to the run directory, where report.md is written.
"""

from __future__ import annotations

from typing import ClassVar

from signoff.history import render as history
from signoff.report import comparison, links, patch, timeline, wording
from signoff.report.interface import Renderer
from signoff.report.results import Results
from signoff.report.summary import LayerDigest, digests, headline, run_level_gates

ICONS = wording.ICONS
CLAIM_ICONS = {"VERIFIED": "✅", "REFUTED": "❌", "UNVERIFIABLE": "❔"}
MIB = 1024 * 1024
LISTED_PER_LAYER = 50
REASONS_PER_LAYER = 5


def _cell(value: object, limit: int = 300) -> str:
    text = str(value)
    if len(text) > limit:  # one long message must not push other verdicts out of the summary
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def _link(rel: str | None) -> str:
    if rel is None:
        return wording.NOTHING
    name = rel.rstrip("/").rsplit("/", 1)[-1] + ("/" if rel.endswith("/") else "")
    return f"[{_cell(name)}]({links.href(rel)})"


def _header(results: Results, layers: list[LayerDigest]) -> list[str]:
    verdict = results.verdict
    env = results.environment
    machine = env.get("machine", {})
    python = env.get("python", {})
    lines = [
        f"## signoff: {ICONS[verdict]} {verdict.value}",
        "",
        f"**{headline(results, layers)}**",
        "",
        f"Run `{results.run.run_id}` · profile `{results.run.profile}` · "
        f"{machine.get('cpus', '?')} x {machine.get('cpu_model', '?')}, "
        f"Python {python.get('version', '?')}, provider `{env.get('provider', '?')}`.",
    ]
    lines += [line for note in timeline.notes(results) for line in ("", note)]
    images = env.get("stack_images") or {}
    if images:
        named = ", ".join(f"{name} `{image}`" for name, image in images.items())
        lines += ["", f"Images: {named}."]
    return lines


def _layers(layers: list[LayerDigest]) -> list[str]:
    lines = [
        "",
        "| layer | verdict | kind | key figures against thresholds | time | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for d in layers:
        figures = "; ".join(([d.evaluated] if d.evaluated else []) + d.figures)
        lines.append(
            f"| {d.name} | {ICONS[d.status]} {d.status.value} | {d.kind} | "
            f"{_cell(figures or wording.clause(d.summary) or wording.NOTHING, 400)} | "
            f"{wording.duration(d.duration_s)} | {_link(d.evidence)} |"
        )
    return lines


def _not_passing(results: Results, layers: list[LayerDigest]) -> list[str]:
    run_dir = results.run.run_dir
    lines: list[str] = []
    for d in layers:
        if d.ok:
            continue
        lines += ["", f"**{d.name}** {ICONS[d.status]} {d.status.value} ({d.kind})"]
        lines += [f"- {_cell(wording.sentence(r))}" for r in d.reasons[:REASONS_PER_LAYER]]
        for check in d.failed[:LISTED_PER_LAYER]:
            rel = links.locate(run_dir, d.name, check.evidence)
            lines.append(
                f"- {ICONS[check.status]} `{_cell(check.name, 200)}`: "
                f"{_cell(wording.cause(check))}" + (f" ({_link(rel)})" if rel else "")
            )
        if len(d.failed) > LISTED_PER_LAYER:
            lines.append(f"- … and {len(d.failed) - LISTED_PER_LAYER} more in report.html")
    for gate in run_level_gates(results):
        if not gate.ok:
            kind = "required" if gate.required else "advisory"
            lines += [
                "",
                f"**{gate.name}** {ICONS[gate.status]} {gate.status.value} ({kind}): "
                f"{_cell(wording.sentence(gate.message) or wording.NOTHING)}",
            ]
    passed = sum(len(d.checks) - len(d.failed) for d in layers)
    total = sum(len(d.checks) for d in layers)
    head = ["", "### Not passing"] if lines else []
    return [
        *head,
        *lines,
        "",
        f"{passed} of {wording.plural(total, 'check')} in {wording.plural(len(layers), 'layer')} "
        "pass; report.html lists them all. Links are relative to the run directory.",
    ]


def _claims(results: Results) -> list[str]:
    if not results.claims:
        return []
    lines = ["", "### Claims", "", "| claim | outcome | measured | why |", "|---|---|---|---|"]
    for item in results.claims:
        outcome = item.outcome.value
        lines.append(
            f"| {_cell(item.claim.text)} | {CLAIM_ICONS[outcome]} {outcome} | "
            f"{_cell(wording.measured(item.measured))} | {_cell(wording.sentence(item.reason))} |"
        )
    return lines


class MarkdownRenderer(Renderer):
    suffix: ClassVar[str] = ".md"

    def __init__(self, max_bytes: int = MIB) -> None:
        self.max_bytes = max_bytes

    def format(self, results: Results) -> str:
        note = "\n\n_Truncated to fit the summary; the full report is report.html._\n"
        budget = self.max_bytes - len(note.encode())
        layers = digests(results)
        out: list[str] = []
        used = 0
        blocks = [
            _header(results, layers),
            _layers(layers),
            _not_passing(results, layers),
            patch.markdown(results, ICONS),
            _claims(results),
            comparison.markdown(results),
            history.markdown(results),
        ]
        for block in blocks:
            for line in block:
                size = len(line.encode()) + 1
                if used + size > budget:
                    return "\n".join(out) + note
                out.append(line)
                used += size
        return "\n".join(out) + "\n"
