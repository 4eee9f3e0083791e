"""A run is judged against its whole profile: a required layer it left out is no pass."""

from __future__ import annotations

from pathlib import Path

from signoff import config as config_mod
from signoff import rundir
from signoff.records import Status, write_record
from signoff.report.gates import run_gates
from signoff.report.model import collect, write_plan
from signoff.verdicts import verdict
from tests.test_report_results import passing, project


def test_a_partial_run_does_not_pass_its_profile(tmp_path: Path) -> None:
    project(tmp_path, ["unit", "api", "audit"], ["unit", "api", "audit"])
    cfg = config_mod.load(tmp_path)
    run = rundir.create(cfg.run_root)
    # what `signoff run --layers api` plans: one layer run, the profile's required list kept
    write_plan(run, "pr", ["api"], ["unit", "api", "audit"])
    write_record(run / "api", passing("api"))

    result = collect(run, cfg)

    assert verdict(run_gates(result.layers)) is Status.INCONCLUSIVE
    by_name = {item.record.layer: item for item in result.layers}
    assert by_name["api"].record.status is Status.PASS
    for left_out in ("unit", "audit"):
        assert by_name[left_out].required
        assert by_name[left_out].record.status is Status.INCONCLUSIVE
        assert "did not include it" in by_name[left_out].record.reasons[0]


def test_the_whole_profile_passes_when_every_required_layer_ran(tmp_path: Path) -> None:
    project(tmp_path, ["unit", "api"], ["unit", "api"])
    cfg = config_mod.load(tmp_path)
    run = rundir.create(cfg.run_root)
    write_plan(run, "pr", ["unit", "api"], ["unit", "api"])
    for name in ("unit", "api"):
        write_record(run / name, passing(name))

    assert verdict(run_gates(collect(run, cfg).layers)) is Status.PASS


def test_a_planned_layer_that_wrote_nothing_says_so(tmp_path: Path) -> None:
    project(tmp_path, ["unit", "api"], ["unit", "api"])
    cfg = config_mod.load(tmp_path)
    run = rundir.create(cfg.run_root)
    write_plan(run, "pr", ["unit", "api"], ["unit", "api"])
    write_record(run / "unit", passing("unit"))

    result = collect(run, cfg)
    assert verdict(run_gates(result.layers)) is Status.INCONCLUSIVE
    assert "wrote no record" in result.layers[1].record.reasons[0]
