"""A throwaway PostgreSQL server for the embedded stack, run as the `postgres` user when root.

`initdb` takes most of a second, so a cluster is initialised once per PostgreSQL version into a
template under the user's cache folder; each start takes a spare copy of it made in the background
by an earlier start (`pg_spares`), or copies the template when there is none.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import tempfile
from collections.abc import Mapping
from pathlib import Path

from signoff import children
from signoff.errors import StackStartError
from signoff.stack import pg_spares as spares
from signoff.stack.procs import ManagedProcess
from signoff.stack.reap import RunLabel

SEARCH_ROOTS = (Path("/usr/lib/postgresql"), Path("/usr/local/pgsql"))
# the database every embedded stack uses; the template cluster already holds it, so a start
# creates nothing (a first CREATE DATABASE on a cold server takes a quarter of a second)
DATABASE = "signoff"
# the server settings that count every statement per normalised query (pg_stat_statements);
# utility statements (BEGIN, COMMIT, SET) are left out: they are no query of the data
COUNT_STATEMENTS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track_utility": "off",
}


def find_bindir() -> Path:
    """The folder holding `postgres` and `initdb` (newest version first), or a clear error.

    SIGNOFF_PG_BIN, when set, is the only candidate: a setting that points at nothing is an
    error, not a silent fall-back to another version."""
    given = os.environ.get("SIGNOFF_PG_BIN")
    if given:
        folder = Path(given)
        if (folder / "postgres").is_file() and (folder / "initdb").is_file():
            return folder
        raise StackStartError(
            f"SIGNOFF_PG_BIN is {given}, which holds no PostgreSQL server binaries "
            "(postgres, initdb).",
            hint="point SIGNOFF_PG_BIN at a folder like /usr/lib/postgresql/15/bin, "
            "or unset it to search the usual places.",
        )
    candidates: list[Path] = []
    for root in SEARCH_ROOTS:
        if root.is_dir():
            versions = sorted(root.iterdir(), key=lambda p: p.name, reverse=True)
            candidates.extend(v / "bin" for v in versions)
    found = shutil.which("postgres")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "postgres").is_file() and (folder / "initdb").is_file():
            return folder
    raise StackStartError(
        "PostgreSQL server binaries (postgres, initdb) were not found.",
        hint="install them with `apt-get install -y postgresql`, or set SIGNOFF_PG_BIN.",
    )


def server_user() -> str | None:
    """The user to run PostgreSQL as: `postgres` when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise StackStartError(
            "PostgreSQL refuses to run as root and there is no `postgres` user to run it as.",
            hint="install the postgresql package, which creates that user.",
        ) from None
    return "postgres"


def has_library(bindir: Path, name: str) -> bool:
    """Whether the server beside `bindir` has the loadable module `name` (an extension)."""
    return (bindir.parent / "lib" / f"{name}.so").is_file()


def give_to(path: Path, user: str | None) -> None:
    """Make a folder the server's own (a no-op when not running as root)."""
    if user:
        _chown_tree(path, user)


def _chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _template_dir(bindir: Path) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "signoff"
    return cache / f"pg-template-{bindir.parent.name}-{DATABASE}"


def _initdb(bindir: Path, target: Path, user: str | None, log: Path) -> None:
    target.mkdir(parents=True)
    if user:
        _chown_tree(target, user)
    cmd = [
        str(bindir / "initdb"),
        "-D",
        str(target),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    ]
    with log.open("ab") as out:
        result = children.run(cmd, stdout=out, user=user)
    if result.returncode != 0:
        raise StackStartError(f"initdb failed (code {result.returncode}); read {log}.")
    # the stacks' database made once, in single-user mode (no server, no port)
    single = [str(bindir / "postgres"), "--single", "-F", "-D", str(target), "postgres"]
    with log.open("ab") as out:
        made = children.run(
            single, stdout=out, user=user, stdin_text=f'CREATE DATABASE "{DATABASE}"\n'
        )
    if made.returncode != 0:
        raise StackStartError(f"creating the template's database failed; read {log}.")


def prepare_data_dir(bindir: Path, workdir: Path, user: str | None, log: Path) -> Path:
    """A fresh cluster in `workdir/pgdata`, copied from the cached template."""
    template = _template_dir(bindir)
    if not (template / "PG_VERSION").is_file():
        template.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="pg-init-", dir=workdir))
        os.chmod(staging, 0o755)
        _initdb(bindir, staging / "data", user, log)
        try:
            os.replace(staging / "data", template)
        except OSError:  # another process built it first
            shutil.rmtree(staging / "data", ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    data = workdir / "pgdata"
    if not spares.claim(template, data):
        _copy_template(template, data, user)
    spares.refill(template, lambda staging: _copy_template(template, staging, user))
    return data


def _copy_template(template: Path, data: Path, user: str | None) -> None:
    shutil.copytree(template, data, symlinks=True)
    if user:
        _chown_tree(data, user)
    os.chmod(data, 0o700)


def server_process(
    bindir: Path,
    data: Path,
    port: int,
    socket_dir: Path,
    log: Path,
    user: str | None,
    label: RunLabel | None = None,
    settings: Mapping[str, str] | None = None,
) -> ManagedProcess:
    """The `postgres` server itself as a managed child: SIGINT is its fast shutdown, and SIGQUIT
    (`pg_ctl stop -m immediate`) the quick exit a reaper sends, which frees its shared memory.
    `settings` are further server settings (`COUNT_STATEMENTS`)."""
    argv = [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(socket_dir),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
    ]
    for key, value in (settings or {}).items():
        argv += ["-c", f"{key}={value}"]
    return ManagedProcess(
        "postgresql",
        argv,
        log,
        user=user,
        stop_signal=signal.SIGINT,
        label=label,
        quick_exit=signal.SIGQUIT,
    )


def can_query(dsn: str) -> bool:
    """Whether PostgreSQL answers a query at `dsn` now."""
    import psycopg

    with psycopg.connect(dsn, connect_timeout=1) as conn:
        conn.execute("SELECT 1")
    return True


def create_database(admin_dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
