"""`signoff init`: a starter configuration, noxfile and claims file from an OpenAPI document.

What can be read from the document is filled in (where it lives, the API prefix, how clients
authenticate, which reads need no credential); what only the user knows (how to start the
service, its source and requirements) is left as commented lines to edit.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from signoff import openapi
from signoff.config import dumps
from signoff.errors import ConfigError, UsageError
from signoff.init_guess import (
    header_format,
    json_login,
    optional_credentials,
    ready_path,
    self_harm,
)

CONFIG = "signoff.toml"
NOXFILE = "noxfile.py"
CLAIMS = "claims.toml"


def read_document(source: str) -> dict[str, Any]:
    try:
        if source.startswith(("http://", "https://")):
            response = httpx.get(source, timeout=10.0)
            response.raise_for_status()
            data = response.json()
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (httpx.HTTPError, OSError, ValueError) as exc:
        raise UsageError(
            f"The OpenAPI document {source} could not be read: {exc}.",
            hint="pass the URL of the running service's document, or a JSON file of it.",
        ) from exc
    if not isinstance(data, dict) or not data.get("paths"):
        raise UsageError(f"{source} is not an OpenAPI document with paths.")
    return data


def auth_from(document: dict[str, Any]) -> dict[str, Any]:
    """The `[target.auth]` table that the document's security schemes suggest."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for scheme in schemes.values():
        kind = scheme.get("type")
        if kind == "oauth2":
            flow = (scheme.get("flows") or {}).get("password") or {}
            if flow.get("tokenUrl"):
                return {
                    "kind": "login",
                    "login_url": flow["tokenUrl"],
                    "login_form": {
                        "username": "{SIGNOFF_USERNAME}",
                        "password": "{SIGNOFF_PASSWORD}",
                    },
                    "token_path": "access_token",
                }
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return {"kind": "token", **json_login(document)}
        if kind == "apiKey" and scheme.get("in") == "header":
            name = str(scheme.get("name", "X-API-Key"))
            login = json_login(document) if name.lower() == "authorization" else {}
            form = header_format(scheme) if login else "{token}"
            return {"kind": "token", "header": name, "format": form, **login}
    return {"kind": "none"}


def public_operations(document: dict[str, Any]) -> list[str]:
    """Operations that need no credential: an empty security list, one with an empty
    requirement `{}` in it (credentials optional), or none where other operations (and not the
    document as a whole) declare one."""
    gets = {
        f"{method.upper()} {path}": op
        for path, item in (document.get("paths") or {}).items()
        for method, op in (item or {}).items()
        if isinstance(op, dict) and method in openapi.METHODS
    }
    if document.get("security"):
        # an operation without a security list of its own has the document's
        return [
            name
            for name, op in gets.items()
            if op.get("security") == []
            or optional_credentials(op.get("security", document["security"]))
        ]
    every = [
        op
        for item in document["paths"].values()
        for op in (item or {}).values()
        if isinstance(op, dict)
    ]
    if not any(op.get("security") for op in every):
        return []  # the document says nothing about security: the user decides
    return [
        name
        for name, op in gets.items()
        if not op.get("security") or optional_credentials(op["security"])
    ]


def api_prefix(document: dict[str, Any]) -> str:
    """The folder every path shares ("/api/v1"), or ""."""
    parts = [str(p).strip("/").split("/") for p in document.get("paths") or {}]
    common: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1 or "{" in segments[0]:
            break
        common.append(segments[0])
    shortest = min((len(p) for p in parts), default=0)
    return "/" + "/".join(common[: shortest - 1]) if common[: shortest - 1] else ""


def starter(document: dict[str, Any], source: str, base_url: str | None) -> dict[str, Any]:
    location = urlsplit(source).path if source.startswith("http") else source
    reads = [op.name for op in openapi.operations(document) if op.method == "get"]
    target: dict[str, Any] = {
        "name": str((document.get("info") or {}).get("title") or "service"),
        "openapi": location,
        "api_prefix": api_prefix(document),
        "ready_path": ready_path(document) or (location if source.startswith("http") else "/"),
        "public_operations": [
            *([f"GET {location}"] if source.startswith("http") else []),
            *public_operations(document),
        ],
        "auth": auth_from(document),
    }
    # no address, no `base_url` line: an empty one would only read as a setting to fill in
    values: dict[str, Any] = {**({"base_url": base_url} if base_url else {}), "target": target}
    # the probes look for defects no test names on any service; advisory until the target says
    # what they need (a database for faults and queries, a second identity for authz)
    probes = ["faults", "queries", "roundtrip", "lists", "authz"]
    values["profiles"] = {
        "pr": {
            "layers": ["smoke", "audit", "fuzz", "load", *probes],
            "required": ["smoke", "audit", "load"],
        }
    }
    values["smoke"] = {"operations": [], "exclude": []}
    values["fuzz"] = {"last_operations": list(self_harm(document))}
    values["report"] = {"claims": CLAIMS}
    values["_reads"] = reads
    values["_harm"] = self_harm(document)
    return values


def _last_comment(harm: dict[str, str]) -> str:
    """Why `[fuzz] last_operations` holds what it holds: each operation with what it does."""
    lines = [
        "# Operations that can revoke or demote the fuzzing identity's own credential, fuzzed",
        "# last with a fresh one (docs/fuzz.md); found by their paths and body fields, so check:",
    ]
    lines += [f"#   {name}: {why}" for name, why in harm.items()] or ["#   none found"]
    return "\n".join(lines) + "\n"


def render(values: dict[str, Any]) -> str:
    reads = values.pop("_reads")
    harm = values.pop("_harm")
    text = dumps(values).replace("[tool.signoff]", "", 1).replace("tool.signoff.", "")
    text = text.replace("\n[fuzz]\n", "\n" + _last_comment(harm) + "[fuzz]\n", 1)
    return (
        "# signoff configuration, written by `signoff init`. `signoff config` shows every\n"
        "# setting with its default; `signoff layers` lists the layers.\n"
        "# base_url (when written) is where runs go while no [target.processes] are declared, or\n"
        "# with --stack url; every run prints which stack it got and why.\n"
        + text
        + "\n# Next: describe how to start the service, so that the embedded stack can run it:\n"
        "# [target.processes.web]\n"
        '# command = ["python", "-m", "uvicorn", "app.main:app", "--port", "{port}"]\n'
        '# and its backing services, e.g. services = ["postgres"] with\n'
        '# [target.env] DATABASE_URL = "{postgres_url}"\n'
        "# The probe layers (docs/probes.md) are advisory until you make them required; authz\n"
        "# needs a second identity: [target.auth.identity] for a login, or an auth command\n"
        "# that names {name}.\n"
        "# Where bandit and pip-audit look:\n"
        '# source_paths = ["app"]  requirements = "requirements.txt"\n'
        f"# Read operations found in the document: {', '.join(reads[:12]) or 'none'}\n"
    )


NOX = '''"""signoff sessions: `nox -s signoff` runs the pr profile, `nox -s <layer>` one layer."""

import os

import nox

RUN = ["--run", os.environ.get("SIGNOFF_RUN_DIR", "")] if os.environ.get("SIGNOFF_RUN_DIR") else []
# where signoff is installed from: where `signoff init` found it installed (edit to change)
SIGNOFF = {install}


@nox.session
def signoff(session: nox.Session) -> None:
    """Run every layer of a profile (default pr), then the report."""
    session.install(*SIGNOFF)
    session.run("signoff", "run", *session.posargs)


@nox.session(default=False)
@nox.parametrize("layer", ["smoke", "audit", "fuzz", "load"])
def layer(session: nox.Session, layer: str) -> None:
    """Run one layer."""
    session.install(*SIGNOFF)
    session.run("signoff", "layer", layer, *RUN, *session.posargs)
'''
PACKAGE = "signoff[layers]"


def install_args(direct_url: str | None) -> list[str]:
    """The `session.install` arguments that install signoff (with its layers' tools) from
    where this one came from, by its PEP 610 `direct_url.json` text: an editable folder as
    `-e FOLDER[layers]`, a folder, archive or VCS URL as a direct reference, and nothing
    (installed from an index, or unreadable) as the plain name."""
    try:
        found = json.loads(direct_url) if direct_url else None
    except ValueError:
        found = None
    url = found.get("url") if isinstance(found, dict) else None
    if not isinstance(found, dict) or not isinstance(url, str) or not url:
        return [PACKAGE]
    vcs = found.get("vcs_info")
    if isinstance(vcs, dict):
        revision = vcs.get("requested_revision")
        url = f"{vcs.get('vcs', 'git')}+{url}" + (f"@{revision}" if revision else "")
    if found.get("subdirectory"):
        url += f"#subdirectory={found['subdirectory']}"
    editable = (found.get("dir_info") or {}).get("editable")
    if editable and url.startswith("file://"):
        return ["-e", f"{unquote(urlsplit(url).path)}[layers]"]
    return [f"{PACKAGE} @ {url}"]


def installed_from() -> list[str]:
    """`install_args` of the signoff that runs this."""
    try:
        text = metadata.distribution("signoff").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    return install_args(text)


def noxfile() -> str:
    return NOX.replace("{install}", json.dumps(installed_from()))


CLAIM = """# Claims about the service, each tied to a figure a layer measures;
# `signoff report` shows each as VERIFIED, REFUTED or UNVERIFIABLE.

[[claim]]
id = "smoke-green"
text = "Every read operation answers with a credential and refuses without one."
layer = "smoke"
figure = "checks"
comparator = ">="
threshold = 1
"""


def init(root: Path, source: str, base_url: str | None, force: bool) -> int:
    target = root / CONFIG
    if target.exists() and not force:
        raise ConfigError(f"{target} exists already.", hint="pass --force to replace it.")
    document = read_document(source)
    if base_url is None and source.startswith("http"):
        parts = urlsplit(source)
        base_url = f"{parts.scheme}://{parts.netloc}"
    text = render(starter(document, source, base_url))
    tmp = target.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    written = [str(target)]
    for name, body in ((NOXFILE, noxfile()), (CLAIMS, CLAIM)):
        if not (root / name).exists():
            (root / name).write_text(body, encoding="utf-8")
            written.append(str(root / name))
    print(f"Wrote {', '.join(written)}.")
    print("Next: describe how to start the service ([target.processes]), or run against it with")
    print(f"  signoff run --stack url --base-url {base_url or 'URL'}")
    print("then `signoff config` to check the settings and `signoff report` to read the verdicts.")
    return 0
