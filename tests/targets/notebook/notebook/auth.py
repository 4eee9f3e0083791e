"""Passwords (scrypt with a per-account salt) and opaque session tokens (stored as digests)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_TTL_SECONDS = 3600

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_KEY_LENGTH = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

# Compared against when the account does not exist, so both paths cost one scrypt.
_DUMMY_SALT = secrets.token_bytes(16)


def new_salt() -> bytes:
    return secrets.token_bytes(16)


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        dklen=_KEY_LENGTH,
    )


def verify_password(password: str, salt: bytes | None, expected: bytes | None) -> bool:
    """Whether `password` matches; with no account (`expected` None) it still hashes, then fails."""
    computed = hash_password(password, salt if salt is not None else _DUMMY_SALT)
    if expected is None:
        return False
    return hmac.compare_digest(computed, expected)


def new_token() -> str:
    """43 URL-safe characters: 256 random bits."""
    return secrets.token_urlsafe(32)


def well_formed(token: str) -> bool:
    """Whether `token` could have come from `new_token`, checked before any database look-up."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


def token_digest(token: str) -> str:
    """What the sessions table keeps: a leaked table does not hand out live tokens."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()
