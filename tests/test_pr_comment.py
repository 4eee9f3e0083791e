"""The pull request comment: its body from a run with failed checks and a real patch coverage
record, `signoff comment` without a token (a file, said so) and with one (posted, then
updated, against a GitHub API served on loopback), and the PR workflow's publish job."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from signoff import config as config_mod
from signoff.errors import SignoffError
from signoff.records import Status
from signoff.report import comment, github
from signoff.report.results import build
from signoff.report.write import write_all
from tests.report_runs import clean_run, failing_run
from tests.test_patch_coverage import gate, repo  # noqa: F401  (a fixture)
from tests.test_security_layer import PLANTED, audit
from tests.test_security_sarif import REQUIREMENTS, validate

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "pr.yml"


@pytest.fixture
def run(repo: Path, tmp_path: Path) -> tuple[Path, config_mod.Config]:  # noqa: F811
    """A failing run (api tests, a vulnerable pin) whose coverage record is a real one: the
    coverage layer on a change that adds 60 lines no test runs."""
    measured = gate(repo, tmp_path / "patch-run")
    assert next(c for c in measured.checks if c.name == "patch coverage").status is Status.FAIL
    run_dir, cfg = failing_run(tmp_path / "project")
    shutil.rmtree(run_dir / "coverage")
    shutil.copytree(tmp_path / "patch-run" / "coverage", run_dir / "coverage")
    return run_dir, cfg


def test_the_body_has_the_verdict_the_failing_checks_and_patch_coverage(
    run: tuple[Path, config_mod.Config],
) -> None:
    text = comment.body(build(*run), comment.Where("https://example.invalid/actions/runs/9"))
    assert text.startswith(comment.MARKER + "\n## signoff: ❌ FAIL · profile `pr`")
    assert "3 of 5 required layers failed" in text
    assert "**api** `suites/api/test_jobs.py::test_create_job_rejects_bad_rules`" in text
    assert "PYSEC-2024-48 in jinja2 3.1.2" in text
    assert "**coverage** `patch coverage`: patch coverage 0.0% of 60 changed lines" in text
    assert "❌ **0.0%** of 60 changed lines run (needs ≥ 80%), against `main`." in text
    assert "| `calc/export.py` | 60 | 0 | 1-60 |" in text
    assert "[the workflow run](https://example.invalid/actions/runs/9)" in text
    assert text.count("](") == 1  # run-relative links mean nothing on a pull request


def test_a_passing_run_says_so_and_lists_nothing(tmp_path: Path) -> None:
    text = comment.body(build(*clean_run(tmp_path)))
    assert text.startswith(comment.MARKER + "\n## signoff: ✅ PASS")
    assert "All 5 required layers passed." in text
    assert "### Not passing" not in text
    assert "### Patch coverage" not in text  # the run did not measure it


def test_a_long_body_is_cut_from_the_checks_and_keeps_marker_and_footer(
    run: tuple[Path, config_mod.Config],
) -> None:
    full = comment.body(build(*run))
    short = comment.body(build(*run), max_chars=900)
    assert len(short) <= 900 < len(full)
    assert short.startswith(comment.MARKER)
    assert "_Cut to fit a comment; report.html lists everything._" in short
    assert short.rstrip().endswith("artifact.</sub>")


def test_report_md_shows_the_uncovered_lines(run: tuple[Path, config_mod.Config]) -> None:
    _, paths = write_all(*run)
    text = paths["md"].read_text(encoding="utf-8")
    assert "### Patch coverage" in text
    assert "| `calc/export.py` | 60 | 0 | 1-60 |" in text


def signoff(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=cwd, env=env, text=True, capture_output=True, timeout=120, check=False,
    )  # fmt: skip


def _bare_env() -> dict[str, str]:
    drop = ("GITHUB_", "SIGNOFF_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def test_without_a_token_the_body_goes_to_a_file_and_says_so(
    run: tuple[Path, config_mod.Config], tmp_path: Path
) -> None:
    run_dir, cfg = run
    env = {**_bare_env(), "SIGNOFF_PR": "7", "GITHUB_REPOSITORY": "o/r"}
    done = signoff(cfg.root, env, "comment", str(run_dir))
    assert done.returncode == 0, done.stderr
    assert "nothing was posted (no GITHUB_TOKEN)" in " ".join(done.stderr.split())
    assert (run_dir / "comment.md").read_text(encoding="utf-8").startswith(comment.MARKER)


class FakeGitHub(BaseHTTPRequestHandler):
    """The issue comments endpoints of GitHub's REST API, in memory."""

    comments: ClassVar[list[dict[str, Any]]]
    status = 200

    def _answer(self, code: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        return str(data["body"])

    def do_GET(self) -> None:
        if self.headers["Authorization"] != "Bearer t0ken" or self.status != 200:
            self._answer(403, {"message": "Resource not accessible by integration"})
            return
        query = parse_qs(urlparse(self.path).query)
        page, size = int(query["page"][0]), int(query["per_page"][0])
        self._answer(200, self.comments[(page - 1) * size : page * size])

    def do_POST(self) -> None:
        entry = {"id": 9000 + len(self.comments), "body": self._body()}
        entry["html_url"] = f"https://example.invalid/c/{entry['id']}"
        self.comments.append(entry)
        self._answer(201, entry)

    def do_PATCH(self) -> None:
        ident = int(self.path.rsplit("/", 1)[1])
        [entry] = [c for c in self.comments if c["id"] == ident]
        entry["body"] = self._body()
        self._answer(200, entry)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, type[FakeGitHub]]]:
    # a conversation two pages long before signoff's first comment
    class Handler(FakeGitHub):
        comments: ClassVar[list[dict[str, Any]]] = [
            {"id": i, "body": f"a review quoting\n> {comment.MARKER}"} for i in range(130)
        ]

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler
    server.shutdown()
    server.server_close()


def test_with_a_token_one_comment_is_posted_then_updated(
    run: tuple[Path, config_mod.Config], api: tuple[str, type[FakeGitHub]]
) -> None:
    run_dir, cfg = run
    url, handler = api
    env = {
        **_bare_env(),
        "GITHUB_TOKEN": "t0ken",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": url,
        "GITHUB_REF": "refs/pull/7/merge",
    }
    for _ in range(2):
        done = signoff(cfg.root, env, "comment", str(run_dir))
        assert done.returncode == 0, done.stderr
    ours = [c for c in handler.comments if c["body"].startswith(comment.MARKER)]
    assert [c["id"] for c in ours] == [9130]  # added once, then updated
    assert "Comment on o/r#7: https://example.invalid/c/9130" in " ".join(done.stderr.split())
    assert len(handler.comments) == 131


def test_a_refusal_is_one_sentence_with_a_hint(api: tuple[str, type[FakeGitHub]]) -> None:
    url, handler = api
    handler.status = 403
    where = github.Target(url, "o/r", 7, "t0ken")
    with pytest.raises(SignoffError, match=r"GitHub answered 403 \(Resource not accessible") as err:
        github.post("body", where, comment.MARKER)
    assert err.value.hint is not None
    assert "pull-requests: write" in err.value.hint


def test_the_pull_request_number_comes_from_the_event_or_the_ref(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}), encoding="utf-8")
    assert github.pr_number({"GITHUB_EVENT_PATH": str(event)}) == 12
    assert github.pr_number({"GITHUB_REF": "refs/pull/34/merge"}) == 34
    assert github.pr_number({"GITHUB_REF": "refs/heads/main"}) is None
    assert github.pr_number({"SIGNOFF_PR": "5", "GITHUB_REF": "refs/pull/34/merge"}) == 5
    assert github.target({"GITHUB_TOKEN": "x"}, 3) == "no GITHUB_REPOSITORY"


def _publish() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job: dict[str, Any] = data["jobs"]["publish"]
    return job


def test_the_publish_job_alone_may_write_and_uploads_the_sarif() -> None:
    job = _publish()
    assert job["needs"] == "signoff"
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
    }
    # a fork's pull request gets a read-only token: the job runs only for the base repository
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    [upload] = [s for s in job["steps"] if "upload-sarif" in str(s.get("uses"))]
    download = next(s for s in job["steps"] if "download-artifact" in str(s.get("uses")))
    assert upload["with"]["sarif_file"] == f"{download['with']['path']}/audit"
    signoff_job = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["signoff"]
    assert "permissions" not in signoff_job  # the job that runs the pull request's code reads
    checkout = next(s for s in signoff_job["steps"] if "checkout" in str(s.get("uses")))
    assert checkout["with"]["fetch-depth"] == 0  # the base branch, for patch coverage


def test_the_publish_job_finds_the_sarif_and_writes_the_comment_without_a_token(
    run: tuple[Path, config_mod.Config], tmp_path: Path
) -> None:
    run_dir, cfg = run
    # the run's audit layer for real: bandit and pip-audit on a planted project
    audit(tmp_path / "audited", code=PLANTED, requirements=REQUIREMENTS)
    shutil.rmtree(run_dir / "audit")
    shutil.copytree(tmp_path / "audited" / "run" / "audit", run_dir / "audit")
    job = _publish()
    download = next(s for s in job["steps"] if "download-artifact" in str(s.get("uses")))
    upload = next(s for s in job["steps"] if "upload-sarif" in str(s.get("uses")))
    step = next(s for s in job["steps"] if "signoff comment" in s.get("run", ""))
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    shutil.copytree(run_dir, cfg.root / download["with"]["path"])  # as the artifact lands
    sarif = sorted((cfg.root / upload["with"]["sarif_file"]).glob("*.sarif"))
    assert [p.name for p in sarif] == ["bandit.sarif", "pip-audit.sarif"]
    for path in sarif:
        validate(json.loads(path.read_text(encoding="utf-8")))
    env = {**_bare_env(), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    env |= {k: v for k, v in step["env"].items() if "${{" not in v}
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=cfg.root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nothing was posted (no GITHUB_TOKEN" in " ".join(done.stderr.split())
    [written] = [p for p in cfg.root.glob("*.md")]
    assert written.read_text(encoding="utf-8").startswith(comment.MARKER)


def test_the_comment_needs_none_of_the_layers_extras(
    run: tuple[Path, config_mod.Config],
) -> None:
    # the publish job installs signoff alone: no matplotlib, Locust or Playwright
    run_dir, cfg = run
    blocked = "matplotlib locust playwright schemathesis bandit pip_audit"
    code = (
        f"import sys\nfor name in {blocked.split()!r}:\n    sys.modules[name] = None\n"
        f"from signoff.cli import main\nsys.exit(main(['comment', {str(run_dir)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cfg.root, env=_bare_env(), text=True, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (run_dir / "comment.md").read_text(encoding="utf-8").startswith(comment.MARKER)
