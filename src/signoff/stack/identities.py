"""Credentials of the stack's own identity and of new ones, as every provider makes them.

With a login and `[target.auth.identity]`, a new identity is registered (a request sent with the
stack's own credential, or a command) with a password made here, then logged in; otherwise the
auth command names the identity (`{name}`, `{role}`), or the configured login is used as is.
"""

from __future__ import annotations

import secrets as random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from signoff import children
from signoff.errors import StackStartError
from signoff.leaks.registry import Secrets, mask
from signoff.stack import auth
from signoff.target import Auth, expand


@dataclass(frozen=True)
class Site:
    """Where a credential is made: the service, the placeholders and the commands' env and
    folder, and how long one step may take."""

    base_url: str
    values: Mapping[str, str]
    env: Mapping[str, str]
    cwd: Path
    timeout: float


def through(spec: Auth, wrap: Callable[[list[str]], list[str]]) -> Auth:
    """`spec` with its auth and identity commands run as `wrap` says (the service's
    interpreter, or inside its container)."""
    command = wrap(spec.command) if spec.command else []
    made = spec.identity.command
    return replace(
        spec,
        command=command,
        identity=replace(spec.identity, command=wrap(made) if made else []),
    )


def credential(
    spec: Auth,
    site: Site,
    name: str,
    role: str = "",
    own: Mapping[str, str] | None = None,
    secrets: Secrets | None = None,
) -> str:
    """A token of the identity `name`: a new one when `own` (the stack's own credential's
    headers) is given and the target says how to make one, else what `spec` gives."""
    if own is not None and spec.kind == "login" and spec.identity.made:
        return new_login(spec, site, name, role, own, secrets)
    values = {**site.values, "role": role or spec.identity.role}
    return auth.obtain(
        spec,
        site.base_url,
        values,
        site.env,
        site.cwd,
        site.timeout,
        name,
        from_env=False,
        secrets=secrets,
    )


def new_login(
    spec: Auth,
    site: Site,
    name: str,
    role: str,
    own: Mapping[str, str],
    secrets: Secrets | None,
) -> str:
    """A new account registered with a password made here, then logged in."""
    password = random.token_urlsafe(18)
    if secrets is not None:
        secrets.add(f"password.{name}", password)
    # a new account each time: two layers on one stack may both ask for "owner"
    values = {
        **site.values,
        "name": f"{name}{uuid.uuid4().hex[:8]}",
        "password": password,
        "role": role or spec.identity.role,
    }
    if spec.identity.command:
        _register_by_command(spec.identity.command, values, site, password)
    else:
        _register_by_request(spec, site, values, own, password)
    made = spec.identity
    login = replace(spec, login_form=made.login_form, login_json=made.login_json)
    token = auth.login(
        login if made.login_form or made.login_json else spec,
        site.base_url,
        values,
        site.timeout,
        site.env,
    )
    if secrets is not None:
        secrets.add(f"credential.{name}", token)
    return token


def _register_by_command(
    command: list[str], values: Mapping[str, str], site: Site, password: str
) -> None:
    argv = [expand(part, values, "target.auth.identity.command", site.env) for part in command]
    try:
        done = children.run(argv, env=site.env, cwd=site.cwd, capture=True, timeout=site.timeout)
    except (OSError, children.TimeoutExpired) as exc:
        raise StackStartError(f"The identity command {argv[0]!r} could not run: {exc}.") from exc
    if done.returncode != 0:
        detail = auth.last_line(done.stderr).replace(password, mask(password)) or "no output"
        raise StackStartError(
            f"The identity command {command[0]} failed (code {done.returncode}): {detail}.",
            hint="it must make the account named by its {name} and {password} and exit 0.",
        )


def _register_by_request(
    spec: Auth, site: Site, values: Mapping[str, str], own: Mapping[str, str], password: str
) -> None:
    made = spec.identity
    url = expand(made.url, values, "target.auth.identity.url", site.env)
    if not url.startswith(("http://", "https://")):
        url = f"{site.base_url.rstrip('/')}/{url.lstrip('/')}"
    form = {
        k: expand(v, values, f"target.auth.identity.form.{k}", site.env)
        for k, v in made.form.items()
    }
    body = auth.filled(made.json, values, "target.auth.identity.json", site.env)
    try:
        response = httpx.request(
            made.method.upper(),
            url,
            data=form or None,
            json=body or None,
            headers=dict(own),
            timeout=site.timeout,
        )
    except httpx.HTTPError as exc:
        raise StackStartError(f"The identity request to {url} failed: {exc}.") from exc
    if response.status_code >= 400:
        text = response.text[:200].replace(password, mask(password))
        raise StackStartError(
            f"The identity request to {url} answered {response.status_code}: {text}.",
            hint="check target.auth.identity (its url and body); it is sent with the stack's "
            "own credential.",
        )
