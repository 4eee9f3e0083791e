"""`signoff compare --mode split`: both builds up at once, one generator splitting every run.

The target is a small HTTP service of its own (not the ledger): four routes behind a custom
key header, each answering after the delay its build's `delays.py` gives it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_compare_interleave import git, interrupted
from tests.test_report_results import signoff

SERVICE = """
import socket, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import delays


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if self.path == "/ready":
            status = 200
        elif self.headers.get("X-Api-Key") != "s3cret":
            status = 401
        elif self.path.startswith("/api/") and name in delays.DELAYS_MS:
            time.sleep(delays.DELAYS_MS[name] / 1000.0)
            status = 500 if name in delays.BROKEN else 200
        else:
            status = 404
        head = f"HTTP/1.1 {status} X\\r\\nContent-Type: application/json\\r\\n"
        head += "Content-Length: 2\\r\\n\\r\\n"
        self.wfile.write(head.encode() + b"{}")

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
DELAYS = 'DELAYS_MS = {"a": 4.0, "b": 4.0, "c": 4.0, "d": 4.0}\nBROKEN = set()\n'
CONFIG = """run_dir = "reports"
[report]
claims = ""
[target]
cwd = "app"
python_path = ["app"]
ready_path = "/ready"
openapi = ""
[target.processes.web]
command = ["python", "service.py", "{port}"]
[target.auth]
kind = "command"
header = "X-Api-Key"
format = "{token}"
command = ["python", "-c", "print('s3cret')"]
[load.open]
requests = ["GET /api/a", "GET /api/b", "GET /api/c", "GET /api/d"]
[load.profiles.compare]
mode = "open"
pr = [{ phase = "steady", duration_s = 8.0, rate = 100.0 }]
[load.profiles.compare.budgets.steady]
error_rate = 0.01
[compare]
repetitions = 3
# p95 needs more runs than a test should take to be judged
latency_figures = ["p50"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "service.py").write_text(SERVICE)
    (root / "app" / "delays.py").write_text(DELAYS)
    (root / "signoff.toml").write_text(CONFIG)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    return root


def _report(repo: Path) -> dict[str, object]:
    runs = sorted((repo / "reports").glob("2*"))
    (report,) = [run / "report.json" for run in runs if (run / "report.json").is_file()]
    doc: dict[str, object] = json.loads(report.read_text())
    return doc


def _record(run: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((run / "load" / "record.json").read_text())
    return data


def test_split_flags_the_slowed_route_and_only_it(repo: Path) -> None:
    (repo / "app" / "delays.py").write_text(DELAYS.replace('"b": 4.0', '"b": 6.0'))
    result = signoff(repo, "compare", "HEAD")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "each pair one load run split between them" in result.stderr
    doc = _report(repo)
    rows = doc["comparison"]["rows"]  # type: ignore[index]
    p50 = {r["series"]: r["verdict"] for r in rows if r["figure"] == "p50"}
    assert p50.pop("load: GET /api/b | compare") == "slower"
    assert set(p50.values()) <= {"same", "inconclusive"}, p50
    gates = {g["name"]: g for g in doc["comparison"]["gates"]}  # type: ignore[index]
    assert gates["baseline / latency"]["status"] == "FAIL"
    assert "GET /api/b" in gates["baseline / latency"]["message"]
    # the gate names it with the interval its row shows, which excludes no change
    row = next(r for r in rows if r["series"] == "load: GET /api/b | compare")
    assert row["ci_low"] > 0
    assert f"[{row['ci_low']:+.1%}..{row['ci_high']:+.1%}" in gates["baseline / latency"]["message"]
    looks = doc["comparison"]["looks"]  # type: ignore[index]
    assert looks["pairs"] == 3
    assert "Look 1 (3 pairs)" in result.stderr
    assert "GET /api/a" not in gates["baseline / latency"]["message"]
    # each side's part is an ordinary load run: the profile's rate each, through the key header
    runs = sorted((repo / "reports").glob("2*"))
    assert len(runs) == 6
    for run in runs:
        split = _record(run)["figures"]["split"]  # type: ignore[index]
        assert 740 <= split["requests"] <= 810, split
        assert split["errors"] == 0


def test_one_build_split_with_itself_passes(repo: Path) -> None:
    # claims are about a whole sign-off run: a comparison's report does not list them
    (repo / "claims.toml").write_text(
        '[[claim]]\nid = "c"\ntext = "Line coverage is at least 70%."\nlayer = "coverage"\n'
        'figure = "line_percent"\ncomparator = ">="\nthreshold = 70.0\n'
    )
    config = repo / "signoff.toml"
    config.write_text(config.read_text().replace('claims = ""', 'claims = "claims.toml"'))
    result = signoff(repo, "compare", "--candidate", "HEAD", "--repetitions", "5", "HEAD")
    assert "Line coverage is at least 70%" not in result.stdout
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    doc = _report(repo)
    gates = {g["name"]: g["status"] for g in doc["comparison"]["gates"]}  # type: ignore[index]
    assert gates["baseline / latency"] == "PASS"
    assert gates["baseline / latency, every series alike (run level)"] == "PASS"
    # a pass is every series the same: the looks stopped there, and say after how many pairs
    looks = doc["comparison"]["looks"]  # type: ignore[index]
    assert looks["decided"] is True
    assert len(sorted((repo / "reports").glob("2*"))) == 2 * looks["pairs"]
    assert f"Look {looks['pairs'] - 2} ({looks['pairs']} pairs): every series decided" in (
        result.stderr
    )


def test_a_candidate_that_fails_requests_fails_the_comparison(repo: Path) -> None:
    (repo / "app" / "delays.py").write_text(DELAYS.replace("set()", '{"c"}'))
    result = signoff(repo, "compare", "--repetitions", "3", "HEAD")
    assert result.returncode == 1
    gates = {g["name"]: g for g in _report(repo)["comparison"]["gates"]}  # type: ignore[index]
    runs = gates["baseline / runs"]
    assert runs["status"] == "FAIL"
    assert "candidate" in runs["message"]
    assert "error rate" in runs["message"]


def test_split_needs_an_open_model_profile_of_the_load_layer(repo: Path) -> None:
    refused = signoff(repo, "compare", "--mode", "split", "HEAD", "spike")  # a closed model
    assert refused.returncode == 2
    assert "--mode split plays an open-model load profile" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not list((repo / "reports").glob("2*"))


def test_an_interrupt_takes_both_stacks_down(repo: Path, tmp_path: Path) -> None:
    config = repo / "signoff.toml"
    config.write_text(config.read_text().replace("duration_s = 8.0", "duration_s = 120.0"))
    interrupted(repo, tmp_path, ["--mode", "split"], lambda argv: "service.py" in argv)
