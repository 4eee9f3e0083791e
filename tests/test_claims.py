"""Claims: VERIFIED, REFUTED and UNVERIFIABLE from a run's records; bad claims files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import claims
from signoff.errors import ConfigError
from signoff.records import Check, LayerRecord, Status
from signoff.report.results import build
from tests.test_report_results import make_run, passing

ROOT = Path(__file__).resolve().parents[1]

CLAIMS = """
[[claim]]
id = "line"
text = "Line coverage is at least 70%."
layer = "coverage"
figure = "line_percent"
comparator = ">="
threshold = 70.0

[[claim]]
id = "p95"
text = "p95 of the summary endpoint under spike is below 200 ms."
layer = "load"
figure = "spike.p95_ms.summary"
comparator = "<"
threshold = 200.0

[[claim]]
id = "hit-ratio"
text = "Cache hit ratio is at least 0.8."
layer = "load"
figure = "cache_hit_ratio"
comparator = ">="
threshold = 0.8

[[claim]]
id = "e2e"
text = "Every journey passes."
layer = "e2e"
figure = "failed"
comparator = "=="
threshold = 0

[[claim]]
id = "unit-check"
text = "No unit test fails."
layer = "unit"
figure = "failed tests"
comparator = "=="
threshold = "PASS"
"""


def test_each_outcome_with_its_measured_figure(tmp_path: Path) -> None:
    (tmp_path / "claims.toml").write_text(CLAIMS, encoding="utf-8")
    load = LayerRecord(
        "load",
        Status.PASS,
        "ok",
        {"requests": 10},
        {"requests": 10},
        {"spike": {"p95_ms": {"summary": 240.0}}},
        [Check("error rate", Status.PASS, 0.0, 0.01, "<=")],
    )
    run, cfg = make_run(
        tmp_path,
        [passing("coverage", {"line_percent": 81.5}), load, passing("unit")],
        claims="claims.toml",
    )
    outcomes = {r.claim.id: (r.outcome.value, r.measured) for r in build(run, cfg).claims}
    assert outcomes == {
        "line": ("VERIFIED", 81.5),
        "p95": ("REFUTED", 240.0),
        "hit-ratio": ("UNVERIFIABLE", None),
        "e2e": ("UNVERIFIABLE", None),
        "unit-check": ("VERIFIED", "PASS"),
    }
    md = run / "report.md"
    assert not md.exists()  # build renders nothing by itself


def test_an_incomplete_layer_leaves_its_claims_unverifiable() -> None:
    claim = claims.Claim("c", "Coverage is 70%.", "coverage", "line_percent", ">=", 70.0)
    partial = LayerRecord(
        "coverage", Status.INCONCLUSIVE, "partial", figures={"line_percent": 90.0}
    )
    result = claims.judge_claim(claim, {"coverage": partial})
    assert result.outcome is claims.Outcome.UNVERIFIABLE
    assert "incomplete" in result.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no [[claim]] entries"),
        ('[[claim]]\nid = "a"\n', "lacks text, layer, figure, comparator, threshold"),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator="~"\nthreshold=1\n',
            "is not one of",
        ),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator=">"\nthreshold="x"\n',
            "a text threshold only works with '=='",
        ),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator=">"\nthreshold=1\nx=1\n',
            "unknown key(s) x",
        ),
        ("[[claim]\n", "is not valid TOML"),
    ],
)
def test_invalid_claims_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="claims") as caught:
        claims.load(path)
    assert message in caught.value.message


def test_the_shipped_claims_file_loads_and_names_distinct_ids() -> None:
    shipped = claims.load(ROOT / "claims.toml")
    assert len(shipped) >= 10
    assert {c.layer for c in shipped} >= {"coverage", "load", "audit", "observability"}
