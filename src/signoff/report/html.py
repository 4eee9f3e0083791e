"""HTML: one self-contained page a release manager signs from. The verdict and why come
first, then one row per layer, then each layer in detail (failing ones open at their failed
checks, every check folded), claims, the baseline comparison and the environment. Styles and
plots are inline; links are relative paths to the raw evidence in the run directory, where
the page itself is written.
"""

from __future__ import annotations

import base64
from datetime import datetime
from html import escape
from typing import ClassVar

from signoff.history import render as history
from signoff.records import Check, LayerRecord, Status
from signoff.report import comparison, links, plots, timeline, wording
from signoff.report.html_style import CSS
from signoff.report.interface import Renderer
from signoff.report.results import Results
from signoff.report.summary import LayerDigest, digests, headline, run_level_gates

CLAIM_CLASSES = {"VERIFIED": "pass", "REFUTED": "fail", "UNVERIFIABLE": "inconclusive"}


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{escape(text)}</span>'


def _status(status: Status) -> str:
    return _badge(status.value, status.value.lower())


def _link(rel: str | None, label: str | None = None) -> str:
    if rel is None:
        return wording.NOTHING
    text = label or rel.rstrip("/").rsplit("/", 1)[-1] + ("/" if rel.endswith("/") else "")
    return f'<a href="{escape(links.href(rel))}" title="{escape(rel)}">{escape(text)}</a>'


def _table(
    head: list[str], rows: list[list[str]], css: str = "", marks: list[str] | None = None
) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        (f'<tr class="{mark}">' if mark else "<tr>")
        + "".join(f'<td data-label="{escape(h)}">{c}</td>' for h, c in zip(head, row, strict=True))
        + "</tr>"
        for row, mark in zip(rows, marks or [""] * len(rows), strict=True)
    )
    return f'<table class="{css}"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def _banner(results: Results, layers: list[LayerDigest]) -> str:
    verdict = results.verdict
    return (
        f'<header class="verdict {verdict.value.lower()}" id="verdict">'
        f"<h1>Sign-off: {verdict.value}</h1>"
        f'<p class="why">{escape(headline(results, layers))}</p>'
        f'<p class="meta">Run <code>{escape(results.run.run_id)}</code> · profile '
        f"<b>{escape(results.run.profile)}</b> · reported {escape(_when(results.generated_at))}"
        "</p></header>"
    )


def _overview(layers: list[LayerDigest]) -> str:
    rows = [
        [
            f'<a href="#layer-{escape(d.name)}">{escape(d.name)}</a>',
            _status(d.status),
            d.kind,
            "<br>".join(escape(f) for f in ([d.evaluated] if d.evaluated else []) + d.figures)
            or escape(wording.clause(d.summary) or wording.NOTHING),
            escape(wording.duration(d.duration_s)),
            _link(d.evidence),
        ]
        for d in layers
    ]
    head = ["layer", "verdict", "kind", "key figures against thresholds", "time", "evidence"]
    marks = ["" if d.ok else d.status.value.lower() for d in layers]
    return "<h2>Layers</h2>" + _table(head, rows, "layers", marks)


def _check_line(results: Results, layer: str, check: Check) -> str:
    rel = links.locate(results.run.run_dir, layer, check.evidence)
    return (
        f"<li>{_status(check.status)} <b>{escape(check.name)}</b>: "
        f"{escape(wording.cause(check))}"
        + (f" <span class='ev'>{_link(rel)}</span>" if rel else "")
        + "</li>"
    )


def _checks(results: Results, d: LayerDigest) -> str:
    if not d.checks:
        return ""
    rows = [
        [
            escape(c.name),
            _status(c.status),
            escape(wording.measured(c.figure, c.unit, c.low, c.high)),
            escape(wording.threshold(c.comparator, c.threshold, c.unit)),
            escape(c.message.strip().splitlines()[0]) if c.message.strip() else "",
            _link(links.locate(results.run.run_dir, d.name, c.evidence)),
        ]
        for c in d.checks
    ]
    passed = len(d.checks) - len(d.failed)
    return (
        f"<details class='all'><summary>All {wording.plural(len(d.checks), 'check')} "
        f"({passed} passing)</summary>"
        + _table(["check", "verdict", "measured", "threshold", "why", "evidence"], rows, "checks")
        + "</details>"
    )


def _figures(results: Results, record: LayerRecord) -> str:
    record_rel = links.locate(results.run.run_dir, record.layer, "record.json")
    rows = [
        [
            escape(wording.label(key)),
            f"nested; see {_link(record_rel)}"
            if wording.nested(value)
            else escape(wording.value(value)),
        ]
        for key, value in record.figures.items()
    ]
    if not rows:
        return ""
    return (
        f"<details><summary>Figures ({len(rows)})</summary>"
        + _table(["figure", "value"], rows, "figures")
        + "</details>"
    )


def _artifacts(results: Results, record: LayerRecord) -> str:
    items = []
    for key, path in sorted(record.artifacts.items()):
        rel = links.locate(results.run.run_dir, record.layer, path)
        shown = _link(rel, rel) if rel else f"<code>{escape(path)}</code> (not in the run)"
        items.append(f"<li>{escape(key)}: {shown}</li>")
    if not items:
        return ""
    listed = "".join(items)
    return f"<details><summary>Raw artifacts ({len(items)})</summary><ul>{listed}</ul></details>"


PLOT_ORDER = ("latency", "throughput", "errors")


def _plot_order(key: str) -> tuple[str, int, str]:
    """A profile's plots together, latency before throughput before errors."""
    rank = next((i for i, kind in enumerate(PLOT_ORDER) if kind in key), len(PLOT_ORDER))
    return key.split("_", 1)[0], rank, key


def _images(results: Results, record: LayerRecord) -> str:
    """The layer's own plots (`*_svg`, `*_png` artifacts), inline."""
    out = []
    for key, path in sorted(record.artifacts.items(), key=lambda item: _plot_order(item[0])):
        rel = links.locate(results.run.run_dir, record.layer, path)
        file = results.run.run_dir / rel if rel else None
        if file is None or not file.is_file():
            continue
        if key.endswith("_svg"):
            text = file.read_text(encoding="utf-8", errors="replace")
            out.append(f"<figure>{text[text.find('<svg') :]}</figure>" if "<svg" in text else "")
        elif key.endswith("_png"):
            data = base64.b64encode(file.read_bytes()).decode()
            out.append(
                f'<figure><img alt="{escape(key)}" src="data:image/png;base64,{data}"></figure>'
            )
    return "".join(out)


def _plots(record: LayerRecord) -> str:
    out = []
    by_package = record.figures.get("by_package")
    if isinstance(by_package, dict) and by_package:
        out.append(plots.coverage(by_package, f"{record.layer}-cov"))
    severity = record.figures.get("findings_by_severity")
    if isinstance(severity, dict) and severity:
        out.append(plots.severities(severity, f"{record.layer}-sev"))
    return "".join(f"<figure>{svg}</figure>" for svg in out)


def _layer(results: Results, d: LayerDigest, record: LayerRecord) -> str:
    title = d.cause or wording.clause(d.summary, 200)
    failed = "".join(_check_line(results, d.name, c) for c in d.failed)
    reasons = "".join(f"<li>{escape(wording.sentence(r))}</li>" for r in d.reasons)
    facts = [d.evaluated, wording.duration(d.duration_s)]
    return (
        f'<section class="layer" id="layer-{escape(d.name)}">'
        f"<details{'' if d.ok else ' open'}><summary>{_status(d.status)} "
        f"<b>{escape(d.name)}</b> <small>{d.kind}</small> — {escape(title)}</summary>"
        f"<p>{escape(wording.sentence(d.summary)) if d.cause else ''} "
        f"<small>{escape(' · '.join(f for f in facts if f and f != wording.NOTHING))}</small></p>"
        + (f"<ul class='reasons'>{reasons}</ul>" if reasons else "")
        + (f"<h4>Not passing</h4><ul class='failed'>{failed}</ul>" if failed else "")
        + _checks(results, d)
        + f"<div class='plots'>{_plots(record)}{_images(results, record)}</div>"
        + _figures(results, record)
        + _artifacts(results, record)
        + "</details></section>"
    )


def _run_level(results: Results) -> str:
    gates = run_level_gates(results)
    if not gates:
        return ""
    rows = [
        [
            escape(g.name),
            _status(g.status),
            "required" if g.required else "advisory",
            escape(wording.measured(g.figure, g.unit)),
            escape(wording.threshold(g.comparator, g.threshold, g.unit)),
            escape(wording.sentence(g.message)),
        ]
        for g in gates
    ]
    head = ["gate", "verdict", "kind", "measured", "threshold", "why"]
    return "<h2>Run-level gates</h2>" + _table(head, rows, "gates")


def _claims(results: Results) -> str:
    if not results.claims:
        return ""
    rows = [
        [
            escape(c.claim.text),
            _badge(c.outcome.value, CLAIM_CLASSES[c.outcome.value]),
            escape(wording.measured(c.measured)),
            escape(
                f"{c.claim.layer}.{c.claim.figure} "
                f"{wording.threshold(c.claim.comparator, c.claim.threshold)}"
            ),
            escape(wording.sentence(c.reason)),
        ]
        for c in results.claims
    ]
    head = ["claim", "outcome", "measured", "as measured", "why"]
    return "<h2>Claims</h2>" + _table(head, rows, "claims")


def _environment(env: dict[str, object]) -> str:
    rows = [
        [escape(wording.label(key)), escape(wording.value(value, 600))]
        for key, value in env.items()
    ]
    return "<h2>Environment</h2>" + _table(["fingerprint", "value"], rows, "env")


class HtmlRenderer(Renderer):
    suffix: ClassVar[str] = ".html"

    def format(self, results: Results) -> str:
        layers = digests(results)
        records = {item.record.layer: item.record for item in results.run.layers}
        details = "".join(_layer(results, d, records[d.name]) for d in layers)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Sign-off {escape(results.verdict.value)} — {escape(results.run.run_id)}"
            f"</title><style>{CSS}</style></head><body>"
            + _banner(results, layers)
            + "<main>"
            + _overview(layers)
            + _run_level(results)
            + timeline.html(results)
            + "<h2>Layers in detail</h2>"
            + details
            + _claims(results)
            + comparison.html(results)
            + history.html(results)
            + _environment(results.environment)
            + "</main></body></html>\n"
        )
