"""The shipped Grafana dashboards and alert rules: importable, parseable, naming real metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from signoff import config as config_mod
from signoff.observability import (
    Expression,
    base_name,
    dashboard_expressions,
    dashboard_problems,
    documented_metrics,
    metric_names,
    rule_expressions,
)
from suites.conftest import Samples, exposed_names


def _files(
    config: pytest.Config,
    option: str,
    configured: Callable[[config_mod.ObservabilitySettings], Sequence[str]],
) -> list[Path]:
    given = config.getoption(option)
    cfg = config_mod.load(Path(str(config.rootpath)))
    names = given or list(configured(cfg.observability))
    return [(cfg.root / name).resolve() for name in names]


@pytest.fixture(scope="module")
def dashboards(pytestconfig: pytest.Config) -> list[Path]:
    return _files(pytestconfig, "--dashboard", lambda settings: settings.dashboards)


@pytest.fixture(scope="module")
def rule_files(pytestconfig: pytest.Config) -> list[Path]:
    return _files(pytestconfig, "--alert-rules", lambda settings: settings.alert_rules)


@pytest.fixture(scope="module")
def documented(pytestconfig: pytest.Config) -> set[str]:
    cfg = config_mod.load(Path(str(pytestconfig.rootpath)))
    return set(documented_metrics(cfg.observability.documented_metrics))


def unknown_references(expressions: list[Expression], exposed: set[str]) -> list[str]:
    """One sentence per expression that does not parse or names a metric /metrics lacks."""
    problems: list[str] = []
    for item in expressions:
        try:
            names = metric_names(item.expr)
        except ValueError as exc:
            problems.append(f"{item.source}: {item.where} has PromQL that does not parse: {exc}")
            continue
        if not names:
            problems.append(f"{item.source}: {item.where} selects no metric: {item.expr!r}")
        problems.extend(
            f"{item.source}: {item.where} references metric {name!r}, "
            "which /metrics does not expose"
            for name in sorted(names - exposed)
        )
    return problems


def test_files_exist(dashboards: list[Path], rule_files: list[Path]) -> None:
    missing = [str(p) for p in [*dashboards, *rule_files] if not p.is_file()]
    assert dashboards, "No dashboard is configured ([observability] dashboards)."
    assert rule_files, "No alert rule file is configured ([observability] alert_rules)."
    assert not missing, f"Missing observability files: {', '.join(missing)}"


def test_dashboards_have_what_grafana_needs_to_import_them(dashboards: list[Path]) -> None:
    problems = [p for path in dashboards for p in dashboard_problems(path)]
    assert not problems, "\n".join(problems)


def test_dashboard_metrics_exist_in_metrics(dashboards: list[Path], warm: Samples) -> None:
    expressions = [e for path in dashboards for e in dashboard_expressions(path)]
    assert expressions, "The dashboards hold no PromQL expression to check."
    problems = unknown_references(expressions, exposed_names(warm))
    assert not problems, "\n".join(problems)


def test_alert_rule_metrics_exist_in_metrics(rule_files: list[Path], warm: Samples) -> None:
    expressions = [e for path in rule_files for e in rule_expressions(path)]
    assert expressions, "The rule files hold no rule to check."
    problems = unknown_references(expressions, exposed_names(warm))
    assert not problems, "\n".join(problems)


def test_dashboards_and_rules_use_only_documented_metrics(
    dashboards: list[Path], rule_files: list[Path], documented: set[str]
) -> None:
    expressions = [e for p in dashboards for e in dashboard_expressions(p)]
    expressions += [e for p in rule_files for e in rule_expressions(p)]
    problems: list[str] = []
    for item in expressions:
        for name in metric_names(item.expr):
            if name not in documented and base_name(name) not in documented:
                problems.append(f"{item.source}: {item.where} uses undocumented metric {name!r}")
    assert not problems, "\n".join(problems)
