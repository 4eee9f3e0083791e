"""Which stack provider a run gets, from a starter config as `signoff init` writes it: a
deployed URL in the config never outranks a service signoff can start, unless asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from signoff import config
from signoff.errors import ConfigError
from signoff.init import init
from signoff.stack.procs import free_port
from signoff.stack.select import chosen
from signoff.stack.url import UrlProvider

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "notes", "version": "1"},
    "paths": {"/api/notes": {"get": {"security": [{"oauth": []}]}}},
    "components": {
        "securitySchemes": {
            "oauth": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/api/token"}}}
        }
    },
}
PROCESSES = '\n[target.processes.web]\ncommand = ["python", "-c", "raise SystemExit(3)"]\n'


@pytest.fixture
def starter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A project with `signoff init`'s starter config, made from a running service's address."""
    for name in ("SIGNOFF_STACK", "SIGNOFF_BASE_URL", "SIGNOFF_USERNAME", "SIGNOFF_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "openapi.json").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    init(tmp_path, str(tmp_path / "openapi.json"), f"http://127.0.0.1:{free_port()}", False)
    capsys.readouterr()
    return tmp_path


def add(root: Path, text: str) -> None:
    with (root / "signoff.toml").open("a", encoding="utf-8") as out:
        out.write(text)


def test_the_starter_alone_runs_against_its_base_url(starter: Path) -> None:
    pick = chosen(config.load(starter))
    assert pick.name == "url"
    assert pick.describe() == "Stack: url (auto: base_url set, no [target.processes] declared)"


def test_declared_processes_outrank_the_starters_base_url(starter: Path) -> None:
    add(starter, PROCESSES)
    pick = chosen(config.load(starter))
    assert pick.name == "local"
    assert pick.describe() == "Stack: local (auto: [target.processes] declared)"


def test_a_compose_file_alone_outranks_the_base_url(starter: Path) -> None:
    add(starter, '\n[target.compose]\nfile = "compose.yaml"\nservice = "web"\nport = 8000\n')
    pick = chosen(config.load(starter))
    assert (pick.name, pick.why) == (
        "containers",
        "auto: [target.compose] declared, no [target.processes]",
    )


def test_a_url_asked_for_wins_over_processes(
    starter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(starter, PROCESSES)
    cfg = config.load(starter)
    given = chosen(cfg, None, "http://127.0.0.1:9")
    assert (given.name, given.base_url, given.why) == (
        "url",
        "http://127.0.0.1:9",
        "auto: --base-url given",
    )
    assert chosen(cfg, "url").describe() == "Stack: url (--stack url)"
    monkeypatch.setenv("SIGNOFF_BASE_URL", "http://127.0.0.1:9")
    assert chosen(cfg).describe() == "Stack: url (auto: SIGNOFF_BASE_URL given)"
    monkeypatch.delenv("SIGNOFF_BASE_URL")
    monkeypatch.setenv("SIGNOFF_STACK", "url")
    assert chosen(cfg).describe() == "Stack: url (SIGNOFF_STACK=url)"


def test_a_missing_login_variable_is_named_alone(
    starter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The starter's login form names {SIGNOFF_USERNAME}; unset, the error names it and no
    other variable of the environment."""
    monkeypatch.setenv("UNRELATED_SECRET", "hunter2")
    cfg = config.load(starter)
    provider = UrlProvider(cfg.base_url, cfg.target, starter, timeout=1)
    with pytest.raises(ConfigError) as caught:
        provider.start()
    message = caught.value.message
    assert "{SIGNOFF_USERNAME}" in message
    assert "nor a set environment variable" in message
    assert "UNRELATED_SECRET" not in message
    assert "PATH" not in message
    assert "export SIGNOFF_USERNAME=" in str(caught.value.hint)


def test_a_layer_run_says_which_stack_and_why(starter: Path) -> None:
    """`signoff layer` on the starter plus processes: the local stack, said in one line (its
    process exits at once, so the layer is INCONCLUSIVE about that, not about the URL)."""
    add(starter, PROCESSES + "\n[stack]\nready_timeout = 10\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    done = subprocess.run(
        [sys.executable, "-m", "signoff", "layer", "smoke"],
        cwd=starter,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Stack: local (auto: [target.processes] declared)" in done.stderr, done.stderr
    assert done.stderr.count("Stack:") == 1
    record = json.loads((starter / "reports" / "latest" / "smoke" / "record.json").read_text())
    assert record["status"] == "INCONCLUSIVE"
    assert "web" in record["summary"], record["summary"]
