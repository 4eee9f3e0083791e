"""The Schemathesis command lines of a fuzz run, and the layer's own options among its arguments."""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

from signoff import openapi
from signoff.config import FuzzSettings
from signoff.errors import UsageError

# Operations that revoke the caller's own credential (`[fuzz] last_operations`) run in a pass of
# their own, last, with a fresh credential: the first pass keeps a valid one for every other.
LAST_PASS_MAX_TIME = 8


def operations(document: dict[str, Any]) -> list[str]:
    """`METHOD /path` of every operation the OpenAPI document declares."""
    return [op.name for op in openapi.operations(document)]


def st_prefix(config_file: str = "") -> list[str]:
    """How to call Schemathesis, with the user's settings file (per-operation expectations the
    OpenAPI document cannot state) when there is one."""
    st = shutil.which("st") or shutil.which("schemathesis")
    prefix = [st] if st else [sys.executable, "-m", "schemathesis.cli"]
    return [*prefix, *(["--config-file", config_file] if config_file else [])]


def command(
    settings: FuzzSettings,
    schema: Path,
    base_url: str,
    headers: dict[str, str],
    out: Path,
    name: str,
    seed: int,
) -> list[str]:
    """`st run` of one pass. Without a time budget (`max_time = 0`) every phase runs once, up to
    `max_examples` cases per operation, so the seed alone decides what is sent; with one,
    Schemathesis repeats fuzzing and stateful testing until it is spent, as fast as the machine
    allows, and the same seed no longer sends the same cases."""
    max_time = settings.max_time
    argv = [
        *st_prefix(settings.config_file),
        "run",
        str(schema),
        f"--url={base_url}",
        f"--checks={settings.checks}",
        f"--max-examples={settings.max_examples}",
        *([f"--max-time={max_time}"] if max_time > 0 else []),
        f"--phases={settings.phases}",
        f"--workers={settings.workers}",
        f"--seed={seed}",
        # Examples kept from earlier runs would be tried first and change what this seed sends.
        "--generation-database=none",
        f"--request-timeout={settings.request_timeout}",
        *[item for k, v in headers.items() for item in ("--header", f"{k}: {v}")],
        "--report=junit,json",
        f"--report-junit-path={out / f'{name}-junit.xml'}",
        f"--report-json-path={out / f'{name}-report.json'}",
        "--continue-on-failure",
        "--no-shrink",
        "--no-color",
    ]
    excluded = list(settings.exclude_checks)
    if excluded:
        argv.append(f"--exclude-checks={','.join(excluded)}")
    return argv


def passes(
    document: dict[str, Any],
    last: list[str],
    allowed: list[str] | None = None,
    separate: bool = False,
) -> list[tuple[str, list[str]]]:
    """(name, filter arguments) of each Schemathesis pass, the credential-revoking one last.

    `allowed`: when not None, only these operations may be sent (a read-only deployment).
    `separate`: each credential-revoking operation in a pass of its own ("last-1", "last-2", …).
    """
    names = operations(document)
    chosen = names if allowed is None else [n for n in names if n in allowed]
    late = [n for n in chosen if n in last]
    early = [n for n in chosen if n not in late]
    if allowed is None:
        main = [f"--exclude-name={n}" for n in late]
    else:
        main = [f"--include-name={n}" for n in early]
    found = [("main", main)] if early else []
    if late and separate:
        found += [(f"last-{i}", [f"--include-name={n}"]) for i, n in enumerate(late, 1)]
    elif late:
        found.append(("last", [f"--include-name={n}" for n in late]))
    return found


def masked(argv: list[str], headers: dict[str, str] | None = None) -> list[str]:
    """`argv` with credentials shown as *** (an auth scheme such as "Bearer" stays)."""
    shown = {}
    for key, value in (headers or {}).items():
        scheme, _, rest = value.partition(" ")
        shown[f"{key}: {value}"] = f"{key}: {scheme} ***" if rest else f"{key}: ***"
    return [shown.get(a, a) for a in argv]


def seed_args(args: list[str]) -> tuple[int | None, list[str]]:
    """`--seed N` given after the layer's name: it overrides `[fuzz] seed` and is recorded."""
    found, rest = _options(args, ("--seed",))
    if "--seed" not in found:
        return None, rest
    try:
        return int(found["--seed"]), rest
    except ValueError:
        raise UsageError(
            f"--seed needs a whole number, not {found['--seed']!r}.",
            hint="copy the seed from the fuzz record (figures.seed) to send the same cases again.",
        ) from None


def resolve_seed(configured: int, given: int | None) -> int:
    """The seed of this run: the command line's, else the configured one, else a new one
    (`seed = 0` in the configuration asks for a new seed every run)."""
    if given is not None:
        return given
    if configured:
        return configured
    return secrets.randbelow(2**31 - 1) + 1


def _options(args: list[str], names: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    found: dict[str, str] = {}
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        name, sep, value = arg.partition("=")
        if name in names:
            found[name] = value if sep else next(items, "")
        else:
            rest.append(arg)
    return found, rest
