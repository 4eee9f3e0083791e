"""Sessions of signoff: the project's own checks and one session per layer of the sign-off."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]
nox.needs_version = ">=2024.10.9"

PYTHON = "3.11"
# One run per nox invocation: `nox -s unit cover` and `nox -s api load` extend the same run.
RUN_ID = os.environ.get("SIGNOFF_RUN_ID") or (
    f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
)


def install(session: nox.Session, *, system: bool = True) -> None:
    """The harness, the reference stack's pinned requirements and, if missing, system packages."""
    if system:
        session.run("bash", "scripts/system-packages.sh", external=True)
    session.install("-e", ".[dev,layers]", "-r", "stack/requirements.txt")


def layer(session: nox.Session, name: str) -> None:
    install(session)
    session.run("signoff", "layer", "--run", RUN_ID, name, *session.posargs)


@nox.session(python=PYTHON, tags=["check"])
def tests(session: nox.Session) -> None:
    """Run the project's own test suite (harness and reference stack, on real components)."""
    install(session)
    session.run("pytest", "tests", "suites/unit", *session.posargs)


@nox.session(python=PYTHON, tags=["check"])
def lint(session: nox.Session) -> None:
    """Check style and types: ruff (lint and format) and mypy."""
    install(session, system=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("mypy", "tests", "suites", "e2e", "noxfile.py")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def unit(session: nox.Session) -> None:
    """Layer: the service's unit tests with line and branch coverage data."""
    layer(session, "unit")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def cover(session: nox.Session) -> None:
    """Layer: combine coverage of every suite in the run and gate it on the thresholds."""
    layer(session, "coverage")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def audit(session: nox.Session) -> None:
    """Layer: bandit, pip-audit on offline advisories, live HTTP checks; score and waivers."""
    layer(session, "audit")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def api(session: nox.Session) -> None:
    """Layer: the API contract suite (every endpoint, success and error paths) on a live stack."""
    layer(session, "api")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def fuzz(session: nox.Session) -> None:
    """Layer: Schemathesis fuzzing of the OpenAPI document with a valid key (about a minute)."""
    layer(session, "fuzz")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def smoke(session: nox.Session) -> None:
    """Layer: read-only smoke check; `-- --stack url --base-url URL` with SIGNOFF_API_KEY."""
    layer(session, "smoke")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def observability(session: nox.Session) -> None:
    """Layer: metrics move; dashboards and alert rules name only exposed metrics."""
    layer(session, "observability")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def resilience(session: nox.Session) -> None:
    """Layer: Redis, PostgreSQL, worker and webhook receiver faults under traffic."""
    layer(session, "resilience")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def e2e(session: nox.Session) -> None:
    """Layer: browser journeys in Chromium, headless (`-- --headed` to watch them)."""
    layer(session, "e2e")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def authz(session: nox.Session) -> None:
    """Layer: a second identity tries every route on the objects the first one made."""
    layer(session, "authz")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def queries(session: nox.Session) -> None:
    """Layer: queries per request of every read; lists whose queries grow with the data."""
    layer(session, "queries")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def roundtrip(session: nox.Session) -> None:
    """Layer: writable fields written at their documented edges and read back."""
    layer(session, "roundtrip")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def lists(session: nox.Session) -> None:
    """Layer: every paged list walked at several page sizes; each item once, totals agreed."""
    layer(session, "lists")


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def faults(session: nox.Session) -> None:
    """Layer: each backing service stopped in turn; answers held against the document."""
    layer(session, "faults")


@nox.session(python=PYTHON, default=False)
def stack(session: nox.Session) -> None:
    """Bring the embedded reference stack up in the foreground until Ctrl-C."""
    install(session)
    session.run("signoff", "stack", "up", *session.posargs)


@nox.session(python=PYTHON, tags=["pr"], default=False)
def signoff(session: nox.Session) -> None:
    """Run every layer of a profile (default pr; `-- --profile release`), then the report;
    `-- --shard 1/3` runs one shard's share, `-- --parallel 1` one layer at a time."""
    install(session)
    session.run("signoff", "run", *session.posargs)


@nox.session(python=PYTHON, default=False)
def merge(session: nox.Session) -> None:
    """Merge the runs of a profile's shards into one run and its report (`-- RUN...`)."""
    install(session, system=False)  # the merge runs only the after_all layers (coverage)
    session.run("signoff", "merge", *session.posargs)


@nox.session(name="bench-stack", python=PYTHON, tags=["bench"], default=False)
def bench_stack(session: nox.Session) -> None:
    """Benchmark: the embedded stack's cold start, median of 5 (target at most 1 s)."""
    install(session)
    session.run("signoff", "bench", "stack", *session.posargs)


@nox.session(name="bench-containers", python=PYTHON, tags=["bench"], default=False)
def bench_containers(session: nox.Session) -> None:
    """Benchmark: the compose stack's cold start beside the embedded one's (median of 3);
    `-- --images` also builds every image from nothing. Needs a Docker engine (DOCKER_HOST)."""
    install(session)
    session.run("python", "-m", "signoff.stack.containers_bench", *session.posargs)


@nox.session(python=PYTHON, tags=["bench", "layer"], default=False)
def bench(session: nox.Session) -> None:
    """Layer: micro-benchmarks of the service's hot paths, raw samples kept for comparison."""
    layer(session, "bench")


@nox.session(python=PYTHON, tags=["bench"], default=False)
def judge(session: nox.Session) -> None:
    """Benchmark: the comparison judge's and the budget judge's false alarms and power on
    simulated noisy runs."""
    session.install("-e", ".")
    for preset in ("load", "bench"):
        session.run("python", "-m", "signoff.judge.simulate", "--preset", preset, *session.posargs)
    # eight endpoints at once, most of the between-run noise shared by a run's endpoints, judged
    # as `signoff compare` judges them (relative to the run level, in pairs)
    session.run(
        "python", "-m", "signoff.judge.simulate", "--series", "8", "--shared", "0.8",
        *session.posargs,
    )  # fmt: skip
    # `signoff compare`'s sequential design on split runs: 14 series, looks from min_runs pairs
    session.run("python", "-m", "signoff.judge.simulate_split", *session.posargs)
    # the budget judge: a percentile budget on its interval at the pr profile's sample counts
    quantiles = ["--quantile", "0.95", "--quantile", "0.99"]
    session.run("python", "-m", "signoff.judge.budget_simulate", *quantiles)


@nox.session(name="judge-stack", python=PYTHON, tags=["bench"], default=False)
def judge_stack(session: nox.Session) -> None:
    """Benchmark: the judge on the reference stack, the same build against itself (A/A), then
    against itself with GET /api/v1/jobs a millisecond slower (A/B); options go to both
    comparisons (`-- --repetitions 6`). Prints each comparison; its verdict is the figure."""
    install(session)
    same = ["--candidate", "HEAD", "HEAD"]
    slower = ["--candidate-env", "LEDGER_FAULTS=slow_job_list", "--candidate", "HEAD", "HEAD"]
    for args in (same, slower):
        session.run("signoff", "compare", *session.posargs, *args, success_codes=[0, 1])


@nox.session(python=PYTHON, tags=["pr", "layer"], default=False)
def load(session: nox.Session) -> None:
    """Layer: Locust load profiles on phase budgets (`-- spike`, `-- spike --ui` with Locust's
    web UI on loopback; default: the profile's list)."""
    layer(session, "load")


@nox.session(name="bench-load", python=PYTHON, tags=["bench"], default=False)
def bench_load(session: nox.Session) -> None:
    """Benchmark: the load generator's ceiling (0-2 workers) beside wrk's, static target and
    service, both orders (`-- --seconds 10 --repeats 2`)."""
    install(session)
    session.run("signoff", "bench", "load", *session.posargs)


@nox.session(name="bench-stall", python=PYTHON, tags=["bench"], default=False)
def bench_stall(session: nox.Session) -> None:
    """Benchmark: a 1 s server stall seen by the open model's p99 and hidden by Locust's."""
    install(session)
    session.run("signoff", "bench", "stall", *session.posargs)
