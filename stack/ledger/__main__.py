"""Command line: `python -m ledger serve|worker|migrate|create-tenant NAME`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import psycopg

from ledger.core.config import ConfigError, Settings
from ledger.core.migrate import apply_migrations

log = logging.getLogger("ledger")


def _fatal(message: str, tip: str) -> int:
    print(f"ledger: {message}\nTip: {tip}", file=sys.stderr)
    return 2


def _migrate(settings: Settings) -> None:
    applied = apply_migrations(settings.database_url)
    if applied:
        log.info("applied migrations %s", ", ".join(applied))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from ledger.api.app import create_app

    _migrate(settings)
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        access_log=False,  # per-request lines cost throughput; metrics carry the same facts
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()  # handles SIGTERM/SIGINT with a graceful shutdown
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from ledger.worker import Worker

    _migrate(settings)
    worker = Worker(settings)
    worker.install_signal_handlers()
    log.info("worker %s polling every %.2fs", worker.worker_id, settings.worker_poll_s)
    worker.run_forever()
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    applied = apply_migrations(settings.database_url)
    print(f"applied: {', '.join(applied)}" if applied else "schema is up to date", file=sys.stderr)
    return 0


def cmd_create_tenant(settings: Settings, args: argparse.Namespace) -> int:
    from ledger.core.db import fetchone_required
    from ledger.core.security import issue_key

    _migrate(settings)
    with psycopg.connect(settings.database_url, row_factory=psycopg.rows.dict_row) as conn:
        row = fetchone_required(
            conn, "INSERT INTO tenants (name) VALUES (%s) RETURNING id", (args.name,)
        )
        _, key, _ = issue_key(conn, int(row["id"]))
    print(key)  # the only stdout line: scripts capture it
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ledger", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="run the background worker").set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    tenant = sub.add_parser("create-tenant", help="create a tenant and print its API key")
    tenant.add_argument("name")
    tenant.set_defaults(func=cmd_create_tenant)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fatal(str(exc), "fix the LEDGER_* environment variables and start again.")
    try:
        code: int = args.func(settings, args)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _fatal(
            f"cannot reach PostgreSQL ({first}).",
            "check LEDGER_DATABASE_URL and that the server and the database exist.",
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
