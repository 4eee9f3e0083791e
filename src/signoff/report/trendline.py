"""A small line chart of figures over runs, written as SVG by hand: a report draws one per
stored figure, dozens of them, and each must cost microseconds, not a plotting library's
tenth of a second (nor need the library, in a job that only writes a comment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH, HEIGHT = 340, 200
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 26, 36
COLOURS = ("#4878a8", "#d9822b", "#5a9e4b", "#b84a62", "#7d5ba6", "#8c6d31")


def _number(value: float) -> str:
    return f"{value:.4g}"


def _bounds(series: Mapping[str, Sequence[float]]) -> tuple[float, float]:
    values = [v for line in series.values() for v in line] or [0.0]
    low, high = min(values), max(values)
    if high == low:  # a flat line sits in the middle of a range around it
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _text(x: float, y: float, text: str, size: int, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family="sans-serif"{extra}>'
        f"{escape(text)}</text>"
    )


def _frame(title: str, ylabel: str, low: float, high: float, runs: int) -> list[str]:
    """The axes, their end ticks and labels, the title."""
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    middle_y = (TOP + bottom) / 2
    return [
        _text(WIDTH / 2, 15, title, 11, ' text-anchor="middle"'),
        f'<path d="M{LEFT} {TOP} V{bottom} H{right}" fill="none" stroke="#555"/>',
        _text(LEFT - 4, bottom, _number(low), 9, ' text-anchor="end"'),
        _text(LEFT - 4, TOP + 8, _number(high), 9, ' text-anchor="end"'),
        _text(LEFT, bottom + 13, "1", 9, ' text-anchor="middle"'),
        _text(right, bottom + 13, str(runs), 9, ' text-anchor="middle"'),
        _text((LEFT + right) / 2, HEIGHT - 6, "run (oldest first)", 9, ' text-anchor="middle"'),
        _text(14, middle_y, ylabel, 9,
              f' text-anchor="middle" transform="rotate(-90 14 {middle_y:.1f})"'),
    ]  # fmt: skip


def trend(series: Mapping[str, Sequence[float]], title: str, ylabel: str, salt: str = "") -> str:
    """The chart: one line per series (a branch, a layer), its points marked, a legend."""
    runs = max((len(v) for v in series.values()), default=1)
    low, high = _bounds(series)
    span_x = (WIDTH - RIGHT - LEFT) / max(runs - 1, 1)
    span_y = (HEIGHT - BOTTOM - TOP) / (high - low)
    parts = _frame(title, ylabel, low, high, runs)
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = [
            (LEFT + k * span_x, HEIGHT - BOTTOM - (v - low) * span_y) for k, v in enumerate(values)
        ]
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points]
        parts.append(
            _text(WIDTH - RIGHT, TOP + 10 + 11 * i, name, 9, f' text-anchor="end" fill="{colour}"')
        )
    label = f' id="trend-{escape(salt)}"' if salt else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{label} width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )
