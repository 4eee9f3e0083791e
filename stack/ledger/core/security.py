"""API keys: generation, hashing at rest, and bearer-token authentication."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ledger.core.db import Conn, fetchone, fetchone_required

__all__ = ["KEY_PREFIX", "Principal", "authenticate", "hash_key", "issue_key", "parse_bearer"]

KEY_PREFIX = "lk_"


@dataclass(frozen=True, slots=True)
class Principal:
    tenant_id: int
    key_id: int


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast unsalted hash is enough: there is nothing to
    # brute-force, and lookups must stay cheap on every request.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_bearer(header: str | None) -> str | None:
    """The token from `Authorization: Bearer <token>`, or None when absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX) or " " in token:
        return None
    if len(token) > 200:
        return None
    return token


def issue_key(conn: Conn, tenant_id: int) -> tuple[int, str, str]:
    """Create a key for the tenant: (id, the key itself — shown once, prefix for display)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = key[:10]
    row = fetchone_required(
        conn,
        "INSERT INTO api_keys (tenant_id, key_hash, prefix) VALUES (%s, %s, %s) RETURNING id",
        (tenant_id, hash_key(key), prefix),
    )
    return int(row["id"]), key, prefix


def authenticate(conn: Conn, token: str) -> Principal | None:
    row = fetchone(
        conn,
        "SELECT id, tenant_id FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL",
        (hash_key(token),),
    )
    if row is None:
        return None
    return Principal(tenant_id=int(row["tenant_id"]), key_id=int(row["id"]))
