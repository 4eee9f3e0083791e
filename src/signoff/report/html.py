"""HTML: one self-contained page for a release manager — verdict first, then the gates with
their figures against thresholds, claims, the baseline comparison and each layer's evidence
with plots. Styles and plots are inline; links point at raw artifacts beside the page.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path
from typing import Any, ClassVar

from signoff.records import LayerRecord, Status
from signoff.report import plots
from signoff.report.interface import Renderer
from signoff.report.markdown import measured, number, ordered, threshold
from signoff.report.results import Results

COLOURS = {
    Status.PASS: "#1a7f37",
    Status.FAIL: "#cf222e",
    Status.INCONCLUSIVE: "#9a6700",
    Status.WAIVED: "#57606a",
}
CLAIM_COLOURS = {"VERIFIED": "#1a7f37", "REFUTED": "#cf222e", "UNVERIFIABLE": "#9a6700"}
CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;color:#1f2328}
.verdict{padding:1em 1.2em;border-radius:8px;color:#fff;margin-bottom:1em}
.verdict h1{margin:0;font-size:2em}.verdict p{margin:.3em 0 0}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:14px}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}.badge{color:#fff;border-radius:4px;padding:0 .4em;font-weight:600;
white-space:nowrap}section.layer{border-top:2px solid #d0d7de;margin-top:1.5em}
.note{background:#fff8c5;padding:.5em;border-radius:4px}code{font-size:13px}
svg{max-width:100%;height:auto}img{max-width:100%}
"""


def _badge(text: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour}">{escape(text)}</span>'


def _status(status: Status) -> str:
    return _badge(status.value, COLOURS[status])


def _link(path: str) -> str:
    return f'<a href="{escape(path)}"><code>{escape(path)}</code></a>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _verdict(results: Results) -> str:
    verdict = results.verdict
    required = [g for g in results.all_gates if g.required]
    failing = [g for g in required if not g.ok]
    lines = [f"{sum(g.ok for g in required)} of {len(required)} required gates pass"]
    if failing:
        lines.append(
            "not passing: "
            + ", ".join(g.name for g in failing[:8])
            + (" …" if len(failing) > 8 else "")
        )
    return (
        f'<div class="verdict" id="verdict" style="background:{COLOURS[verdict]}">'
        f"<h1>Sign-off: {verdict.value}</h1>"
        f"<p>Run <code>{escape(results.run.run_id)}</code>, profile "
        f"<b>{escape(results.run.profile)}</b>, reported {escape(results.generated_at)}</p>"
        + "".join(f"<p>{escape(line)}</p>" for line in lines)
        + "</div>"
    )


def _gates(results: Results) -> str:
    rows = [
        [
            escape(g.name),
            _status(g.status),
            "required" if g.required else "advisory",
            escape(measured(g)),
            escape(threshold(g)),
            escape(g.message),
            " ".join(_link(p) for p in g.evidence),
        ]
        for g in ordered(results.all_gates)
    ]
    return "<h2>Gates</h2>" + _table(
        ["gate", "verdict", "kind", "measured", "threshold", "why", "evidence"], rows
    )


def _claims(results: Results) -> str:
    if not results.claims:
        return ""
    rows = [
        [
            escape(c.claim.text),
            _badge(c.outcome.value, CLAIM_COLOURS[c.outcome.value]),
            escape("—" if c.measured is None else number(c.measured)),
            escape(f"{c.claim.layer}.{c.claim.figure} {c.claim.comparator} {c.claim.threshold}"),
            escape(c.reason),
        ]
        for c in results.claims
    ]
    return "<h2>Claims</h2>" + _table(["claim", "outcome", "measured", "as measured", "why"], rows)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _comparison(results: Results) -> str:
    comp = results.comparison
    if comp is None:
        return ""
    parts = [f"<h2>Against baseline <code>{escape(comp.baseline_run)}</code></h2>"]
    if not comp.comparable:
        parts.append(
            '<p class="note">Compared as advisory only, because the environments '
            f"differ: {escape('; '.join(comp.reasons))}.</p>"
        )
    rows = [
        [
            escape(r.kind),
            escape(r.series),
            str(r.shift.n_baseline),
            _fmt(r.shift.median_baseline, ".4g"),
            str(r.shift.n_candidate),
            _fmt(r.shift.median_candidate, ".4g"),
            _fmt(r.shift.relative, "+.1%"),
            f"{_fmt(r.shift.ci_low, '+.1%')} … {_fmt(r.shift.ci_high, '+.1%')}",
            _fmt(r.shift.p_value, ".3g"),
            f"<b>{escape(r.shift.change.value)}</b>",
            escape(r.shift.reason),
        ]
        for r in comp.rows
    ]
    parts.append(
        _table(
            [
                "kind",
                "series",
                "n base",
                "median base",
                "n cand",
                "median cand",
                "HL shift",
                "95% CI",
                "p",
                "change",
                "why",
            ],
            rows,
        )
    )
    judged = [
        (r.series, r.shift.relative, r.shift.ci_low, r.shift.ci_high)
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


def _figures(figures: dict[str, Any]) -> str:
    rows = []
    for key, value in figures.items():
        text = (
            value
            if isinstance(value, str | int | float) or value is None
            else json.dumps(value, default=str)
        )
        text = str(text)
        rows.append([escape(key), escape(text if len(text) < 400 else text[:400] + " …")])
    return _table(["figure", "value"], rows) if rows else ""


def _images(run_dir: Path, record: LayerRecord) -> str:
    out = []
    for key, rel in sorted(record.artifacts.items()):
        path = run_dir / rel
        if not path.is_file():
            continue
        if key.endswith("_svg"):
            text = path.read_text(encoding="utf-8", errors="replace")
            out.append(text[text.find("<svg") :] if "<svg" in text else "")
        elif key.endswith("_png"):
            data = base64.b64encode(path.read_bytes()).decode()
            out.append(f'<img alt="{escape(key)}" src="data:image/png;base64,{data}">')
    return "".join(out)


def _layer_plots(results: Results, record: LayerRecord) -> str:
    out = []
    name = record.layer
    prefix = f"{name}: "
    latency = {
        k[len(prefix) :]: v
        for k, v in results.samples.get("latency", {}).items()
        if k.startswith(prefix) and v
    }
    if latency:
        out.append(
            plots.latency_over_time(latency, f"{name}: latency percentiles", f"{name}-latency")
        )
    rps = {
        k: v for k, v in results.samples.get("throughput", {}).items() if k.startswith(prefix) and v
    }
    if rps:
        out.append(plots.throughput(rps, f"{name}: throughput", f"{name}-rps"))
    by_package = record.figures.get("by_package")
    if isinstance(by_package, dict) and by_package:
        out.append(plots.bars(by_package, "line coverage by package", "%", f"{name}-cov"))
    severity = record.figures.get("findings_by_severity")
    if isinstance(severity, dict) and severity:
        out.append(plots.bars(severity, "findings by severity", "findings", f"{name}-sev"))
    return "".join(out)


def _layer(results: Results, required: bool, record: LayerRecord) -> str:
    reasons = "".join(f"<li>{escape(r)}</li>" for r in record.reasons)
    artifacts = "".join(
        f"<li>{escape(k)}: {_link(v)}</li>" for k, v in sorted(record.artifacts.items())
    )
    checks = (
        _table(
            ["check", "verdict", "measured", "threshold", "why"],
            [
                [
                    escape(c.name),
                    _status(c.status),
                    escape("—" if c.figure is None else f"{number(c.figure)}{c.unit}"),
                    escape("—" if c.threshold is None else f"{c.comparator} {c.threshold}{c.unit}"),
                    escape(c.message),
                ]
                for c in record.checks
            ],
        )
        if record.checks
        else ""
    )
    return (
        f'<section class="layer" id="layer-{escape(record.layer)}">'
        f"<h3>{escape(record.layer)} {_status(record.status)} "
        f"<small>{'required' if required else 'advisory'}</small></h3>"
        f"<p>{escape(record.summary)}</p>"
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + f"<p>declared {escape(str(record.declared))}, evaluated "
        f"{escape(str(record.evaluated))}, {record.duration_s:.1f} s</p>"
        + checks
        + _figures(record.figures)
        + _layer_plots(results, record)
        + _images(results.run.run_dir, record)
        + (f"<p>Raw artifacts:</p><ul>{artifacts}</ul>" if artifacts else "")
        + "</section>"
    )


def _environment(env: dict[str, Any]) -> str:
    rows = []
    for key, value in env.items():
        if isinstance(value, dict):
            rows += [[escape(f"{key}.{k}"), escape(str(v))] for k, v in value.items()]
        else:
            rows.append([escape(key), escape(str(value))])
    return "<h2>Environment</h2>" + _table(["fingerprint", "value"], rows)


class HtmlRenderer(Renderer):
    suffix: ClassVar[str] = ".html"

    def format(self, results: Results) -> str:
        layers = "".join(_layer(results, item.required, item.record) for item in results.run.layers)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>signoff {escape(results.verdict.value)} — {escape(results.run.run_id)}"
            f"</title><style>{CSS}</style></head><body>"
            + _verdict(results)
            + _gates(results)
            + _claims(results)
            + _comparison(results)
            + "<h2>Layers</h2>"
            + layers
            + _environment(results.environment)
            + "</body></html>\n"
        )
