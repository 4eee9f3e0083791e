from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.core.metrics import DOCUMENTED_METRICS, render

STACK = Path(__file__).resolve().parents[2] / "stack"


def test_every_documented_metric_is_exposed() -> None:
    text = render().decode()
    declared = set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))
    missing = [m for m in DOCUMENTED_METRICS if m not in declared]
    assert not missing, f"documented but not exposed: {missing}"


def test_readme_documents_every_metric() -> None:
    readme = (STACK / "README.md").read_text(encoding="utf-8")
    assert [m for m in DOCUMENTED_METRICS if f"`{m}`" not in readme] == []


def _used_metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bledger_[a-z_]+", expr))


def _documented_series() -> set[str]:
    names = set(DOCUMENTED_METRICS)
    for name in DOCUMENTED_METRICS:
        if name.endswith("_seconds"):
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


def test_dashboard_uses_only_documented_metrics() -> None:
    dashboard = json.loads((STACK / "dashboards" / "ledger.json").read_text(encoding="utf-8"))
    assert dashboard["title"]
    assert dashboard["uid"]
    assert dashboard["schemaVersion"]
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs
    used = set().union(*(_used_metric_names(e) for e in exprs))
    assert used <= _documented_series(), used - _documented_series()


def test_alert_rules_use_only_documented_metrics() -> None:
    text = (STACK / "alerts" / "ledger-rules.yml").read_text(encoding="utf-8")
    exprs = re.findall(r"^\s+expr: (.+)$", text, flags=re.MULTILINE)
    assert len(exprs) >= 6
    used = set().union(*(_used_metric_names(e) for e in exprs))
    assert used <= _documented_series(), used - _documented_series()


@pytest.mark.parametrize("path", ["requirements.txt"])
def test_requirements_are_exact_pins(path: str) -> None:
    lines = [
        line.strip()
        for line in (STACK / path).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.\-+]*", line) for line in lines)
