"""The containers and url providers: quick, clear refusals when they cannot run."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from signoff import config
from signoff.errors import ProviderUnavailable, StackStartError, UsageError
from signoff.stack.containers import ContainersProvider, engine_answers
from signoff.stack.procs import free_port
from signoff.stack.select import choose_provider
from signoff.stack.url import UrlProvider
from signoff.target import Auth, Target
from tests.conftest import ROOT


def test_docker_detection_is_fast_and_says_why() -> None:
    began = time.perf_counter()
    reason = engine_answers()
    elapsed = time.perf_counter() - began
    assert elapsed < 1.0
    if reason is not None:
        assert "Docker engine" in reason
        assert reason.endswith(".")


def test_containers_choice_without_engine_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    assert ContainersProvider.unavailable_reason() is not None
    began = time.perf_counter()
    with pytest.raises(ProviderUnavailable, match=r"no-engine\.sock does not exist"):
        choose_provider(config.load(ROOT), tmp_path, "containers")
    assert time.perf_counter() - began < 1.0


def test_containers_choice_with_a_dead_socket_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket file that nothing listens on (an engine that died) is named as such."""
    path = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound, never listening: connections are refused
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    with pytest.raises(ProviderUnavailable, match=r"No Docker engine answers at .*dead\.sock"):
        choose_provider(config.load(ROOT), tmp_path, "containers")


def test_url_provider_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNOFF_API_KEY", raising=False)
    target = Target(auth=Auth(kind="token", token_env="SIGNOFF_API_KEY"))
    with pytest.raises(StackStartError, match="SIGNOFF_API_KEY"):
        UrlProvider("http://127.0.0.1:1", target).start()


def test_url_provider_names_an_unreachable_target() -> None:
    port = free_port()
    with pytest.raises(StackStartError, match=f"127.0.0.1:{port}"):
        UrlProvider(f"http://127.0.0.1:{port}", timeout=1).start()


def test_url_choice_needs_a_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNOFF_BASE_URL", raising=False)
    with pytest.raises(UsageError, match="base URL"):
        choose_provider(config.load(ROOT), tmp_path, "url")


def test_unknown_provider_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Unknown stack provider 'kubernetes'"):
        choose_provider(config.load(ROOT), tmp_path, "kubernetes")
