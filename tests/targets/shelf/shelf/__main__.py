"""`python -m shelf serve --port P` serves the API; `python -m shelf token NAME [ROLE]` makes an
account named NAME (of ROLE, `member` when none or empty) and prints a token of it. SHELF_DSN
names the database."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

import uvicorn

from .app import connect, create_app, create_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shelf")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--port", type=int, default=8000)
    token = commands.add_parser("token")
    token.add_argument("name")
    token.add_argument("role", nargs="?", default="")
    args = parser.parse_args(argv)
    dsn = os.environ["SHELF_DSN"]
    if args.command == "token":
        made = secrets.token_urlsafe(24)
        with connect(dsn) as conn:
            conn.execute(
                "INSERT INTO accounts (name, token, role) VALUES (%s, %s, %s)",
                (args.name, made, args.role or "member"),
            )
        print(made)
        return 0
    create_schema(dsn)
    bugs = frozenset(b for b in os.environ.get("SHELF_BUGS", "").split(",") if b)
    uvicorn.run(create_app(dsn, bugs), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
