"""`run_layer`, the one run of every layer: errors become INCONCLUSIVE records that say why, an
interrupt goes on, a third-party record is kept, the record cannot pass beside a failure, and
every built-in layer declares what it needs."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from signoff import config
from signoff.errors import EvidenceError, UsageError
from signoff.layers import BUILTIN, Layer, LayerContext, Work, find
from signoff.layers.run import run_layer, stack_options
from signoff.records import Check, Evidence, LayerRecord, Status, read_record
from tests.conftest import ROOT

OK = Check("answers", Status.PASS, 1, 1, "==")


def register(monkeypatch: pytest.MonkeyPatch, name: str, work: Work, **needs: object) -> None:
    """A layer of the test's own, in a module of its own, registered as built-in ones are."""
    module = types.ModuleType(f"signoff_test_layer_{name}")
    module.LAYER = Layer(name, "a test layer", work, **needs)  # type: ignore[attr-defined,arg-type]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(BUILTIN, name, module.__name__)


def context(tmp_path: Path, name: str, args: list[str] | None = None) -> LayerContext:
    return LayerContext(tmp_path / "run", config.load(tmp_path), "pr", args or [], name=name)


def test_evidence_is_judged_by_the_one_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = Check("p95", Status.FAIL, 250, 200, "<=", message="p95 is 250, needs <= 200.")
    register(monkeypatch, "partial", lambda ctx: Evidence([OK], {"answers": 2}, {"answers": 1}))
    register(monkeypatch, "failing", lambda ctx: Evidence([OK, bad], {"n": 1}, {"n": 1}))
    partial = run_layer(context(tmp_path, "partial"))
    assert partial.status is Status.INCONCLUSIVE
    assert partial.reasons == ["Evaluated 1 of 2 declared answers."]
    failing = run_layer(context(tmp_path, "failing"))
    assert (failing.status, failing.reasons) == (Status.FAIL, ["p95 is 250, needs <= 200."])
    assert read_record(tmp_path / "run" / "failing", "failing") == failing


def test_an_error_with_a_hint_is_one_sentence_and_its_tip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(ctx: LayerContext) -> Evidence:
        raise EvidenceError("The samples are unreadable.", hint="run the load layer again.")

    register(monkeypatch, "broken", work)
    record = run_layer(context(tmp_path, "broken"))
    assert record.status is Status.INCONCLUSIVE
    assert record.summary == "The samples are unreadable."
    assert record.reasons == ["The samples are unreadable. Tip: run the load layer again."]
    assert not (tmp_path / "run" / "broken" / "error.txt").exists()


def test_any_other_exception_is_named_with_its_traceback_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(ctx: LayerContext) -> Evidence:
        return Evidence(figures={"ratio": 1 / len(ctx.args)})

    register(monkeypatch, "divides", work)
    record = run_layer(context(tmp_path, "divides"))
    assert record.status is Status.INCONCLUSIVE
    [reason] = record.reasons
    assert reason == (
        "The layer stopped on ZeroDivisionError: division by zero; "
        "its traceback is in divides/error.txt."
    )
    trace = (tmp_path / "run" / record.artifacts["error"]).read_text(encoding="utf-8")
    assert "Traceback" in trace
    assert "1 / len(ctx.args)" in trace


def test_an_interrupt_goes_on_and_leaves_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(ctx: LayerContext) -> Evidence:
        raise KeyboardInterrupt

    register(monkeypatch, "stopped", work)
    with pytest.raises(KeyboardInterrupt):
        run_layer(context(tmp_path, "stopped"))
    assert not (tmp_path / "run" / "stopped" / "record.json").exists()


def test_a_third_party_record_is_kept_in_the_layers_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = LayerRecord("old-name", Status.PASS, "mine", {"n": 1}, {"n": 1}, checks=[OK])
    register(monkeypatch, "plugin", lambda ctx: own)
    record = run_layer(context(tmp_path, "plugin"))
    assert (record.layer, record.status, record.summary) == ("plugin", Status.PASS, "mine")
    assert record.started_at
    assert read_record(tmp_path / "run" / "plugin", "plugin") == record


def test_no_record_passes_beside_a_failed_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = Check("p95", Status.FAIL, 250, 200, "<=")
    with pytest.raises(ValueError, match="says PASS, the rule FAIL"):
        LayerRecord("load", Status.PASS, "", {"n": 1}, {"n": 1}, checks=[failed])

    def work(ctx: LayerContext) -> LayerRecord:
        return LayerRecord("liar", Status.PASS, "", {"n": 1}, {"n": 0}, checks=[OK])

    register(monkeypatch, "liar", work)
    record = run_layer(context(tmp_path, "liar"))
    assert record.status is Status.INCONCLUSIVE
    assert "ValueError" in record.reasons[0]


def test_an_unknown_layer_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="There is no layer named 'nope'"):
        run_layer(context(tmp_path, "nope"))
    assert not (tmp_path / "run").exists()


def test_stack_options_after_the_layer_name_choose_the_stack(tmp_path: Path) -> None:
    args = ["--stack", "url", "--base-url=http://h:1", "-n", "3"]
    found = stack_options(context(tmp_path, "smoke", [*args, "--signoff-service-env=F=a=b"]))
    assert (found.stack, found.base_url, found.args) == ("url", "http://h:1", ["-n", "3"])
    assert found.service_env == {"F": "a=b"}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        stack_options(context(tmp_path, "smoke", ["--signoff-service-env=oops"]))


def test_every_layer_declares_what_it_needs() -> None:
    cfg = config.load(ROOT)
    needs = {
        name: (layer.stack, layer.exclusive_cpu, layer.browser, layer.starts_stack(cfg))
        for name in [*BUILTIN, "unit", "api", "e2e"]
        for layer in [find(name, cfg)]
    }
    assert needs == {
        "smoke": ("shared-read-only", False, False, True),
        "fuzz": ("own", False, False, True),
        "audit": ("own", False, False, True),
        "coverage": ("none", False, False, False),
        "load": ("own", True, False, True),
        "bench": ("none", True, False, False),
        "authz": ("own", False, False, True),
        "faults": ("own", False, False, True),
        # it starts its own stack, its PostgreSQL counting statements
        "queries": ("own", False, False, False),
        "roundtrip": ("own", False, False, True),
        "lists": ("own", False, False, True),
        # a pytest session starts its own stack through the `stack` fixture
        "unit": ("own", False, False, False),
        "api": ("own", False, False, False),
        "e2e": ("own", True, True, False),
    }
    without_http = config.load(ROOT, overrides={"audit": {"http_checks": False}})
    assert not find("audit", without_http).starts_stack(without_http)
