"""`python -m pantry PORT`: serve the pantry API on 127.0.0.1:PORT until interrupted, on the
database that DATABASE_URL (or POSTGRES_*) names."""

from __future__ import annotations

import sys

import uvicorn

from .app import create_app

if __name__ == "__main__":
    uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
