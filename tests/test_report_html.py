"""The HTML report opens in Chromium without a single network request and shows the verdict
first; plots and a layer's own images are inline."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

from signoff.browser import find
from signoff.records import LayerRecord, Status, threshold_check
from signoff.report.html import HtmlRenderer
from signoff.report.results import build
from tests.test_compare_baseline import load_run

# A 1x1 PNG, standing for an image a layer drew itself.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_html_is_self_contained_and_verdict_first(tmp_path: Path) -> None:
    failing = LayerRecord(
        "api",
        Status.FAIL,
        "1 failed",
        {"tests": 2},
        {"tests": 2},
        {
            "by_package": {"ledger": 81.0, "ledger/api": 64.5},
            "findings_by_severity": {"HIGH": 0, "MEDIUM": 2, "LOW": 5},
        },
        [threshold_check("failed tests", 1, "==", 0)],
        {"junit": "api/junit.xml", "latency_png": "api/latency.png", "shape_svg": "api/shape.svg"},
    )
    run = load_run(tmp_path, seed=3, extra_records=[failing])
    (run / "api" / "latency.png").write_bytes(PIXEL)
    (run / "api" / "shape.svg").write_text(
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect id="own-shape" width="10" height="10"/></svg>'
    )
    from signoff import config as config_mod

    results = build(run, config_mod.load(tmp_path), baseline=run)  # compare with itself
    page_file = run / "report.html"
    text = HtmlRenderer().format(results)
    page_file.write_text(text, encoding="utf-8")
    assert "://" not in re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]+"', "", text)
    assert text.count("<svg") >= 5  # latency, throughput, coverage, severity, shifts, own svg
    requests: list[str] = []
    with sync_playwright() as play:
        found = find(play.chromium.executable_path)  # a clear error, never a skip
        browser = play.chromium.launch(**found.launch_args())
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri(), wait_until="load")
            page.screenshot(path=str(run / "report-screenshot.png"))
            first = page.evaluate("document.body.firstElementChild.id")
            box = page.locator("#verdict").bounding_box()
            heading = page.locator("#verdict h1").inner_text()
            images = page.evaluate(
                "[...document.images].map(i => i.complete && i.naturalWidth > 0)"
            )
            own_svg = page.locator("#own-shape").count()
        finally:
            browser.close()
    network = [url for url in requests if url != page_file.as_uri() and not url.startswith("data:")]
    assert network == []
    assert first == "verdict"
    assert box is not None
    assert box["y"] < 50
    assert heading == "Sign-off: FAIL"
    assert images == [True]
    assert own_svg == 1
    assert (run / "report-screenshot.png").stat().st_size > 10_000
