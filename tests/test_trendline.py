"""The trend chart drawn by hand: each run a point, higher values higher up, a flat or single
run drawn inside the frame, every label escaped."""

from __future__ import annotations

import re

from signoff.report.trendline import HEIGHT, TOP, trend


def points(svg: str) -> list[list[tuple[float, float]]]:
    lines = re.findall(r'<polyline points="([^"]*)"', svg)
    return [[tuple(map(float, p.split(","))) for p in line.split()] for line in lines]  # type: ignore[misc]


def test_each_run_is_a_point_and_a_higher_value_is_drawn_higher() -> None:
    svg = trend({"main": [41.0, 44.0, 52.0], "feature": [60.0, 58.0]}, "p95 GET /jobs", "ms")
    main, feature = points(svg)
    assert len(main) == 3
    assert len(feature) == 2
    assert [x for x, _ in main] == sorted(x for x, _ in main)
    assert main[0][1] > main[1][1] > main[2][1]  # SVG's y grows downwards
    assert feature[0][1] < main[2][1]  # 60 ms is above 52 ms
    assert "<text" in svg
    assert ">p95 GET /jobs</text>" in svg


def test_a_flat_or_single_run_stays_inside_the_frame_and_labels_are_escaped() -> None:
    for values in ([5.0, 5.0, 5.0], [7.0], [0.0, 0.0]):
        ((_, y), *_) = points(trend({"a<b": values}, "x & y", "s"))[0]
        assert TOP <= y <= HEIGHT
    svg = trend({"a<b": [1.0, 2.0]}, "x & y", "s")
    assert "a&lt;b" in svg
    assert "x &amp; y" in svg
