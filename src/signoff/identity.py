"""`[target.auth.identity]`: how a service whose clients log in makes a new identity.

A registration request (`url` with a `json` or `form` body) or a `command` makes the account
named `{name}` with the `{password}` signoff generates; it then logs in with the identity's own
login body, or the target's.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from signoff.errors import ConfigError

# what a registration and the identity's login may name beside the stack's placeholders
IDENTITY_PLACEHOLDERS = ("name", "password", "role")


@dataclass(frozen=True)
class Identity:
    """A new identity of a login: `url` (a path or URL, sent with the stack's own credential
    so an admin-only route works too) with a `json` or `form` body, or a `command` (argv,
    `python` is the service's interpreter); `{name}`, `{password}` and `{role}` are filled."""

    url: str = ""
    method: str = "POST"
    json: dict[str, Any] = field(default_factory=dict)  # nested tables and lists too
    form: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=list)
    # the identity's login body; empty = the target's login_form / login_json
    login_json: dict[str, Any] = field(default_factory=dict)
    login_form: dict[str, str] = field(default_factory=dict)
    # `{role}` of an identity made without one ([authz] lower_role names the lower one)
    role: str = ""

    @property
    def made(self) -> bool:
        """Whether the table says how to make an identity."""
        return bool(self.url or self.command)

    def check(self, where: str) -> None:
        if self.url and self.command:
            raise ConfigError(f"'{where}' gives both url and command; keep the one that works.")
        if (self.json or self.form) and not self.url:
            raise ConfigError(f"'{where}' has a request body but no url to send it to.")
        if self.url and not (self.json or self.form):
            raise ConfigError(f"'{where}.url' needs a json or form body naming {{password}}.")
        if self.json and self.form:
            raise ConfigError(f"'{where}' gives both json and form; a request has one body.")
        if self.login_json and self.login_form:
            raise ConfigError(f"'{where}' gives both login_json and login_form; keep one.")
        if self.made and "password" not in names(self.json, self.form, self.command):
            raise ConfigError(
                f"'{where}' never names {{password}}, so the new identity could not log in.",
                hint="pass {password} in the registration's body or command.",
            )

    def check_login(
        self, kind: str, form: Mapping[str, str], body: Mapping[str, Any], where: str
    ) -> None:
        """The identity logs in with its name and password: a login that names neither would
        log in as the configured account instead."""
        if not self.made:
            return
        if kind != "login":
            raise ConfigError(
                f"'{where}' makes identities for kind = \"login\"; an auth command makes its "
                "own (it may name {name} and {role})."
            )
        login = self.login_form or self.login_json or form or body
        if not {"name", "password"} <= names(login):
            raise ConfigError(
                f"'{where}': the login that a new identity sends does not name both {{name}} "
                "and {password}.",
                hint=f"set {where}.login_form or login_json with both, e.g. "
                '{ username = "{name}", password = "{password}" }.',
            )


def names(*values: Any) -> set[str]:
    """The placeholders named anywhere in these strings, tables and lists."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, str):
            try:
                found |= {n for _, n, _, _ in string.Formatter().parse(value) if n}
            except ValueError:
                continue  # an invalid template is reported where it is filled
        elif isinstance(value, Mapping):
            found |= names(*value.values())
        elif isinstance(value, list | tuple):
            found |= names(*value)
    return found
