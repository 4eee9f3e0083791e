"""Every secret the harness issued or configured for one stack, by name: the registry the stack
handle exposes, and the one home of how a secret is shown (masked) in a report."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

# Shorter values are not looked for: an 8-character needle already matches by chance in a log of
# a few megabytes of hex ids or base64, and the usual short "secrets" of a test stack (a port, a
# user name such as "admin") are not secret at all; a false FAIL would teach users to ignore it.
MIN_LENGTH = 8
# env names that hold a secret by convention (NOTEBOOK_ADMIN_PASSWORD, STRIPE_API_KEY, APP_DSN)
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW(OR)?D|DSN|CREDENTIAL", re.IGNORECASE)
SHOWN = 4  # characters of a secret a report shows before its ellipsis


@dataclass(frozen=True)
class Secret:
    """One secret: the name it is reported and redacted by, and its value."""

    name: str
    value: str

    @property
    def masked(self) -> str:
        """The secret as a report may show it: its first characters and an ellipsis."""
        return mask(self.value)


def mask(value: str) -> str:
    """`sk_a…`: enough to tell two secrets apart, never enough to use one."""
    return value[:SHOWN] + "…"


def looks_secret(name: str) -> bool:
    """Whether a configuration name (an env variable, a login field) holds a secret."""
    return bool(SECRET_NAME.search(name))


class Secrets:
    """The secrets of one stack, added as they are issued (credentials) or configured (env
    values, service passwords). Thread-safe: layers issue credentials from worker threads."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}  # value -> name: a value keeps the first name given
        self._made: dict[str, str] = {}  # the service's own secrets, answered to a request
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Secrets({len(self._found)} values)"  # never the values themselves

    def add(self, name: str, value: str) -> None:
        """Remember `value` as the secret `name` (ignored when too short to look for)."""
        value = value.strip()
        if len(value) < MIN_LENGTH:
            return
        with self._lock:
            self._found.setdefault(value, name)

    def add_url(self, name: str, url: str) -> None:
        """The password of a DSN or URL (`postgresql://user:pw@host/db`). A URL without one is
        no secret: the embedded services trust loopback, and their URLs are printed freely."""
        try:
            password = urlsplit(url).password
        except ValueError:
            return
        if password:
            self.add(name, unquote(password))
            self.add(name, url)

    def add_env(self, env: Mapping[str, str], prefix: str = "env") -> None:
        """The values of the variables whose names look secret (a URL counts by its password)."""
        for key, value in env.items():
            if not looks_secret(key):
                continue
            if "://" in value:
                self.add_url(f"{prefix}.{key}", value)
            else:
                self.add(f"{prefix}.{key}", value)

    def add_configured(
        self, env: Mapping[str, str], names: Iterable[str], urls: Mapping[str, str]
    ) -> None:
        """The configured variables `names` of `env` (as the commands get them, placeholders
        filled in) that look secret, and the passwords of the backing services' `urls`."""
        self.add_env({k: env[k] for k in names if k in env})
        for name, url in urls.items():
            self.add_url(f"service.{name}", url)

    def items(self) -> list[Secret]:
        """Every secret, the longest first (so a redaction replaces a whole DSN before the
        password inside it)."""
        with self._lock:
            found = [Secret(name, value) for value, name in self._found.items()]
        return sorted(found, key=lambda s: (-len(s.value), s.name))

    def add_made(self, answer: Any) -> None:
        """The secrets the service itself made and answered (a key from `POST /keys`, a
        webhook's signing secret): every string under a name that looks secret, however deep.
        They are redacted from the evidence, never counted as leaks: answering them was the
        request's purpose."""
        for name, value in _secret_fields(answer):
            value = value.strip()
            if len(value) >= MIN_LENGTH:
                with self._lock:
                    if value not in self._found:
                        self._made.setdefault(value, f"made.{name}")

    def made(self) -> list[Secret]:
        """The service's own secrets, the longest first."""
        with self._lock:
            found = [Secret(name, value) for value, name in self._made.items()]
        return sorted(found, key=lambda s: (-len(s.value), s.name))

    def names(self) -> Iterable[str]:
        return sorted({s.name for s in self.items()})

    def __len__(self) -> int:
        return len(self._found)


def _secret_fields(answer: Any) -> Iterator[tuple[str, str]]:
    """(name, value) of every string field of a JSON answer whose name looks secret."""
    if isinstance(answer, dict):
        for key, value in answer.items():
            if isinstance(value, str) and looks_secret(str(key)):
                yield str(key), value
            else:
                yield from _secret_fields(value)
    elif isinstance(answer, list):
        for item in answer:
            yield from _secret_fields(item)
