"""The HTML report in a real browser: no network request, the verdict banner first and
full width on a desktop and a phone screen, nothing wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from signoff.browser import find
from signoff.report.write import write_all
from tests.report_runs import clean_run, failing_run

WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
BANNER = {"fail": (0xCF, 0x22, 0x2E), "pass": (0x1A, 0x7F, 0x37)}

# Every visible element in document order, the banner's box and the page's widths.
LAYOUT = """() => {
  const banner = document.getElementById('verdict');
  const shown = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0';
  });
  const box = banner.getBoundingClientRect();
  return {
    first: shown[0] === banner ? 'verdict' : shown[0].outerHTML.slice(0, 80),
    above: shown.filter(e => !banner.contains(e) && e.getBoundingClientRect().top < box.bottom)
                .map(e => e.outerHTML.slice(0, 80)),
    box: box.toJSON(),
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def _look(page: Page, html: Path, shot: Path, size: tuple[int, int]) -> dict[str, Any]:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(html.as_uri(), wait_until="load")
    page.screenshot(path=str(shot))
    layout: dict[str, Any] = page.evaluate(LAYOUT)
    return layout


@pytest.mark.parametrize(("make", "verdict"), [(failing_run, "fail"), (clean_run, "pass")])
def test_the_verdict_banner_is_the_first_thing_shown(
    tmp_path: Path, make: Any, verdict: str
) -> None:
    run, cfg = make(tmp_path)
    _, paths = write_all(run, cfg)
    requests: list[str] = []
    looks: dict[str, dict[str, Any]] = {}
    with sync_playwright() as play:
        found = find(play.chromium.executable_path)  # a clear error, never a skip
        browser = play.chromium.launch(**found.launch_args())
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            for name, size in WIDTHS.items():
                looks[name] = _look(page, paths["html"], tmp_path / f"{name}.png", size)
        finally:
            browser.close()
    assert [u for u in requests if u != paths["html"].as_uri() and not u.startswith("data:")] == []
    for name, (width, _) in WIDTHS.items():
        look = looks[name]
        assert look["first"] == "verdict", name
        assert look["above"] == [], name
        box = look["box"]
        assert (box["x"], box["y"]) == (0, 0), name
        assert box["width"] == look["width"] == width, name
        assert look["scrollWidth"] <= width, f"{name}: the page is wider than the screen"
        # what the screenshot shows: the banner's colour across the whole top row
        image = Image.open(tmp_path / f"{name}.png").convert("RGB")
        top = {image.getpixel((x, 4)) for x in range(0, width, 7)}
        assert top == {BANNER[verdict]}, name
