"""The pieces of the generic probes that need no service: request bodies from schemas, the
paths an identity's ids fill, the statuses a document allows, and the identities refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from signoff.errors import EvidenceError
from signoff.layers.authz import identities, seen_routes
from signoff.openapi import Operation
from signoff.probes.bodies import request_body, value
from signoff.probes.contract import allows
from signoff.probes.resources import Created, own_record, seen_operation
from signoff.stack.interface import StackHandle
from signoff.target import Auth

MARK = "authz-owner-0123456789"
DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Job": {
                "type": "object",
                "required": ["name", "window", "events", "hook"],
                "properties": {
                    "name": {"type": "string", "maxLength": 200, "pattern": "^[^\\x00]*$"},
                    "window": {"type": "integer", "minimum": 0, "maximum": 30},
                    "events": {"type": "array", "minItems": 1, "items": {"const": "done"}},
                    "hook": {"type": "string", "pattern": "^https?://[a-z]+$"},
                    "note": {"type": "string"},
                },
            }
        }
    }
}


def test_a_body_has_the_required_fields_valid_and_the_marker_in_free_strings() -> None:
    op = {
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}
        }
    }
    kind, body = request_body(DOCUMENT, op, MARK)
    assert kind == "application/json"
    assert set(body) == {"name", "window", "events", "hook"}  # the optional note is left out
    assert body["name"] == MARK
    assert body["window"] == 1
    assert body["events"] == ["done"]
    assert re.fullmatch("https?://[a-z]+", body["hook"])


def test_the_documents_own_example_wins_and_lengths_are_kept() -> None:
    op = {"requestBody": {"content": {"text/csv": {"example": "a,b\n"}}}}
    assert request_body(DOCUMENT, op, MARK) == ("text/csv", "a,b\n")
    assert request_body(DOCUMENT, {"requestBody": {"content": {"text/csv": {}}}}, MARK) is None
    assert value(DOCUMENT, {"type": "string", "maxLength": 5}, MARK) == MARK[:5]
    assert value(DOCUMENT, {"anyOf": [{"type": "null"}, {"enum": ["x", "y"]}]}, MARK) == "x"


def test_ids_fill_their_collection_and_its_name_elsewhere() -> None:
    created = Created()
    created.learn("/jobs", {"id": 7, "name": MARK})
    created.learn("/jobs/{job_id}/runs", {"id": 3, "job_id": 7})
    run = Operation("get", "/runs/{run_id}", False, {"run_id": {}})
    side = Operation(
        "get", "/jobs/{job_id}/{side}", False, {"job_id": {}, "side": {"enum": ["l", "r"]}}
    )
    hook = Operation("get", "/hooks/{hook_id}", False, {"hook_id": {}})
    assert created.fill(run) == (["/runs/3"], "")
    assert created.fill(side) == (["/jobs/7/l", "/jobs/7/r"], "")
    assert created.fill(hook) == ([], "hook_id")


def test_a_recorded_path_outside_the_document_gets_its_ids_as_parameters() -> None:
    seen = seen_operation("GET", "/runs/42/status")
    assert seen.path == "/runs/{seen1}/status"
    created = Created()
    created.learn("/jobs/{job_id}/runs", {"id": 3})
    assert created.fill(seen) == (["/runs/3/status"], "")


@pytest.mark.parametrize(
    ("codes", "status", "allowed"),
    [
        (["200", "503"], 503, True),
        (["200", "503"], 500, False),
        (["5XX"], 502, True),
        ([], 500, False),
        (["default"], 500, True),
    ],
)
def test_a_status_is_allowed_by_its_code_its_range_or_default(
    codes: list[str], status: int, allowed: bool
) -> None:
    assert allows(codes, status) is allowed


def test_credentials_that_cannot_name_a_second_identity_are_refused() -> None:
    handle = StackHandle("url", "http://127.0.0.1:9")
    with pytest.raises(EvidenceError, match="second identity"):
        identities(handle, Auth())
    with pytest.raises(EvidenceError, match="second identity"):
        identities(handle, Auth(kind="login", login_url="/login"))
    with pytest.raises(EvidenceError, match="cannot make new credentials"):
        identities(handle, Auth(kind="command", command=["mint", "{name}"]))


def test_routes_other_layers_recorded_outside_the_document_are_tried(tmp_path: Path) -> None:
    documented = [Operation("get", "/api/items/{item_id}", False, {"item_id": {}})]
    (tmp_path / "smoke").mkdir()
    rows = [
        {"url": "http://127.0.0.1:1/api/items/5", "status": 200},
        {"url": "http://127.0.0.1:1/runs/12/status", "status": 200},
        {"url": "http://127.0.0.1:1/openapi.json", "status": 200},
        {"url": "http://127.0.0.1:1/runs/9", "method": "DELETE"},
    ]
    (tmp_path / "smoke" / "requests.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "authz").mkdir()  # the layer's own log of an earlier try is not read
    own = [{"url": "http://127.0.0.1:1/mine/7"}]
    (tmp_path / "authz" / "requests.json").write_text(json.dumps(own), encoding="utf-8")
    found = seen_routes(tmp_path, "authz", documented, ["GET /openapi.json"])
    assert [op.name for op in found.routes] == ["GET /runs/{seen1}/status"]


def test_a_read_of_the_callers_own_record_fills_its_collections_parameter() -> None:
    me = Operation("get", "/api/v1/users/me", False, {})
    assert own_record(me) == "/api/v1/users"
    assert own_record(Operation("get", "/api/v1/users/", False, {})) == ""
    assert own_record(Operation("patch", "/api/v1/users/me", True, {})) == ""
    created = Created()
    created.learn(own_record(me), {"id": "5b1c", "email": "a@example.com"})
    one = Operation("delete", "/api/v1/users/{user_id}", False, {"user_id": {}})
    assert created.fill(one) == (["/api/v1/users/5b1c"], "")
