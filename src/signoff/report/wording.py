"""How the report words values and sentences: one home for every renderer, so no Python
repr (`None`, `{'tests': 297}`, `[]`) ever reaches a page and reasons read as prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from signoff.records import Check, Status

NOTHING = "—"
ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.INCONCLUSIVE: "⚠️", Status.WAIVED: "🟦"}
DASH = "\u2013"  # an en dash between an interval's ends
SYMBOLS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}


def number(value: object) -> str:
    """Floats to four significant digits: 65.4 reads better than 65.40164452877926."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def value(data: Any, limit: int = 200) -> str:
    """Any JSON value as plain text: mappings as `key value, …`, lists comma-joined."""
    if data is None:
        return NOTHING
    if isinstance(data, Mapping):
        text = ", ".join(f"{label(str(k))} {value(v)}" for k, v in data.items()) or "none"
    elif isinstance(data, list | tuple | set):
        text = ", ".join(value(v) for v in data) or "none"
    else:
        text = number(data)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label(key: str) -> str:
    """A field name for reading: `cpu_model` as `cpu model`."""
    return key.replace("_", " ")


def nested(data: Any) -> bool:
    """Whether a figure holds mappings or lists inside mappings or lists (too deep for a cell)."""
    items = data.values() if isinstance(data, Mapping) else data
    if not isinstance(data, Mapping | list | tuple):
        return False
    return any(isinstance(item, Mapping | list | tuple) for item in items)


def counts(data: Mapping[str, int]) -> str:
    """`{'tests': 297, 'files': 3}` as `297 tests, 3 files`."""
    return ", ".join(f"{n} {kind}" for kind, n in data.items()) or "none"


def sentence(text: str) -> str:
    """One sentence, capitalised and ending with a full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def sentences(texts: Iterable[str]) -> str:
    """Reasons joined as prose: `A failed. B is 3.` rather than `A failed.; B is 3`."""
    return " ".join(s for s in (sentence(t) for t in texts) if s)


def clause(text: str, limit: int = 140) -> str:
    """A sentence shrunk to a clause that fits inside parentheses: no full stop, shortened."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def listing(names: list[str], most: int = 4, joiner: str = ", ") -> str:
    """`a, b and c`; beyond `most` names, `a, b, c, d and 3 more`."""
    shown = names[:most]
    rest = len(names) - len(shown)
    last = " and " if joiner == ", " else joiner  # `a: x; b: y`, where "and" would blur
    if rest:
        return joiner.join(shown) + f"{last}{rest} more"
    return joiner.join(shown[:-1]) + (last if len(shown) > 1 else "") + shown[-1]


def with_unit(figure: object, unit: str = "") -> str:
    """`5.8 ms`, `94.6%`: a space before a unit word, none before a percent sign."""
    unit = unit.strip()
    return f"{number(figure)}{'' if unit in ('', '%') else ' '}{unit}"


def measured(
    figure: object, unit: str = "", low: float | None = None, high: float | None = None
) -> str:
    """`405 ms`, or with its confidence interval `405 ms [372-431]` (an open end as ∞)."""
    if figure is None:
        return NOTHING
    if low is None and high is None:
        return with_unit(figure, unit)
    ends = (NOTHING if low is None else number(low), "∞" if high is None else number(high))
    return f"{with_unit(figure, unit)} [{ends[0]}{DASH}{ends[1]}]"


def threshold(comparator: str, limit: object, unit: str = "") -> str:
    """`≤ 400 ms`; a threshold without a comparator (e.g. `reported`) as it is."""
    if limit is None:
        return NOTHING
    symbol = SYMBOLS.get(comparator, comparator)
    return f"{symbol} {with_unit(limit, unit)}".strip()


def against(check: Check) -> str:
    """A check's figure against its threshold: `412 ms (needs ≤ 400 ms)`; judged on an
    interval, `405 ms [372-431] vs ≤ 400 ms`."""
    figure = "not measured" if check.figure is None else measured(check.figure, check.unit)
    if check.threshold is None:
        return figure
    if check.figure is not None and (check.low is not None or check.high is not None):
        interval = measured(check.figure, check.unit, check.low, check.high)
        return f"{interval} vs {threshold(check.comparator, check.threshold, check.unit)}"
    if not check.comparator:  # a threshold in words, such as `reported`
        return f"{figure} ({number(check.threshold)})"
    return f"{figure} (needs {threshold(check.comparator, check.threshold, check.unit)})"


def _message(check: Check) -> str:
    """A check's own message, first line, unless it only restates figure and threshold
    (`x is 3, needs == 0.`, the form `records.threshold_check` writes)."""
    message = check.message.strip().splitlines()[0] if check.message.strip() else ""
    restated = check.figure is not None and message.startswith(f"{check.name} is ")
    return "" if restated else message


def cause(check: Check) -> str:
    """Why a check did not pass, in one line, to follow its name: its message (a failing
    test's assertion, an advisory id), else its figure against the threshold."""
    return _message(check) or against(check)


def named_cause(check: Check) -> str:
    """The cause standing alone: the message, else `p95 412 ms (needs ≤ 400 ms)`."""
    return _message(check) or f"{check.name} {against(check)}"


def duration(seconds: float) -> str:
    if seconds <= 0:
        return NOTHING
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
