"""Shared fixtures of the live-stack suites: API client, job factory, webhook receiver, timeline.

Every fixture works on the `stack` handle of signoff's pytest plugin; fixtures that need fault
controls fail at once with a clear message against a black-box (`--stack url`) deployment.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from signoff.pytest_plugin import evidence_dir
from signoff.stack.interface import StackControls, StackHandle
from signoff.stack.procs import free_port

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "fixtures" / "records"
TERMINAL = ("completed", "failed")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("signoff suites")
    group.addoption(
        "--dashboard",
        action="append",
        default=[],
        help="Grafana dashboard JSON to check (repeatable; default from [observability])",
    )
    group.addoption(
        "--alert-rules",
        action="append",
        default=[],
        help="Prometheus rule file to check (repeatable; default from [observability])",
    )


def wait_for(
    observe: Callable[[], Any],
    timeout: float,
    what: str,
    every: float = 0.1,
    *,
    until: Callable[[Any], bool] = bool,
) -> Any:
    """Poll `observe` until `until` holds for what it returns, and return that; after
    `timeout` s fail naming `what` and the last value observed. Observe the value itself (a
    response, a status) and judge it in `until`, so a timeout shows what was seen instead of
    False."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = observe()
        if until(last):
            return last
        time.sleep(every)
    seen = repr(last)
    seen = seen if len(seen) <= 500 else seen[:499] + "…"
    pytest.fail(f"Timed out after {timeout:g} s waiting for {what} (last seen: {seen}).")


class Api:
    """The ledger API with one tenant's key: thin helpers for the common flows."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10.0
        )

    def close(self) -> None:
        self.client.close()

    def ok(self, response: httpx.Response, status: int) -> Any:
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}: {response.text[:300]}"
        )
        return response.json() if response.content else None

    def create_job(self, name: str = "job", tolerance: str = "0.05", window: int = 3) -> Any:
        body = {"name": name, "amount_tolerance": tolerance, "date_window_days": window}
        return self.ok(self.client.post("/api/v1/jobs", json=body), 201)

    def upload(self, job_id: int, side: str, data: str | list[dict[str, str]]) -> Any:
        url = f"/api/v1/jobs/{job_id}/records/{side}"
        if isinstance(data, str):
            response = self.client.put(url, content=data, headers={"Content-Type": "text/csv"})
        else:
            response = self.client.put(url, json=data)
        return self.ok(response, 201)

    def start_run(self, job_id: int) -> int:
        return int(self.ok(self.client.post(f"/api/v1/jobs/{job_id}/runs"), 202)["id"])

    def run(self, run_id: int) -> Any:
        return self.ok(self.client.get(f"/api/v1/runs/{run_id}"), 200)

    def wait_run(self, run_id: int, timeout: float = 20.0) -> Any:
        return wait_for(
            lambda: self.run(run_id),
            timeout,
            f"run {run_id} to finish",
            until=lambda run: run["status"] in TERMINAL,
        )

    def fixture_job(self, name: str = "fixture reconciliation") -> Any:
        """A job with the fixture's rules and both record files uploaded."""
        rules = json.loads((RECORDS / "job.json").read_text(encoding="utf-8"))
        job = self.create_job(name, rules["amount_tolerance"], rules["date_window_days"])
        for side in ("left", "right"):
            self.upload(job["id"], side, (RECORDS / f"{side}.csv").read_text(encoding="utf-8"))
        return job


@pytest.fixture(scope="session")
def api(stack: StackHandle) -> Iterator[Api]:
    """The API as the stack's own tenant."""
    client = Api(stack.base_url, stack.token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def anon(stack: StackHandle) -> Iterator[httpx.Client]:
    """An HTTP client without any key."""
    with httpx.Client(base_url=stack.base_url, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="session")
def controls(stack: StackHandle) -> StackControls:
    """Fault controls; a black-box deployment cannot offer them, so such a test fails here."""
    if stack.black_box:
        pytest.fail(
            f"This test injects faults and needs the embedded stack; {stack.base_url} is a "
            f"black-box deployment (--stack {stack.provider}). Run it with --stack local.",
            pytrace=False,
        )
    return stack.controls


@pytest.fixture
def new_tenant(controls: StackControls, stack: StackHandle) -> Iterator[Callable[[str], Api]]:
    """Make another tenant and hand back its API client."""
    made: list[Api] = []

    def make(name: str) -> Api:
        client = Api(stack.base_url, controls.new_credential(name))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# ---------------------------------------------------------------- webhook receiver
@dataclass
class Delivery:
    at: float
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-ledger-delivery", "")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """An HTTP receiver on loopback that logs every POST; it can fail or go away on purpose."""

    port: int = field(default_factory=free_port)
    # where the service reaches this machine (the handle's callback_host): loopback for an
    # embedded stack, the network's gateway for containers
    host: str = "127.0.0.1"
    fail_next: int = 0  # answer this many deliveries with 500 before accepting
    deliveries: list[Delivery] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    status = 500 if receiver.fail_next > 0 else 200
                    receiver.fail_next = max(receiver.fail_next - 1, 0)
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.deliveries.append(Delivery(time.time(), headers, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the deliveries list is the log."""

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
        self._server = server

    def stop(self) -> None:
        """Close the listening socket: the sender sees connection refused, as with a dead host."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.answered == 200]


@pytest.fixture
def receiver(stack: StackHandle) -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver(host=stack.callback_host)
    hook.start()
    yield hook
    hook.stop()


# ---------------------------------------------------------------- evidence
def layer_folder(request: pytest.FixtureRequest) -> Path:
    """This suite's folder in the run directory, or pytest's temp folder outside a run."""
    return evidence_dir(request.config, request.getfixturevalue("tmp_path_factory"))


class Timeline:
    """What a test injected, when, and what it observed; written as JSON evidence."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.began = time.monotonic()
        self.events: list[dict[str, Any]] = []

    def _add(self, kind: str, what: str, data: Any) -> None:
        self.events.append(
            {
                "t_s": round(time.monotonic() - self.began, 3),
                "at": datetime.now(UTC).isoformat(),
                "kind": kind,
                "what": what,
                "data": data,
            }
        )

    def inject(self, what: str, **data: Any) -> None:
        self._add("inject", what, data)

    def observe(self, what: str, **data: Any) -> None:
        self._add("observe", what, data)

    def write(self, folder: Path, outcome: str) -> Path:
        target = folder / "timelines" / f"{self.name}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {"test": self.name, "outcome": outcome, "events": self.events}
        target.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        return target


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report.outcome
    return report


_OUTCOME = pytest.StashKey[str]()


@pytest.fixture
def timeline(request: pytest.FixtureRequest) -> Iterator[Timeline]:
    record = Timeline(request.node.name)
    yield record
    outcome = request.node.stash.get(_OUTCOME, "error")
    record.write(layer_folder(request), outcome)


# ---------------------------------------------------------------- metrics
Samples = list[tuple[str, dict[str, str], float]]


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, f"/metrics answered {response.status_code}"
    return [
        (s.name, dict(s.labels), float(s.value))
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    ]


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of a sample name's values over the series that carry `labels`."""
    return sum(
        value
        for sample, have, value in samples
        if sample == name and all(have.get(k) == v for k, v in labels.items())
    )


def exposed_names(samples: Samples) -> set[str]:
    return {name for name, _, _ in samples}


@pytest.fixture(scope="session")
def warm(api: Api, anon: httpx.Client, stack: StackHandle) -> Iterator[Samples]:
    """Traffic that makes every labelled series exist: a run, a webhook, cache reads, a 404."""
    hook = WebhookReceiver(host=stack.callback_host)
    hook.start()
    try:
        body = {"url": hook.url, "events": ["run.completed"]}
        api.ok(api.client.post("/api/v1/webhooks", json=body), 201)
        job = api.fixture_job("observability warm-up")
        api.wait_run(api.start_run(job["id"]))
        for _ in range(2):
            api.client.get(f"/api/v1/jobs/{job['id']}/summary")
        api.client.get("/api/v1/jobs/999999999")
        wait_for(hook.accepted, 15, "the warm-up webhook delivery")
        yield scrape(anon)
    finally:
        hook.stop()
