"""Credentials for the target: none, a token, a login request, or a command that prints one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from signoff import children
from signoff.errors import StackStartError
from signoff.leaks.registry import Secrets, looks_secret
from signoff.target import Auth, expand


def headers(auth: Auth, token: str) -> dict[str, str]:
    """The request headers that carry `token` ({} without one)."""
    return {auth.header: auth.format.format(token=token)} if token else {}


def obtain(
    auth: Auth,
    base_url: str,
    values: Mapping[str, str],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float,
    name: str = "signoff",
    from_env: bool = True,
    secrets: Secrets | None = None,
) -> str:
    """The token a client sends; `values`, then the variables of `env`, fill the placeholders
    of commands and login bodies.

    `from_env`: a token in `auth.token_env` wins (a deployment's token); an embedded stack
    makes its own instead. `secrets` is given the token and the login's secret fields.
    """
    token = _obtain(auth, base_url, values, env, cwd, timeout, name, from_env)
    if secrets is not None:
        secrets.add(f"credential.{name}", token)
        for key, value in {**auth.login_form, **auth.login_json}.items():
            if looks_secret(key):
                secrets.add(f"login.{key}", expand(value, values, f"target.auth.{key}", env))
    return token


def _obtain(
    auth: Auth,
    base_url: str,
    values: Mapping[str, str],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float,
    name: str,
    from_env: bool,
) -> str:
    given = os.environ.get(auth.token_env, "") if auth.token_env and from_env else ""
    if given:
        return given
    if auth.kind == "none":
        return ""
    if auth.kind == "login":
        return login(auth, base_url, values, timeout, env)
    if auth.command:
        return run_command(auth, {**values, "name": name}, env, cwd, timeout)
    raise StackStartError(
        f"No token for {base_url}: the environment variable {auth.token_env} is not set.",
        hint=f"export {auth.token_env}=<a token of that service>, or set target.auth.command.",
    )


def run_command(
    auth: Auth, values: Mapping[str, str], env: Mapping[str, str], cwd: Path, timeout: float
) -> str:
    argv = [expand(part, values, "target.auth.command", env) for part in auth.command]
    try:
        done = children.run(argv, env=env, cwd=cwd, capture=True, timeout=timeout)
    except (OSError, children.TimeoutExpired) as exc:
        raise StackStartError(f"The auth command {argv[0]!r} could not run: {exc}.") from exc
    token = done.stdout.strip()
    if done.returncode != 0 or not token or "\n" in token:
        detail = last_line(done.stderr) or "it printed no single-line token"
        raise StackStartError(
            f"The auth command {' '.join(argv)} failed (code {done.returncode}): {detail}.",
            hint="it must print one token on one line and exit 0.",
        )
    return token


def last_line(text: str) -> str:
    """The last non-blank line of a command's error output: after a traceback, the exception."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][-300:] if lines else ""


def filled(value: Any, values: Mapping[str, str], where: str, env: Mapping[str, str] | None) -> Any:
    """A login body with the placeholders of every string filled in, however deep it lies in
    tables and lists; numbers and booleans stay as they are."""
    if isinstance(value, str):
        return expand(value, values, where, env)
    if isinstance(value, Mapping):
        return {k: filled(v, values, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, values, f"{where}[{i}]", env) for i, v in enumerate(value)]
    return value


def login(
    auth: Auth,
    base_url: str,
    values: Mapping[str, str],
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> str:
    url = expand(auth.login_url, values, "target.auth.login_url", env)
    if not url.startswith(("http://", "https://")):
        url = f"{base_url.rstrip('/')}/{url.lstrip('/')}"
    form = {
        k: expand(v, values, f"target.auth.login_form.{k}", env) for k, v in auth.login_form.items()
    }
    body = filled(auth.login_json, values, "target.auth.login_json", env)
    try:
        response = httpx.post(url, data=form or None, json=body or None, timeout=timeout)
    except httpx.HTTPError as exc:
        raise StackStartError(f"The login request to {url} failed: {exc}.") from exc
    if response.status_code >= 400:
        raise StackStartError(
            f"The login request to {url} answered {response.status_code}: {response.text[:200]}.",
            hint="check target.auth.login_form / login_json and the account's credentials.",
        )
    try:
        found: Any = response.json()
        for part in auth.token_path.split("."):
            found = found[int(part)] if isinstance(found, list) else found[part]
    except (ValueError, KeyError, IndexError, TypeError):
        raise StackStartError(
            f"The login answer of {url} has no token at '{auth.token_path}'.",
            hint="set target.auth.token_path to where the token is (dotted, e.g. data.token).",
        ) from None
    if not isinstance(found, str) or not found:
        raise StackStartError(f"The login answer of {url} holds no token at '{auth.token_path}'.")
    return found
