"""`python -m notebook serve --host H --port P`; configuration comes from the environment."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from .app import ConfigError, Settings, create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notebook",
        description="The notebook API. Environment: NOTEBOOK_DSN (required), "
        "NOTEBOOK_ADMIN_USER (default admin), NOTEBOOK_ADMIN_PASSWORD (required), "
        "NOTEBOOK_BUGS (comma-separated: crash, open).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve HTTP until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"notebook: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
