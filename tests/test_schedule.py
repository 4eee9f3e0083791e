"""The scheduler of `signoff run`, on layers of kind `command` that sleep and write when they
started and ended: side by side up to the limit, a timing layer never beside another, an
after_all layer after every other, `--parallel 1` one after another in the profile's order."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from signoff import config
from signoff.layers import find
from signoff.schedule import INTERRUPTED, plan
from tests.test_cli import signoff

STAMPED = (
    '["sh", "-c", "date +%s.%N > {layer_dir}/start; sleep SECONDS; date +%s.%N > {layer_dir}/end"]'
)


def write_project(
    root: Path, names: list[str], seconds: float = 1.0, needs: dict[str, str] | None = None
) -> Path:
    """A project whose layers `names` each sleep `seconds`; `needs` adds a declaration line
    (`exclusive_cpu = true`, `after_all = true`) to the named layer."""
    root.mkdir(parents=True, exist_ok=True)
    lines, needs = ['run_dir = "reports"'], needs or {}
    for name in names:
        lines += [f"[layers.{name}]", 'kind = "command"']
        lines.append("command = " + STAMPED.replace("SECONDS", f"{seconds:g}"))
        lines += [needs[name]] if name in needs else []
    listed = ", ".join(f'"{n}"' for n in names)
    lines += ["[profiles.pr]", f"layers = [{listed}]", f"required = [{listed}]"]
    (root / "signoff.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def spans(run: Path, names: list[str]) -> dict[str, tuple[float, float]]:
    """When each layer's command started and ended, as it wrote them."""
    read = {n: [float((run / n / f).read_text()) for f in ("start", "end")] for n in names}
    return {n: (start, end) for n, (start, end) in read.items()}


def most_at_once(found: dict[str, tuple[float, float]]) -> int:
    """The largest number of layers running at one moment."""
    return max(sum(1 for s, e in found.values() if s <= start < e) for start, _ in found.values())


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def run(root: Path, *args: str) -> tuple[Path, str]:
    done = signoff("run", *args, cwd=root)
    assert done.returncode == 0, done.stderr
    return (root / "reports" / "latest").resolve(), done.stderr


def test_layers_run_side_by_side_never_more_than_the_limit(tmp_path: Path) -> None:
    names = ["a", "b", "c", "d", "e"]
    root = write_project(tmp_path, names)
    folder, _ = run(root, "--parallel", "2")
    assert most_at_once(spans(folder, names)) == 2
    folder, _ = run(root, "--parallel", "3")
    found = spans(folder, names)
    assert most_at_once(found) == 3
    assert max(e for _, e in found.values()) - min(s for s, _ in found.values()) < 4.5
    schedule = json.loads((folder / "run.json").read_text())["schedule"]
    (group,) = schedule["groups"]
    assert schedule["parallel"] == 3
    assert (group["alone"], group["after_all"]) == (False, False)
    assert sorted(group["layers"]) == names  # in the order of the first run's times


def test_a_timing_layer_runs_alone_and_an_after_all_layer_last(tmp_path: Path) -> None:
    names = ["last", "a", "b", "timed", "c", "d"]
    needs = {"timed": "exclusive_cpu = true", "last": "after_all = true"}
    root = write_project(tmp_path, names, needs=needs)
    folder, said = run(root, "--parallel", "4")
    found = spans(folder, names)
    others = [n for n in names if n != "timed"]
    assert not [n for n in others if overlap(found[n], found["timed"])]
    assert overlap(found["a"], found["b"])
    assert overlap(found["c"], found["d"])
    assert found["last"][0] >= max(end for n, (_, end) in found.items() if n != "last")
    groups = json.loads((folder / "run.json").read_text())["schedule"]["groups"]
    assert [(g["layers"], g["alone"], g["after_all"]) for g in groups] == [
        (["a", "b"], False, False),
        (["timed"], True, False),
        (["c", "d"], False, False),
        (["last"], False, True),
    ]
    assert "timed alone (exclusive_cpu)" in " ".join(said.split())  # rich wraps at 80
    # console output stays one line per layer
    assert sorted(re.findall(r"^(\w+): PASS", said, re.MULTILINE)) == sorted(names)


def test_parallel_1_runs_the_profile_as_written(tmp_path: Path) -> None:
    names = ["last", "a", "b"]
    root = write_project(tmp_path, names, seconds=0.2, needs={"last": "after_all = true"})
    (root / "signoff.toml").write_text(
        (root / "signoff.toml").read_text() + "[run]\nparallel = 1\n", encoding="utf-8"
    )
    folder, said = run(root)
    found = spans(folder, names)
    assert found["last"][1] <= found["a"][0]
    assert found["a"][1] <= found["b"][0]
    assert re.findall(r"^(\w+): PASS", said, re.MULTILINE) == names
    assert "Schedule:" not in said


def test_the_report_shows_the_run_as_a_timeline(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    root = write_project(tmp_path, names, seconds=0.5)
    folder, _ = run(root, "--parallel", "3")
    page = (folder / "report.html").read_text()
    timeline = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="timeline"') :]
    timeline = timeline[: timeline.index("</svg>")]
    assert timeline.count("<rect ") == 3
    assert [n for n in names if f">{n}</text>" not in timeline] == []
    summary = (folder / "report.md").read_text()
    line = next(x for x in summary.splitlines() if x.startswith("Wall time "))
    wall, total = (float(v) for v in re.findall(r"([\d.]+) s", line)[:2])
    assert 0.5 <= wall < total, line  # side by side: less wall time than the layers' sum
    assert "up to 3 at once" in line


def test_the_plan_is_computed_from_each_layers_needs(tmp_path: Path) -> None:
    write_project(tmp_path, ["x", "y"], needs={"y": "exclusive_cpu = true"})
    cfg = config.load(tmp_path)
    layers = [find(name, cfg) for name in ["x", "coverage", "y", "smoke"]]
    steps = plan(layers, 2)
    assert [(g.layers, g.alone, g.after_all) for g in steps.groups] == [
        (("x",), False, False),
        (("y",), True, False),
        (("smoke",), False, False),
        (("coverage",), False, True),
    ]
    assert plan(layers, 1).order == ["x", "coverage", "y", "smoke"]
    assert find("load", cfg).exclusive_cpu
    assert find("coverage", cfg).after_all


def test_a_layer_that_replays_recordings_runs_after_the_others_and_before_coverage(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, ["x", "y"], needs={"y": "exclusive_cpu = true"})
    cfg = config.load(tmp_path)
    layers = [find(name, cfg) for name in ["authz", "x", "coverage", "y", "smoke"]]
    steps = plan(layers, 4)
    assert [g.layers for g in steps.groups] == [
        ("x",),
        ("y",),
        ("smoke",),
        ("authz",),
        ("coverage",),
    ]
    assert "after the layers whose requests it replays" in steps.groups[3].why
    assert steps.to_json()["groups"][3]["after_recordings"] is True


def test_a_second_run_starts_the_layer_that_took_longest_first(tmp_path: Path) -> None:
    # three layers, two at once: "slow" listed last would start last and finish alone; their
    # times (0.2, 1 and 2 s) are far enough apart that noise cannot swap them
    root = write_project(tmp_path, ["a", "b", "slow"], seconds=0.2)
    text = (root / "signoff.toml").read_text(encoding="utf-8")
    b, slow = text.index("[layers.b]"), text.index("[layers.slow]")
    text = text[:b] + text[b:slow].replace("sleep 0.2", "sleep 1", 1) + text[slow:]
    slow = text.index("[layers.slow]")
    text = text[:slow] + text[slow:].replace("sleep 0.2", "sleep 2", 1)
    (root / "signoff.toml").write_text(text, encoding="utf-8")
    first, _ = run(root, "--parallel", "2")
    assert json.loads((first / "run.json").read_text())["schedule"]["groups"][0]["layers"] == [
        "a",
        "b",
        "slow",
    ]  # nothing timed yet: the profile's order
    second, _ = run(root, "--parallel", "2")
    order = json.loads((second / "run.json").read_text())["schedule"]["groups"][0]["layers"]
    assert order == ["slow", "b", "a"]
    found = spans(second, ["a", "b", "slow"])
    assert found["slow"][0] <= min(found["a"][0], found["b"][0]) + 0.2
    # the whole run: the slow layer's time, the two short ones beside it
    assert max(e for _, e in found.values()) - min(s for s, _ in found.values()) < 3.2


def test_a_bad_limit_is_refused_before_any_run(tmp_path: Path) -> None:
    root = write_project(tmp_path, ["a"])
    done = signoff("run", "--parallel", "0", cwd=root)
    assert done.returncode == 2
    assert "--parallel needs a number of layers of 1 or more" in done.stderr
    assert not (root / "reports").exists()
    (root / "signoff.toml").write_text(
        (root / "signoff.toml").read_text() + "[run]\nparallel = 0\n", encoding="utf-8"
    )
    done = signoff("run", cwd=root)
    assert done.returncode == 2
    assert "run.parallel" in done.stderr
    assert "Traceback" not in done.stderr


def _sleeping(seconds: str) -> list[int]:
    """PIDs of `sleep SECONDS` processes."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", seconds.encode()]:
            found.append(int(entry.name))
    return found


def test_an_interrupt_ends_the_layers_side_by_side_and_says_so(tmp_path: Path) -> None:
    names = ["a", "b"]
    root = write_project(tmp_path, names, seconds=41.7)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "signoff", "run", "--parallel", "2"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        run = root / "reports" / "latest"
        deadline = time.monotonic() + 30
        # each layer writes its start, then starts its sleep: wait for both sleeps
        while time.monotonic() < deadline and len(_sleeping("41.7")) < 2:
            time.sleep(0.1)
        assert len(list(run.glob("*/start"))) == 2
        assert len(_sleeping("41.7")) == 2
        proc.send_signal(signal.SIGTERM)  # what CI sends; the CLI makes it an interrupt
        sent = time.monotonic()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 15  # forwarded at once, not killed after the teardown time
    assert _sleeping("41.7") == []
    for name in names:
        record = json.loads((run / name / "record.json").read_text(encoding="utf-8"))
        assert (record["status"], record["reasons"]) == ("INCONCLUSIVE", [INTERRUPTED])
