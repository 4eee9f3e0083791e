"""What a release manager reads: the verdict and why first, one row per layer, failing layers
open at their failed checks, prose instead of Python reprs, and links that resolve."""

from __future__ import annotations

import re
import stat
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from signoff import config as config_mod
from signoff.records import Check, LayerRecord, Status
from signoff.report.results import build
from signoff.report.write import write_all
from tests.report_runs import FAILED_TESTS, clean_run, failing_run
from tests.test_compare_baseline import load_run
from tests.test_report_results import make_run, passing

REPRS = ("{'", "'}", "None", "[]", "[{", "': ", ".;", "True", "False")


class _Page(HTMLParser):
    """Collects hrefs and <details> elements (open or not, with their summary text)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.details: list[tuple[bool, str]] = []
        self._summary: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if tag == "details":
            self.details.append(("open" in found, ""))
        if tag == "summary":
            self._summary = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "summary" and self._summary is not None:
            is_open, _ = self.details[-1]
            self.details[-1] = (is_open, "".join(self._summary))
            self._summary = None

    def handle_data(self, data: str) -> None:
        if self._summary is not None:
            self._summary.append(data)


def _prose(html: str) -> str:
    """The page without inline plots: what a reader reads."""
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)
    return unescape(re.sub(r'src="data:[^"]+"', "", html))


def _written(run: Path, cfg: config_mod.Config) -> tuple[str, str]:
    _, paths = write_all(run, cfg)
    return paths["html"].read_text(encoding="utf-8"), paths["md"].read_text(encoding="utf-8")


def test_the_verdict_and_why_come_first(tmp_path: Path) -> None:
    html, md = _written(*failing_run(tmp_path))
    why = (
        "2 of 5 required layers failed — api: 3 tests failed; "
        "audit: PYSEC-2024-48 in jinja2 3.1.2 (fixed in 3.1.3)."
    )
    assert md.startswith(f"## signoff: ❌ FAIL\n\n**{why}**\n")
    body = html[html.index("<body>") + len("<body>") :]
    assert body.startswith('<header class="verdict fail" id="verdict"><h1>Sign-off: FAIL</h1>')
    assert f'<p class="why">{why}</p>' in body.split("</header>")[0]


def test_a_clean_run_says_so_in_one_sentence(tmp_path: Path) -> None:
    html, md = _written(*clean_run(tmp_path))
    assert "**All 5 required layers passed.**" in md
    assert "### Not passing" not in md
    assert '<p class="why">All 5 required layers passed.</p>' in html


def test_failing_layers_open_at_their_failed_checks_and_every_check_folds(tmp_path: Path) -> None:
    html, _ = _written(*failing_run(tmp_path))
    page = _Page()
    page.feed(html)
    layers = {
        s.split()[1]: is_open for is_open, s in page.details if s.split()[0] in ("PASS", "FAIL")
    }
    assert layers == {
        "unit": False,
        "api": True,
        "audit": True,
        "coverage": False,
        "load": False,
        "fuzz": False,
    }
    folded = [s for is_open, s in page.details if s.startswith("All ")]
    assert len(folded) == 6
    assert not any(o for o, s in page.details if s.startswith("All "))
    for test, assertion in FAILED_TESTS.items():  # each failing test with its assertion
        line = f"<b>{test}</b>: {assertion.splitlines()[0]}"
        assert line.replace("'", "&#x27;") in html
    assert "fixable vulnerabilities</b>: PYSEC-2024-48 in jinja2 3.1.2" in html
    assert html.count("<h2>Layers</h2>") == 1
    assert html.count('<tr class="fail">') == 2  # one overview row per failing layer


def test_markdown_lists_failed_checks_and_counts_the_passing(tmp_path: Path) -> None:
    _, md = _written(*failing_run(tmp_path))
    for test, assertion in FAILED_TESTS.items():
        assert f"- ❌ `{test}`: {assertion.splitlines()[0]} ([junit.xml](api/junit.xml))" in md
    assert "9 of 14 checks in 6 layers pass" in md
    assert "line coverage" in md  # as a key figure of its layer's row…
    assert "`line coverage`" not in md  # …never listed as a check
    assert len(md.encode()) < 8000


@pytest.mark.parametrize("make", [clean_run, failing_run])
def test_no_python_repr_reaches_the_page(tmp_path: Path, make: object) -> None:
    run, cfg = make(tmp_path)  # type: ignore[operator]
    html, md = _written(run, cfg)
    for text in (_prose(html), md):
        found = [r for r in REPRS if r in text]
        assert found == [], [text[max(0, text.index(r) - 80) : text.index(r) + 80] for r in found]


def test_no_python_repr_with_a_baseline_comparison(tmp_path: Path) -> None:
    run = load_run(tmp_path, seed=3)
    results = build(run, config_mod.load(tmp_path), baseline=run)
    from signoff.report.html import HtmlRenderer
    from signoff.report.markdown import MarkdownRenderer

    for text in (_prose(HtmlRenderer().format(results)), MarkdownRenderer().format(results)):
        assert [r for r in ("{'", "None", "[]", ".;") if r in text] == []


@pytest.mark.parametrize("make", [clean_run, failing_run])
def test_every_link_resolves_from_the_report_folder(tmp_path: Path, make: object) -> None:
    run, cfg = make(tmp_path)  # type: ignore[operator]
    html, md = _written(run, cfg)
    page = _Page()
    page.feed(html)
    hrefs = [h for h in page.hrefs if not h.startswith("#")]
    hrefs += re.findall(r"\]\(([^)]+)\)", md)
    assert len(hrefs) > 10
    missing = [h for h in hrefs if not (run / unquote(h)).exists()]
    assert missing == []
    assert all(not h.startswith(("/", "..")) and "://" not in h for h in hrefs)
    # the layer-relative junit.xml and the waiver file from outside the run are both linked
    assert "api/junit.xml" in hrefs
    assert "audit/outside-run/waivers.toml" in hrefs
    anchors = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert anchors
    assert all(f'id="{a}"' in html for a in anchors)


def test_reports_and_records_are_readable_by_everyone(tmp_path: Path) -> None:
    run, cfg = failing_run(tmp_path)
    _, paths = write_all(run, cfg)
    files = [
        *paths.values(),
        run / "api" / "record.json",
        run / "audit" / "outside-run" / "waivers.toml",
    ]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_each_figure_is_drawn_once_with_labelled_axes(tmp_path: Path) -> None:
    html, _ = _written(*failing_run(tmp_path))
    # the load layer's own latency and throughput plots, embedded once each
    assert html.count('alt="smoke_latency_png"') == 1
    assert html.count('alt="smoke_throughput_png"') == 1
    assert html.count("<img") == 2
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) == 2  # coverage by package and findings by severity, nothing else
    for x, y in (("line coverage (%)", "package"), ("findings (count)", "severity")):
        assert len([svg for svg in svgs if x in svg and y in svg]) == 1, (x, y)


def test_an_inconclusive_layer_and_its_reasons_read_as_sentences(tmp_path: Path) -> None:
    partial = LayerRecord(
        "audit",
        Status.INCONCLUSIVE,
        "audit incomplete",
        {"dependencies": 25},
        {"dependencies": 20},
        checks=[Check("security score", Status.INCONCLUSIVE, message="")],
        reasons=["Evaluated 20 of 25 declared dependencies", "security score could not be judged."],
    )
    run, cfg = make_run(tmp_path, [passing("unit"), partial], layers=["unit", "audit", "e2e"])
    results = build(run, cfg)
    gate = next(g for g in results.gates if g.name == "audit")
    assert gate.message == (
        "Evaluated 20 of 25 declared dependencies. Security score could not be judged."
    )
    html, md = _written(run, cfg)
    assert (
        "**2 of 3 required layers are inconclusive — audit: evaluated 20 of 25 declared "
        "dependencies; e2e: the layer wrote no record ("
    ) in md
    assert "<li>Evaluated 20 of 25 declared dependencies.</li>" in html


def test_a_figure_judged_on_an_interval_shows_it_beside_the_threshold(tmp_path: Path) -> None:
    p95 = Check(
        "spike phase 'baseline', GET /x: p95",
        Status.FAIL,
        405.0,
        400.0,
        "<=",
        "ms",
        "spike phase 'baseline', GET /x: p95 is 405ms, needs <= 400ms.",
        low=401.0,
        high=431.0,
    )
    rps = Check("spike phase 'baseline', all endpoints: throughput", Status.PASS, 9.5, 3.0, ">=")
    load = LayerRecord("load", Status.FAIL, "load", {"phases": 1}, {"phases": 1}, {}, [p95, rps])
    html, md = _written(*make_run(tmp_path, [load, passing("unit")]))
    shown = "405 ms [401\u2013431] vs ≤ 400 ms"
    assert f"- ❌ `{p95.name}`: {shown}" in md
    assert f"<b>{p95.name}</b>: {shown}" in unescape(html)
    assert '<td data-label="measured">405 ms [401\u2013431]</td>' in unescape(html)
    assert '<td data-label="measured">9.5</td>' in html  # one without an interval as before
