"""Password hashes (scrypt, salted) and access tokens signed with HMAC-SHA256."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def get_password_hash(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, hashed: str) -> bool:
    _, salt, digest = hashed.split("$")
    computed = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(computed, _unb64(digest))


def create_access_token(subject: int, secret: str, minutes: int) -> str:
    payload = _b64(json.dumps({"sub": subject, "exp": int(time.time()) + minutes * 60}).encode())
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def subject_of(token: str, secret: str) -> int | None:
    """The user id a valid, unexpired token names; None for anything else."""
    payload, _, signature = token.partition(".")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(signature), expected):
            return None
        claims = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, int) else None
