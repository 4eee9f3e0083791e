"""Reading a service's Grafana dashboards and Prometheus rule files, for observability suites.

Every PromQL expression is parsed with a real PromQL parser and its vector selectors give the
metric names it references, so a suite can check that each one is really exposed.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser

from signoff.errors import ConfigError, EvidenceError

# Grafana's interval variables stand where PromQL expects a duration.
_RANGE_VARIABLE = re.compile(r"\[\s*\$(?:\{\w+\}|\w+)\s*(?::[^\]]*)?\]")
_DASHBOARD_FIELDS = ("title", "panels", "schemaVersion")
_PANEL_FIELDS = ("type", "title", "gridPos")


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it was found (a panel or an alert rule)."""

    source: str  # file name
    where: str  # "panel 'Request rate'" or "alert 'HighErrorRate'"
    expr: str


def documented_metrics(spec: str) -> tuple[str, ...]:
    """The names behind a `module:attribute` spec, e.g. app.metrics:NAMES."""
    module, _, attribute = spec.partition(":")
    try:
        names = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"observability.documented_metrics {spec!r} cannot be read: {exc}."
        ) from exc
    if not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"observability.documented_metrics {spec!r} is not a list of names.")
    return tuple(names)


def metric_names(expr: str) -> set[str]:
    """Metric names that an expression selects; raises ValueError when it does not parse."""
    text = _RANGE_VARIABLE.sub("[5m]", expr)
    found: set[str] = set()
    _walk(promql_parser.parse(text), found)
    return found


def _walk(node: Any, found: set[str]) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        if node.name:
            found.add(str(node.name))
        for matcher in node.matchers.matchers:
            if matcher.name == "__name__" and str(matcher.op) == "MatchOp.Equal":
                found.add(str(matcher.value))
        return
    for attribute in ("lhs", "rhs", "expr", "param", "vector_selector"):
        child = getattr(node, attribute, None)
        if child is not None:
            _walk(child, found)
    for child in getattr(node, "args", None) or []:
        _walk(child, found)


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"The dashboard {path} cannot be read: {exc}.") from exc
    if not isinstance(data, dict):
        raise EvidenceError(f"The dashboard {path} is not a JSON object.")
    return data.get("dashboard", data) if isinstance(data.get("dashboard"), dict) else data


def _panels(panels: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for panel in panels:
        if isinstance(panel, dict):
            flat.append(panel)
            flat.extend(_panels(panel.get("panels") or []))
    return flat


def dashboard_problems(path: Path) -> list[str]:
    """What Grafana would need to import the dashboard and does not find, one sentence each."""
    data = _load_json(path)
    problems = [
        f"{path.name}: the dashboard has no {f!r}." for f in _DASHBOARD_FIELDS if f not in data
    ]
    if not isinstance(data.get("panels"), list) or not data.get("panels"):
        problems.append(f"{path.name}: 'panels' must be a non-empty list.")
        return problems
    for panel in _panels(data["panels"]):
        name = panel.get("title") or f"id {panel.get('id')}"
        missing = [f for f in _PANEL_FIELDS if f not in panel]
        if missing:
            problems.append(f"{path.name}: panel {name!r} has no {', '.join(missing)}.")
        if panel.get("type") != "row" and panel.get("targets") is not None:
            empty = [t for t in panel["targets"] if not str(t.get("expr", "")).strip()]
            if empty:
                problems.append(f"{path.name}: panel {name!r} has a target without 'expr'.")
    return problems


def dashboard_expressions(path: Path) -> list[Expression]:
    data = _load_json(path)
    found: list[Expression] = []
    for panel in _panels(data.get("panels") or []):
        for target in panel.get("targets") or []:
            expr = str(target.get("expr", "")).strip()
            if expr:
                found.append(Expression(path.name, f"panel {panel.get('title')!r}", expr))
    for variable in (data.get("templating") or {}).get("list") or []:
        query = variable.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        match = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", str(query or ""))
        if match:
            found.append(Expression(path.name, f"variable {variable.get('name')!r}", match[1]))
    return found


def rule_expressions(path: Path) -> list[Expression]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvidenceError(f"The rule file {path} cannot be read: {exc}.") from exc
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not groups:
        raise EvidenceError(f"The rule file {path} has no rule groups.")
    found: list[Expression] = []
    for group in groups:
        for rule in group.get("rules") or []:
            kind = "alert" if "alert" in rule else "record"
            name = rule.get(kind, "?")
            found.append(Expression(path.name, f"{kind} {name!r}", str(rule.get("expr", ""))))
    return found


def base_name(sample: str) -> str:
    """The metric a series belongs to: histogram and summary suffixes map to the base name."""
    for suffix in ("_bucket", "_sum", "_count"):
        if sample.endswith(suffix):
            return sample[: -len(suffix)]
    return sample
