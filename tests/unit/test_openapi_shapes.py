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


def test_the_documented_report_shapes_match_a_real_report() -> None:
    """The schema's report shapes (http/schemas.py) name exactly what the pipeline writes, no more, no less."""
    from punch_adapters.http import schemas  # noqa: PLC0415
    from punch_core import BodySpecs, analyse_track  # noqa: PLC0415
    from punch_core.coaching import OfflineCoach  # noqa: PLC0415
    from punch_core.testing import Camera, make_round, track_of  # noqa: PLC0415

    r = make_round(
        actions=[("jab", 1.0), ("cross", 1.5), ("rear_hook", 4.0)], duration_s=8.0, camera=Camera(yaw_deg=90)
    )
    report = analyse_track(track_of(r), BodySpecs(height_cm=175, weight_kg=70), OfflineCoach())

    def keys(doc: Any) -> tuple[set[str], set[str]]:
        return set(doc.__required_keys__), set(doc.__optional_keys__)

    for part, doc in [
        (report["metrics"], schemas.MetricsDoc),
        (report["quality"], schemas.QualityDoc),
        (report["body"], schemas.BodyDoc),
        (report["video"], schemas.ReportVideoDoc),
        (report["metrics"]["combinations"], schemas.CombinationsDoc),
        (report["metrics"]["fatigue"], schemas.FatigueDoc),
        (report["metrics"]["work_rate"][0], schemas.WorkRateDoc),
        (report["metrics"]["rounds"][0], schemas.RoundDoc),
    ]:
        required, optional = keys(doc)
        assert required <= set(part), (doc.__name__, required - set(part))
        assert set(part) <= required | optional, (doc.__name__, set(part) - required - optional)
