"""The baseline comparison as it appears in the HTML page and the Markdown summary: per
compared series and figure, both builds' figures, the interval of the change, the minimum
detectable effect and the verdict, and whether (and why) the comparison is only advisory.
"""

from __future__ import annotations

from html import escape

from signoff.judge import Comparison, Shift
from signoff.report import plots
from signoff.report.results import Results


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _cell(value: object, limit: int = 300) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _interval(shift: Shift) -> str:
    """The interval the verdict was read from, with its level."""
    level = "" if shift.confidence is None or shift.ci_low is None else f" ({shift.confidence:.2%})"
    return f"{_fmt(shift.ci_low, '+.1%')} … {_fmt(shift.ci_high, '+.1%')}{level}"


def _looks(comp: Comparison) -> str:
    """How many pairs a sequential comparison ran, where it stopped and why ("" otherwise)."""
    stop = comp.stop
    if stop is None or stop.cap <= stop.looks[0]:
        return ""
    return (
        f"{stop.pairs} pairs of runs of at most {stop.cap}, judged at {len(stop.looks)} look(s) "
        f"({stop.spending} spending): {stop.reason}."
    )


def _mde(shift: Shift) -> str:
    text = _fmt(shift.mde, ".0%")
    return text if shift.measured_noise or shift.mde is None else f"{text} (assumed noise)"


def _heading(comp: Comparison) -> str:
    ids = comp.baseline_runs or [comp.baseline_run]
    named = ids[0] if len(ids) == 1 else f"{ids[0]} … {ids[-1]}"
    runs = f"{len(ids)} baseline vs {len(comp.candidate_runs)} candidate run(s)"
    return f"Against baseline {named} ({runs})"


def html(results: Results) -> str:
    """The comparison section of the HTML page: per series, figures, interval, mde, verdict."""
    comp = results.comparison
    if comp is None:
        return ""
    parts = [f"<h2>{escape(_heading(comp))}</h2>"]
    if _looks(comp):
        parts.append(f"<p>{escape(_looks(comp))}</p>")
    if comp.advisory:
        parts.append(
            '<p class="note">Advisory only — it does not change the verdict, because: '
            f"{escape('; '.join(comp.advisory))}.</p>"
        )
    rows = [
        [
            escape(r.kind),
            escape(r.series),
            escape(r.shift.figure),
            _fmt(r.shift.value_baseline, ".4g"),
            _fmt(r.shift.value_candidate, ".4g"),
            f"{r.shift.runs_baseline} / {r.shift.runs_candidate}",
            _fmt(r.shift.relative, "+.1%"),
            _interval(r.shift),
            escape(_mde(r.shift)),
            f"<b>{escape(r.verdict)}</b>",
            escape(r.shift.reason),
        ]
        for r in comp.rows
    ]
    head = ["kind", "series", "figure", "baseline", "candidate", "runs", "change"]
    head += ["interval", "min. detectable", "verdict", "why"]
    parts.append(_table(head, rows))
    judged = [
        (f"{r.series} ({r.shift.figure})", r.shift.relative, r.shift.ci_low, r.shift.ci_high)
        for r in comp.rows
        if r.shift.relative is not None
        and r.shift.ci_low is not None
        and r.shift.ci_high is not None
    ]
    if judged:
        parts.append(plots.shifts(judged, "shifts"))
    if comp.only_in_one:
        parts.append(
            "<p>Measured on one side only: " + escape(", ".join(comp.only_in_one)) + "</p>"
        )
    cov = [
        [escape(k), str(v["baseline"]), str(v["candidate"]), str(v["delta"])]
        for k, v in comp.coverage.items()
    ]
    if cov:
        parts.append(_table(["coverage", "baseline", "candidate", "delta (points)"], cov))
    for title, items in (
        ("New security findings", comp.new_findings),
        ("Fixed security findings", comp.fixed_findings),
        ("New failures", comp.new_failures),
    ):
        listed = "".join(f"<li>{escape(i)}</li>" for i in items) or "<li>none</li>"
        parts.append(f"<h3>{title}</h3><ul>{listed}</ul>")
    return "".join(parts)


def markdown(results: Results) -> list[str]:
    """The comparison block of the Markdown summary, one table row per series and figure."""
    comp = results.comparison
    if comp is None:
        return []
    lines = ["", f"### {_heading(comp)}", ""]
    if _looks(comp):
        lines += [_looks(comp), ""]
    if comp.advisory:
        lines += [f"_Advisory only, because: {_cell('; '.join(comp.advisory), 600)}._", ""]
    lines += [
        "| kind | series | figure | baseline | candidate | change | interval | min. detectable "
        "| verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in comp.rows:
        s = row.shift
        lines.append(
            f"| {row.kind} | {_cell(row.series)} | {s.figure} | {_fmt(s.value_baseline, '.4g')} "
            f"| {_fmt(s.value_candidate, '.4g')} | {_fmt(s.relative, '+.1%')} "
            f"| {_interval(s)} | {_mde(s)} | {row.verdict} |"
        )
    for key, cov in comp.coverage.items():
        lines.append(
            f"| coverage | {key} | points | {cov['baseline']} | {cov['candidate']} "
            f"| {cov['delta']} | — | — | — |"
        )
    lines += [
        "",
        f"New findings: {len(comp.new_findings)}, fixed: {len(comp.fixed_findings)}, "
        f"new failures: {len(comp.new_failures)}.",
    ]
    return lines
