"""`python -m tasks serve|migrate|initial-data`: configuration comes from the environment."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from .core.config import ConfigError, Settings
from .core.db import connect, init_db, migrate
from .main import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    commands.add_parser("migrate", help="create the tables (safe to run again)")
    commands.add_parser("initial-data", help="create the first superuser unless it exists")
    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"tasks: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    elif args.command == "migrate":
        with connect(settings) as conn:
            migrate(conn)
        print("tasks: the schema is up to date")
    else:
        with connect(settings) as conn:
            created = init_db(conn, settings)
        print(f"tasks: superuser {settings.first_superuser} {'created' if created else 'exists'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
