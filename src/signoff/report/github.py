"""Post or update the one signoff comment on a pull request through GitHub's REST API.

What GitHub Actions provides names the target: GITHUB_TOKEN, GITHUB_REPOSITORY, the pull
request's number (from `--pr`, SIGNOFF_PR, the event file or the merge ref) and GITHUB_API_URL
for GitHub Enterprise. The comment to update is the first one whose body opens with the marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from signoff.errors import SignoffError

API = "https://api.github.com"
PR_ENV = "SIGNOFF_PR"
_MERGE_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")
PAGES = 50  # 5,000 comments: further than any pull request's conversation goes


@dataclass(frozen=True)
class Target:
    """The pull request to comment on, and the credentials to do it with."""

    api: str
    repository: str
    number: int
    token: str


def pr_number(env: Mapping[str, str]) -> int | None:
    """The pull request's number from SIGNOFF_PR, the Actions event file or the merge ref."""
    if env.get(PR_ENV, "").isdigit():
        return int(env[PR_ENV])
    event = env.get("GITHUB_EVENT_PATH", "")
    if event:
        try:
            data = json.loads(Path(event).read_text(encoding="utf-8"))
            number = (data.get("pull_request") or {}).get("number")
            if isinstance(number, int):
                return number
        except (OSError, ValueError, AttributeError):
            pass  # not a pull request's event: the ref may still name one
    match = _MERGE_REF.match(env.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def run_url(env: Mapping[str, str]) -> str:
    """The address of the workflow run (its artifacts hold the report), "" outside Actions."""
    parts = [env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""


def target(env: Mapping[str, str], number: int | None = None) -> Target | str:
    """Where to post, or the sentence that says what is missing for it."""
    number = number if number is not None else pr_number(env)
    missing = [
        name
        for name, value in (
            ("GITHUB_TOKEN", env.get("GITHUB_TOKEN")),
            ("GITHUB_REPOSITORY", env.get("GITHUB_REPOSITORY")),
            ("a pull request number (--pr or SIGNOFF_PR)", number),
        )
        if not value
    ]
    if missing or number is None:
        return f"no {' and no '.join(missing)}"
    api = env.get("GITHUB_API_URL") or API
    return Target(api.rstrip("/"), env["GITHUB_REPOSITORY"], number, env["GITHUB_TOKEN"])


def _refused(response: httpx.Response, where: Target) -> SignoffError:
    try:
        said = str(response.json().get("message", ""))
    except ValueError:
        said = response.text[:200]
    return SignoffError(
        f"GitHub answered {response.status_code} ({said or 'no message'}) to the comment on "
        f"{where.repository}#{where.number}.",
        hint="the token needs `pull-requests: write`; a pull request from a fork gets a "
        "read-only token, so post from a workflow of the base repository.",
    )


def _existing(client: httpx.Client, where: Target, marker: str) -> int | None:
    url = f"/repos/{where.repository}/issues/{where.number}/comments"
    for page in range(1, PAGES + 1):
        response = client.get(url, params={"per_page": 100, "page": page})
        if response.status_code != 200:
            raise _refused(response, where)
        comments: list[dict[str, Any]] = response.json()
        for comment in comments:
            if str(comment.get("body", "")).startswith(marker):
                return int(comment["id"])
        if len(comments) < 100:
            return None
    return None


def post(body: str, where: Target, marker: str) -> str:
    """Update the comment that opens with `marker`, or add one; returns its address."""
    headers = {
        "Authorization": f"Bearer {where.token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    try:
        with httpx.Client(base_url=where.api, headers=headers, timeout=30) as client:
            found = _existing(client, where, marker)
            if found is None:
                url = f"/repos/{where.repository}/issues/{where.number}/comments"
                response = client.post(url, json={"body": body})
            else:
                url = f"/repos/{where.repository}/issues/comments/{found}"
                response = client.patch(url, json={"body": body})
    except httpx.HTTPError as exc:
        raise SignoffError(
            f"GitHub's API at {where.api} could not be reached: {exc}.",
            hint="check GITHUB_API_URL and the network of the job.",
        ) from exc
    if response.status_code not in (200, 201):
        raise _refused(response, where)
    return str(response.json().get("html_url", ""))
