"""What `signoff init` reads from an OpenAPI document beyond what it states outright: the
readiness path, reads with optional credentials, and the operations that revoke or demote the
caller's own credential (which the fuzz layer must send last, with a credential of their own)."""

from __future__ import annotations

import re
from typing import Any

from signoff import openapi

# Readiness words, best first: a route that says "ready" beats one that says "health", and so on.
HEALTH_WORDS: tuple[frozenset[str], ...] = (
    frozenset({"ready", "readiness", "readyz"}),
    frozenset({"health", "healthz", "health-check", "healthcheck", "health-checks"}),
    frozenset({"live", "liveness", "livez", "alive"}),
    frozenset({"ping", "status", "heartbeat"}),
)
LOGOUT_WORDS = frozenset({"logout", "log-out", "signout", "sign-out", "revoke"})
CREDENTIAL_WORDS = frozenset(
    {"key", "keys", "api-key", "api-keys", "apikey", "apikeys", "token", "tokens"}
    | {"session", "sessions", "credential", "credentials"}
)
USER_WORDS = frozenset({"user", "users", "account", "accounts", "me", "self", "profile"})
# fields of a user whose change can take the caller's rights away
PRIVILEGE_FIELDS = frozenset(
    {"role", "roles", "is_superuser", "is_admin", "is_staff", "is_active", "superuser", "admin"}
    | {"active", "disabled", "enabled", "scopes", "permissions", "groups"}
)
# fields of a user whose change makes the next login fail (the login name and the password)
LOGIN_FIELDS = frozenset({"email", "username", "password"})
LOGIN_WORDS = frozenset({"login", "signin", "sign-in", "log-in"})
TOKEN_FIELDS = ("access_token", "accessToken", "token", "jwt", "key")


def _segments(path: str) -> list[str]:
    """The path's fixed segments, normalised ("Health_Check" -> "health-check"); parameters
    are kept as "{}"."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["{}" if "{" in p else p.lower().replace("_", "-") for p in parts]


def ready_path(document: dict[str, Any]) -> str | None:
    """The document's best health-like route: a GET without parameters documented to answer
    200, ranked by `HEALTH_WORDS`, then the shorter path; None when there is none."""
    found: list[tuple[int, int, str]] = []
    for op in openapi.operations(document):
        responses = ((document["paths"][op.path] or {}).get(op.method) or {}).get("responses")
        if op.method != "get" or op.params or op.required_query or "200" not in (responses or {}):
            continue
        words = set(_segments(op.path))
        ranks = [rank for rank, group in enumerate(HEALTH_WORDS) if words & group]
        if ranks:
            found.append((min(ranks), len(op.path), op.path))
    return min(found)[2] if found else None


def optional_credentials(security: Any) -> bool:
    """Whether a security requirement list lets a caller in without credentials (`{}` in it)."""
    return isinstance(security, list) and any(req == {} for req in security)


def _properties(document: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """The properties (name -> schema) a JSON body schema allows, through `$ref`, allOf, anyOf
    and oneOf."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return _properties(document, target, depth + 1)
    found = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key) or []:
            found.update(_properties(document, part, depth + 1))
    return found


def _body_fields(document: dict[str, Any], op: dict[str, Any]) -> set[str]:
    """The field names of an operation's JSON body, and of the tables one level inside it
    (`{"user": {"password": ...}}`)."""
    content = (op.get("requestBody") or {}).get("content") or {}
    names: set[str] = set()
    for kind, media in content.items():
        if not re.fullmatch(r"application/(.+\+)?json", kind) or not isinstance(media, dict):
            continue
        top = _properties(document, media.get("schema"))
        names |= set(top)
        for schema in top.values():
            names |= set(_properties(document, schema))
    return names


def _about_a_user(segments: list[str]) -> bool:
    """Whether a path names a user itself: /users/{id}, /users/me, /user, /me, /accounts/{id}."""
    fixed = [s for s in segments if s != "{}"]
    return bool(fixed) and fixed[-1] in USER_WORDS


def self_harm(document: dict[str, Any]) -> dict[str, str]:
    """`METHOD /path` -> why, for every operation that can revoke or demote the credential
    of its own caller: logouts, deleting keys, tokens, sessions or users, and changing a
    user's role or active flag (per the body's schema) or password."""
    found: dict[str, str] = {}
    for path, item in (document.get("paths") or {}).items():
        segments = _segments(str(path))
        for method, op in (item or {}).items():
            if not isinstance(op, dict) or method not in openapi.METHODS:
                continue
            why = _why(document, method, segments, op)
            if why:
                found[f"{method.upper()} {path}"] = why
    return found


def _why(document: dict[str, Any], method: str, segments: list[str], op: dict[str, Any]) -> str:
    words = set(segments)
    if words & LOGOUT_WORDS:
        return "logs the caller out"
    if method == "delete" and words & CREDENTIAL_WORDS:
        return "deletes credentials"
    if method == "delete" and _about_a_user(segments):
        return "deletes a user, maybe the caller"
    if method in ("patch", "put") and _about_a_user(segments):
        changed = sorted(_body_fields(document, op) & (PRIVILEGE_FIELDS | LOGIN_FIELDS))
        if changed:
            return f"can change a user's {', '.join(changed)}"
    if method in ("patch", "put", "post") and "password" in words and words & USER_WORDS:
        return "changes a user's password"
    return ""


def json_login(document: dict[str, Any]) -> dict[str, Any]:
    """The `[target.auth]` keys of a JSON login operation (POST .../login with a password in its
    body, nested one level or not) and where its answer holds the token; {} when there is none."""
    for path, item in (document.get("paths") or {}).items():
        op = (item or {}).get("post")
        if not isinstance(op, dict) or not set(_segments(str(path))) & LOGIN_WORDS:
            continue
        body = _login_body(document, op)
        if body:
            return {
                "kind": "login",
                "login_url": str(path),
                "login_json": body,
                "token_path": _token_path(document, op) or "token",
            }
    return {}


def _login_body(document: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The login body with the starter's placeholders, e.g. {"user": {"email": "{SIGNOFF_USERNAME}",
    "password": "{SIGNOFF_PASSWORD}"}}; {} without a password field."""
    media = ((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    top = _properties(document, media.get("schema"))
    for outer, schema in [("", {"properties": top}), *top.items()]:
        fields = _properties(document, schema)
        if "password" not in fields:
            continue
        name = next((f for f in ("username", "email", "login", "user") if f in fields), "")
        body = {name: "{SIGNOFF_USERNAME}"} if name else {}
        body["password"] = "{SIGNOFF_PASSWORD}"
        return {outer: body} if outer else body
    return {}


def _token_path(document: dict[str, Any], op: dict[str, Any]) -> str:
    """The dotted path of the token in the login's answer ("user.token"), two levels deep."""
    for status in ("200", "201"):
        answer = ((op.get("responses") or {}).get(status) or {}).get("content") or {}
        top = _properties(document, (answer.get("application/json") or {}).get("schema"))
        for prefix, fields in [("", top), *((k, _properties(document, v)) for k, v in top.items())]:
            found = next((f for f in TOKEN_FIELDS if f in fields), "")
            if found:
                return f"{prefix}.{found}" if prefix else found
    return ""


def header_format(scheme: dict[str, Any]) -> str:
    """The token's format for an API key in the Authorization header: the scheme word its
    description names (`Token`, `Bearer`, `JWT`), else the token alone."""
    found = re.search(r"\b(Token|Bearer|JWT)\b", str(scheme.get("description") or ""))
    return f"{found.group(1)} {{token}}" if found else "{token}"
