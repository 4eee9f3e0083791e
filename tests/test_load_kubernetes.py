"""The Kubernetes manifests of a distributed load run: valid against the Kubernetes schemas
(kubernetes-validate's bundled OpenAPI schemas, strict: no unknown field), and consistent with
each other and with signoff's configuration."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from signoff import config

MANIFESTS = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"
KUBERNETES = "1.30.0"


def _documents() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        found.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return found


def _one(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize(
    "document", _documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_every_manifest_is_a_valid_kubernetes_object(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_a_misspelt_field_is_refused() -> None:
    job = _one("Job", "signoff-load-workers")
    broken = {**job, "spec": {**job["spec"], "paralellism": 4}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_workers_reach_the_master_that_waits_for_them(tmp_path: Path) -> None:
    text = _one("ConfigMap", "signoff-load")["data"]["signoff.toml"]
    settings = tomllib.loads(text)["load"]
    service = _one("Service", "signoff-load-master")
    workers = _one("Job", "signoff-load-workers")
    master_pod = _one("Job", "signoff-load-master")["spec"]["template"]
    # the Service selects the master's pod and forwards to the port the master binds
    labels = master_pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    port = service["spec"]["ports"][0]
    assert port["targetPort"] == settings["master_port"]
    assert settings["master_bind"] == "0.0.0.0"
    args = workers["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--master") + 1] == f"{service['metadata']['name']}:{port['port']}"
    # the master waits for exactly the workers the Job starts
    assert workers["spec"]["parallelism"] == settings["remote_workers"]
    # and the configuration is one signoff accepts
    (tmp_path / "signoff.toml").write_text(text, encoding="utf-8")
    loaded = config.load(tmp_path).load
    assert loaded.remote_workers == settings["remote_workers"]
