"""signoff's pytest plugin: the `stack` fixture and a results record per suite.

`--signoff-layer NAME` makes the session write `reports/<run>/NAME/record.json` at its end:
what was collected (declared), what really ran (evaluated: passed, failed, xfailed), and a
verdict by the one rule (`LayerRecord.judged`), so a suite whose tests were all skipped is
INCONCLUSIVE. Run by signoff, the harness reads that record back and judges it the same way.
"""

from __future__ import annotations

import os
import platform
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import httpx
import pytest

from signoff import config as config_mod
from signoff import recording, rundir
from signoff.cache_contract import CacheContract
from signoff.errors import SignoffError
from signoff.leaks.guard import Guard
from signoff.records import (
    FAILED_TESTS,
    Check,
    Clock,
    Evidence,
    LayerRecord,
    Status,
    write_record,
)
from signoff.stack.interface import StackHandle
from signoff.stack.select import CHOICES, choose_provider


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("signoff")
    group.addoption("--signoff-layer", default=None, help="write a results record for this layer")
    group.addoption("--stack", default=None, choices=CHOICES, help="stack provider")
    group.addoption(
        "--signoff-service-coverage",
        action="store_true",
        default=False,
        help="collect coverage of the embedded service's processes",
    )
    group.addoption(
        "--signoff-service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment of the embedded service's processes (repeatable), e.g. APP_DEBUG=1",
    )


# failing tests named one by one in the record; the rest are counted
NAMED_FAILURES = 25


class _Tally:
    def __init__(self) -> None:
        self.outcomes: dict[str, str] = {}
        self.causes: dict[str, str] = {}
        self.collect_errors = 0
        self.clock = Clock.start()

    def add(self, report: pytest.TestReport) -> None:
        node = report.nodeid
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                self.outcomes[node] = "xfailed" if report.skipped else "failed"
            else:
                self.outcomes[node] = report.outcome
        elif report.failed:
            self.outcomes[node] = "error"
        elif report.skipped and node not in self.outcomes:
            self.outcomes[node] = "skipped"
        if report.failed and node not in self.causes:
            self.causes[node] = cause(report)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    def failures(self) -> list[tuple[str, str]]:
        return [
            (node, self.causes.get(node, "failed"))
            for node, outcome in self.outcomes.items()
            if outcome in ("failed", "error")
        ]


def cause(report: pytest.TestReport) -> str:
    """The one line that says why a test failed: its assertion or exception message."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(getattr(crash, "message", "") or "") or str(report.longrepr or "")
    if hasattr(report, "wasxfail") and not text:
        text = "passed, but it is marked as an expected failure (strict)"
    line = next((part.strip() for part in text.splitlines() if part.strip()), "failed")
    line = line.removeprefix("AssertionError: ")
    where = "" if report.when == "call" else f" (in {report.when})"
    return (line if len(line) <= 240 else line[:239] + "…") + where


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class _Recorder:
    """Counts outcomes and writes the layer's record when the session ends."""

    def __init__(self, layer: str) -> None:
        self.layer = layer
        self.tally = _Tally()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.add(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.tally.collect_errors += 1

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = _run_dir(session.config)
        folder = rundir.layer_dir(run, self.layer)
        found = session_evidence(self.tally, len(session.items), exitstatus, folder, run)
        # the same rule the harness judges with: a plain `pytest --signoff-layer` run's record
        write_record(folder, LayerRecord.judged(self.layer, found, self.tally.clock.times()))


def pytest_configure(config: pytest.Config) -> None:
    layer = config.getoption("--signoff-layer")
    if layer:
        config.pluginmanager.register(_Recorder(layer), "signoff-recorder")
    # SIGTERM (CI cancelling a job) must tear the stack down just like Ctrl-C does.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)


def _checks(tally: _Tally, collected: int, exitstatus: int, evidence: str) -> list[Check]:
    """The failed-tests count, each failed test by name (up to NAMED_FAILURES), and a check of
    the session itself when it could not collect or ended early."""
    failed = tally.count("failed") + tally.count("error")
    message = "" if failed == 0 else f"{failed} of {collected} tests failed."
    checks = [
        Check(
            FAILED_TESTS,
            Status.FAIL if failed else Status.PASS,
            failed,
            0,
            "==",
            "",
            message,
            evidence,
        )
    ]
    failures = tally.failures()
    checks += [
        Check(node, Status.FAIL, "failed", "passed", "==", "", why, evidence)
        for node, why in failures[:NAMED_FAILURES]
    ]
    if len(failures) > NAMED_FAILURES:
        more = len(failures) - NAMED_FAILURES
        message = f"{more} more tests failed; {evidence} names them."
        checks.append(Check("more failed tests", Status.FAIL, more, 0, "==", "", message, evidence))
    session = _session_check(tally.collect_errors, collected, exitstatus)
    return [*checks, *([session] if session else [])]


def _session_check(collect_errors: int, collected: int, exitstatus: int) -> Check | None:
    if collect_errors:
        message = f"{collect_errors} test modules could not be collected."
        return Check("collection", Status.FAIL, collect_errors, 0, "==", "", message)
    if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR):
        message = f"pytest ended early (exit status {exitstatus})."
        return Check("session", Status.INCONCLUSIVE, exitstatus, 0, "==", "", message)
    if exitstatus == pytest.ExitCode.USAGE_ERROR or (collected == 0 and exitstatus != 5):
        message = f"pytest could not collect the suite (exit status {exitstatus})."
        return Check("collection", Status.FAIL, exitstatus, 0, "==", "", message)
    return None


def session_evidence(
    tally: _Tally, collected: int, exitstatus: int, folder: Path, run: Path
) -> Evidence:
    """What the session found: collected tests declared, those that ran evaluated."""
    passed, failed = tally.count("passed"), tally.count("failed") + tally.count("error")
    skipped, xfailed = tally.count("skipped"), tally.count("xfailed")
    junit = folder / "junit.xml"
    artifacts = {"junit": str(junit.relative_to(run))} if junit.exists() else {}
    logs = folder / "stack-logs"
    if logs.is_dir():
        artifacts["stack_logs"] = str(logs.relative_to(run))
    return Evidence(
        checks=_checks(tally, collected, exitstatus, str(junit.relative_to(run))),
        declared={"tests": collected},
        evaluated={"tests": passed + failed + xfailed},
        figures={"passed": passed, "failed": failed, "skipped": skipped, "xfailed": xfailed},
        artifacts=artifacts,
        tools={"pytest": pytest.__version__, "python": platform.python_version()},
        summary=f"{passed} passed, {failed} failed, {skipped} skipped, {xfailed} xfailed "
        f"of {collected} collected",
    )


def _base_url(config: pytest.Config) -> str | None:
    """`--base-url` comes from the pytest-base-url plugin (pytest-playwright uses it too)."""
    value = config.getoption("base_url", default=None)
    return str(value) if value else None


def service_env(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` options as a mapping; a pair without `=` is a usage error."""
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise pytest.UsageError(f"--signoff-service-env needs KEY=VALUE, not {pair!r}.")
        env[key] = value
    return env


def _run_dir(config: pytest.Config) -> Path:
    """The run of a `--signoff-layer` session: handed down, or a new one."""
    found = rundir.from_env()
    if found is None:
        found = rundir.create(config_mod.load(Path(str(config.rootpath))).run_root)
        os.environ[rundir.ENV_VAR] = str(found)
    return found


def evidence_dir(config: pytest.Config, tmp: pytest.TempPathFactory) -> Path:
    """Where this session's evidence goes: its layer's folder in the run, else a temp folder
    (a plain `pytest` makes no run)."""
    layer = config.getoption("--signoff-layer")
    run = rundir.from_env() if not layer else _run_dir(config)
    if run is None:
        return tmp.mktemp("signoff")
    return rundir.layer_dir(run, layer or "pytest")


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StackHandle]:
    """The target stack for this session: embedded by default, `--stack url` for a deployment."""
    config = request.config
    cfg = config_mod.load(Path(str(config.rootpath)))
    folder = evidence_dir(config, tmp_path_factory)
    log_dir = folder / "stack-logs"
    run = rundir.from_env()
    coverage_dir = (
        run / "coverage" if run and config.getoption("--signoff-service-coverage") else None
    )
    try:
        provider = choose_provider(
            cfg,
            log_dir,
            config.getoption("--stack"),
            _base_url(config),
            coverage_dir=coverage_dir,
            service_env=service_env(config.getoption("--signoff-service-env")) or None,
        )
        with Guard(folder.parent, folder, provider.secrets) as guard, provider as handle:
            if not config.getoption("--signoff-layer"):  # a plain session records nothing
                yield guard.watch(handle)
            else:
                requests = _request_log(handle)
                with requests.install():
                    yield guard.watch(handle)
                requests.save(folder / recording.FILE)  # the authz layer replays them
        guard.save()  # the layer's record takes the check `secrets not leaked` from the folder
    except SignoffError as exc:
        message = exc.message + (f"\nTip: {exc.hint}" if exc.hint else "")
        pytest.fail(message, pytrace=False)


def _request_log(handle: StackHandle) -> recording.RequestLog:
    def credentials() -> list[str]:
        issued = [s.value for s in handle.secrets.items() if s.name.startswith("credential")]
        return [handle.token, *issued]

    return recording.RequestLog(handle.base_url, credentials)


@pytest.fixture(scope="session")
def api_client(stack: StackHandle) -> Iterator[httpx.Client]:
    """An HTTP client on the target's base URL that sends its credential."""
    with stack.client() as client:
        yield client


@pytest.fixture
def cache_contract(api_client: httpx.Client) -> CacheContract:
    """`signoff.cache_contract` on the target's authenticated client: set `hit_header` and
    `ttl_s` to the service's, then `cache_contract.assert_fresh(read, change, expect)`."""
    return CacheContract(api_client)
