"""`python -m notebook serve --host H --port P` and `python -m notebook adduser NAME PASSWORD`;
configuration comes from the environment."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from . import auth
from .app import ConfigError, Settings, create_app
from .db import Database


def add_user(settings: Settings, username: str, password: str) -> int:
    """Make the account in the service's database; a taken name is refused."""
    if not 1 <= len(username) <= 64 or not 1 <= len(password) <= 256:
        wrong = "the name (1-64) or the password (1-256) is empty or too long"
        print(f"notebook: {wrong}.", file=sys.stderr)
        return 2
    db = Database(settings.dsn, size=1)
    try:
        db.create_schema()
        salt = auth.new_salt()
        made = db.create_account(username, auth.hash_password(password, salt), salt)
    finally:
        db.close()
    if made is None:
        print(f"notebook: the account {username!r} exists already.", file=sys.stderr)
        return 1
    print(made)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notebook",
        description="The notebook API. Environment: NOTEBOOK_DSN (required), "
        "NOTEBOOK_ADMIN_USER (default admin), NOTEBOOK_ADMIN_PASSWORD (required), "
        "NOTEBOOK_BUGS (comma-separated: crash, open, shared, noadmin).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add = commands.add_parser("adduser", help="make an account that logs in with PASSWORD")
    add.add_argument("username")
    add.add_argument("password")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"notebook: {exc}", file=sys.stderr)
        return 2
    if args.command == "adduser":
        return add_user(settings, args.username, args.password)
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
