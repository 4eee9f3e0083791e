"""notebook: a small notes API on PostgreSQL, the second test target of signoff's harness."""

from __future__ import annotations

__version__ = "1.0.0"
