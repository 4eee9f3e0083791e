"""The store's view in the report: a line per trend and the flaky tests in Markdown; in HTML
the same lines, small plots (`report.plots`) and a table of each flaky test's outcomes.
Nothing is drawn for a run without a view (the store is off, or failed)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from signoff.history.view import FlakyTest, HistoryView, Trend
from signoff.report import trendline
from signoff.report.wording import number

if TYPE_CHECKING:
    from signoff.report.results import Results

SHORT = 8  # characters of a commit shown


def line(trend: Trend) -> str:
    """`p95 GET /jobs (smoke/steady): 41 → 44 → 52 ms over 3 runs of main`."""
    values = " → ".join(number(p.value) for p in trend.points)
    unit = f" {trend.unit}" if trend.unit and trend.unit != "%" else trend.unit
    return f"{trend.name}: {values}{unit} over {len(trend.points)} runs of {trend.scope or '?'}"


def outcomes(test: FlakyTest) -> str:
    return ", ".join(
        f"{o.outcome} ({o.commit[:SHORT] or '?'}, run {o.run_id})" for o in test.history
    )


def _intro(view: HistoryView, quote: str = "`") -> str:
    gating = "gate the run" if view.policy == "gate" else "are reported, not gating"
    return (
        f"The last runs of {quote}{view.branch or '?'}{quote} and of {quote}{view.main}{quote} "
        f"in the run store ({view.where}); flaky tests {gating}."
    )


def markdown(results: Results) -> list[str]:
    view = results.history
    if view is None or not (view.trends or view.flaky):
        return []
    lines = ["", "### Trends", "", _intro(view), ""]
    lines += [f"- {line(t)}" for t in view.trends] or ["- fewer than two stored runs"]
    if view.flaky:
        lines += ["", "### Flaky tests", "", "| test | outcomes, oldest first |", "|---|---|"]
        lines += [
            f"| `{f.layer}::{f.test}` | {outcomes(f).replace('|', '/')} |" for f in view.flaky
        ]
    return lines


def _figure_plots(view: HistoryView) -> list[str]:
    """One plot per figure (both branches' lines in it); p50 stays a line of text."""
    grouped: dict[str, list[Trend]] = {}
    for trend in view.trends:
        if not trend.name.startswith(("p50 ", "duration ")):
            grouped.setdefault(trend.name, []).append(trend)
    out = []
    for i, (name, found) in enumerate(grouped.items()):
        series = {t.scope or "?": [p.value for p in t.points] for t in found}
        unit = found[0].unit
        out.append(trendline.trend(series, name, f"{name} ({unit})" if unit else name, f"tr{i}"))
    return out


def _duration_plots(view: HistoryView) -> list[str]:
    """Per branch, every layer's duration in one plot."""
    by_scope: dict[str, dict[str, list[float]]] = {}
    for trend in view.trends:
        if trend.name.startswith("duration "):
            layer = trend.name.removeprefix("duration ")
            by_scope.setdefault(trend.scope, {})[layer] = [p.value for p in trend.points]
    return [
        trendline.trend(series, f"Layer durations, {scope or '?'}", "duration (s)", f"du{i}")
        for i, (scope, series) in enumerate(by_scope.items())
    ]


def _flaky_table(view: HistoryView) -> str:
    if not view.flaky:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(f.layer)}::{escape(f.test)}</code></td>"
        f"<td>{escape(outcomes(f))}</td></tr>"
        for f in view.flaky
    )
    return (
        '<h3 id="flaky">Flaky tests</h3><table class="flaky"><thead><tr><th>test</th>'
        f"<th>outcomes, oldest first</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def html(results: Results) -> str:
    view = results.history
    if view is None or not (view.trends or view.flaky):
        return ""
    items = "".join(f"<li>{escape(line(t))}</li>" for t in view.trends)
    figures = "".join(f"<figure>{svg}</figure>" for svg in _figure_plots(view))
    durations = "".join(f"<figure>{svg}</figure>" for svg in _duration_plots(view))
    return (
        f'<h2 id="trends">Trends</h2><p>{escape(_intro(view, quote=""))}</p>'
        + (
            f"<details><summary>Every trend ({len(view.trends)})</summary><ul>{items}</ul>"
            "</details>"
            if items
            else ""
        )
        + f"<div class='plots trends'>{figures}{durations}</div>"
        + _flaky_table(view)
    )
