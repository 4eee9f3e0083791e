"""The example layer of docs/architecture.md ("Adding a layer"), taken from the page as it is,
registered with one line and run by `run_layer` against a small HTTP server of the test's own:
PASS, FAIL when the header is wrong, INCONCLUSIVE when the work raises."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import BUILTIN, LayerContext, find
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status, read_record
from tests.conftest import ROOT

MODULE = "signoff_example_header_layer"
FIRST_LINE = "# src/signoff/layers/header.py\n"


def example() -> str:
    """The example layer's file, exactly as the architecture page shows it."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"^```python\n(.*?)^```$", page, re.MULTILINE | re.DOTALL)
    [found] = [block for block in blocks if block.startswith(FIRST_LINE)]
    return found


@dataclass
class Answers:
    """What the server sends: this Cache-Control value (None: no header), and whether it drops
    every request after the first (the stack's readiness check) without an answer."""

    cache_control: str | None = "no-store"
    drop_after_first: bool = False
    seen: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        answers = self.server.answers
        answers.seen += 1
        if answers.drop_after_first and answers.seen > 1:
            self.close_connection = True  # the connection closes with no answer at all
            return
        self.send_response(200)
        if answers.cache_control is not None:
            self.send_header("Cache-Control", answers.cache_control)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(ThreadingHTTPServer):
    answers = Answers()


@pytest.fixture
def server() -> Iterator[_Server]:
    found = _Server(("127.0.0.1", 0), _Handler)
    found.answers = Answers()
    thread = threading.Thread(target=found.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.shutdown()
        found.server_close()
        thread.join(timeout=10)


@pytest.fixture(autouse=True)
def header_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "example"
    folder.mkdir()
    (folder / f"{MODULE}.py").write_text(example(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, MODULE, raising=False)
    monkeypatch.setitem(BUILTIN, "header", MODULE)  # the one line that registers the layer


def run(tmp_path: Path, server: _Server, after_name: bool = False) -> LayerRecord:
    (tmp_path / "signoff.toml").write_text('[target]\nready_path = "/ready"\n', encoding="utf-8")
    cfg = config.load(tmp_path)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    if after_name:  # as `nox -s header -- --stack url --base-url URL` passes them
        args = ["--stack", "url", "--base-url", url]
        ctx = LayerContext(tmp_path / "run", cfg, "pr", args, name="header")
    else:
        ctx = LayerContext(tmp_path / "run", cfg, "pr", stack="url", base_url=url, name="header")
    record = run_layer(ctx)
    assert read_record(tmp_path / "run" / "header", "header") == record  # written as returned
    return record


def test_the_example_is_registered_with_what_it_needs(tmp_path: Path) -> None:
    layer = find("header", config.load(tmp_path))
    assert (layer.name, layer.stack, layer.exclusive_cpu) == ("header", "shared-read-only", False)


def test_the_right_header_passes_with_its_evidence(tmp_path: Path, server: _Server) -> None:
    record = run(tmp_path, server)
    assert record.status is Status.PASS, record.reasons
    assert record.figures == {"cache-control": "no-store"}
    assert record.evaluated == record.declared == {"answers": 1}
    assert (tmp_path / "run" / record.artifacts["headers"]).is_file()
    assert record.duration_s > 0
    assert record.started_at


def test_a_wrong_header_fails_saying_what_it_was(tmp_path: Path, server: _Server) -> None:
    server.answers.cache_control = "max-age=60"
    record = run(tmp_path, server, after_name=True)
    assert record.status is Status.FAIL
    [check] = record.checks
    assert (check.status, check.figure) == (Status.FAIL, "max-age=60")
    assert record.reasons == ["The answer says cache-control: max-age=60."]


def test_a_work_that_raises_is_inconclusive_with_its_reason(
    tmp_path: Path, server: _Server
) -> None:
    server.answers.drop_after_first = True  # the readiness check is answered, the work is not
    record = run(tmp_path, server)
    assert record.status is Status.INCONCLUSIVE
    assert record.checks == []
    [reason] = record.reasons
    assert reason.startswith("The layer stopped on RemoteProtocolError: "), reason
    assert "Traceback" not in reason
    trace = tmp_path / "run" / record.artifacts["error"]
    assert "Traceback" in trace.read_text(encoding="utf-8")
