"""The OpenAPI schema carries every request body's shape and every JSON answer's (issue 25 item 4)."""

from __future__ import annotations

import json
from typing import Any

from punch_adapters.http.app import create_app
from tests.support.api import make_deps

# Answers that are not a JSON document: the live status stream and the sign-in redirect's landing.
NOT_JSON = {("get", "/api/v1/analyses/{analysis_id}/events"), ("get", "/api/v1/auth/{provider}/callback")}


def _schema() -> dict[str, Any]:
    deps, _repos = make_deps()
    return create_app(deps).openapi_schema.to_schema()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_request_body_is_a_named_shape() -> None:
    bodies = []
    for method, path, op in _operations(_schema()):
        if "requestBody" not in op:
            continue
        content = op["requestBody"]["content"]
        bodies.append((method, path))
        if "application/json" in content:
            assert "#/components/schemas/" in json.dumps(content["application/json"]["schema"]), (method, path)
    assert ("post", "/api/v1/uploads") in bodies
    assert ("put", "/api/v1/analyses/{analysis_id}/specs") in bodies


def test_every_json_answer_has_a_shape() -> None:
    for method, path, op in _operations(_schema()):
        if (method, path) in NOT_JSON:
            continue
        for code, answer in op.get("responses", {}).items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if not code.startswith("2") or schema is None:
                continue
            assert schema not in ({}, {"type": "object"}), (method, path, code)
