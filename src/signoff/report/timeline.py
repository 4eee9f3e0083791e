"""The run as a timeline: one bar per layer from its start to its end (each record keeps its own
times), the wall time beside the sum of the layers' times, and how the run was split and
scheduled (its plan). An inline SVG for the HTML page, sentences for the Markdown summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from signoff.records import LayerRecord, Status
from signoff.report import wording
from signoff.report.model import MERGED, SCHEDULE, SHARD
from signoff.report.results import Results

COLOURS = {
    Status.PASS: "#1a7f37",
    Status.FAIL: "#cf222e",
    Status.INCONCLUSIVE: "#9a6700",
    Status.WAIVED: "#57606a",
}
LABEL_W, CHART_W, ROW_H, BAR_H, AXIS_H = 170, 560, 22, 14, 24
STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)


@dataclass(frozen=True)
class Bar:
    """One layer's time in the run, in seconds from the first layer's start."""

    layer: str
    status: Status
    start_s: float
    end_s: float
    shard: str = ""  # the shard it ran in, in a merged run

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s


def _at(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def _shards(plan: dict[str, Any]) -> dict[str, str]:
    """Each layer's shard, in a merged run."""
    given = (plan.get(MERGED) or {}).get("shards") or {}
    return {name: label for label, shard in given.items() for name in shard.get("layers", [])}


def bars(results: Results) -> list[Bar]:
    """A bar for every layer whose record has both its times, in order of start."""
    timed: list[tuple[LayerRecord, datetime, datetime]] = []
    for item in results.run.layers:
        start, end = _at(item.record.started_at), _at(item.record.finished_at)
        if start is not None and end is not None:
            timed.append((item.record, start, end))
    if not timed:
        return []
    first = min(start for _, start, _ in timed)
    shard_of = _shards(results.run.plan)
    return [
        Bar(
            record.layer,
            record.status,
            (start - first).total_seconds(),
            (end - first).total_seconds(),
            shard_of.get(record.layer, ""),
        )
        for record, start, end in sorted(timed, key=lambda t: (t[1], t[0].layer))
    ]


def _merged(merged: dict[str, Any]) -> str:
    given = ", ".join(f"{k} (`{v.get('run_id', '?')}`)" for k, v in merged["shards"].items())
    missing = list(merged.get("missing") or {})
    lacking = f"; not merged: {', '.join(missing)}" if missing else ""
    return f"Merged from shards {given or 'none'} of {merged.get('of', '?')}{lacking}."


def _walls(found: list[Bar]) -> str:
    """Each shard's own wall time, in a merged run (its layers ran on its own machine)."""
    spans: dict[str, list[float]] = {}
    for bar in found:
        if bar.shard:
            span = spans.setdefault(bar.shard, [bar.start_s, bar.end_s])
            span[:] = [min(span[0], bar.start_s), max(span[1], bar.end_s)]
    walls = [f"{k} {wording.duration(end - start)}" for k, (start, end) in sorted(spans.items())]
    return f"; shards: {', '.join(walls)}" if walls else ""


def notes(results: Results) -> list[str]:
    """Sentences on how the run was made: a shard's place, a merge's shards, its times."""
    plan, lines = results.run.plan, []
    if plan.get(SHARD):
        gates = "" if plan.get("required") else ", which holds no required layer and gates nothing"
        lines.append(
            f"Shard {plan[SHARD]} of profile `{results.run.profile}`: judged on its share "
            f"({', '.join(plan.get('layers', []))}){gates}; `signoff merge` judges the whole "
            "profile."
        )
    if plan.get(MERGED):
        lines.append(_merged(plan[MERGED]))
    found = bars(results)
    if found:
        wall, total = max(b.end_s for b in found), sum(b.length_s for b in found)
        parallel = (plan.get(SCHEDULE) or {}).get("parallel")
        limit = f", up to {parallel} at once" if parallel else ""
        lines.append(
            f"Wall time {wording.duration(wall)} for {wording.duration(total)} of layer time "
            f"({len(found)} layers{limit}{_walls(found)})."
        )
    return lines


def _step(span: float) -> int:
    """Seconds between ticks: at most eight ticks over the span."""
    return next((s for s in STEPS if span / s <= 8), STEPS[-1])


def _row(bar: Bar, row: int, scale: float) -> str:
    y = AXIS_H + row * ROW_H
    x, width = LABEL_W + bar.start_s * scale, max(bar.length_s * scale, 1.5)
    name = f"{bar.layer} ({bar.shard})" if bar.shard else bar.layer
    said = (
        f"{name}: {bar.status.value}, {wording.duration(bar.length_s)} "
        f"(from {bar.start_s:.1f} s to {bar.end_s:.1f} s)"
    )
    text_x = min(x + width + 4, LABEL_W + CHART_W - 40)
    return (
        f"<g><title>{escape(said)}</title>"
        f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 3}" text-anchor="end">{escape(name)}</text>'
        f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H}" rx="2" '
        f'fill="{COLOURS[bar.status]}"/>'
        f'<text x="{text_x:.1f}" y="{y + BAR_H - 3}" fill="#59636e">'
        f"{escape(wording.duration(bar.length_s))}</text></g>"
    )


def svg(found: list[Bar]) -> str:
    """The bars on one time axis, in seconds from the run's first start."""
    span = max(max(b.end_s for b in found), 1.0)
    scale = (CHART_W - 50) / span
    height = AXIS_H + len(found) * ROW_H + 4
    width = LABEL_W + CHART_W
    ticks = "".join(
        f'<line x1="{LABEL_W + t * scale:.1f}" y1="{AXIS_H - 4}" x2="{LABEL_W + t * scale:.1f}" '
        f'y2="{height}" stroke="#eaeef2"/>'
        f'<text x="{LABEL_W + t * scale:.1f}" y="{AXIS_H - 8}" text-anchor="middle">{t} s</text>'
        for t in range(0, int(span) + 1, _step(span))
    )
    rows = "".join(_row(bar, i, scale) for i, bar in enumerate(found))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="system-ui,sans-serif" font-size="12">'
        f"<title>The run's layers from start to end</title>{ticks}{rows}</svg>"
    )


def html(results: Results) -> str:
    """The timeline section of the HTML page ("" for a run with nothing to show)."""
    found, said = bars(results), notes(results)
    if not found and not said:
        return ""
    text = "".join(f"<p>{escape(line).replace('`', '')}</p>" for line in said)
    return f"<h2>Timeline</h2>{text}" + (f"<figure>{svg(found)}</figure>" if found else "")
