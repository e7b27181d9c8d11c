"""A failed analysis is tried again over the API without uploading again (issue 26)."""

from __future__ import annotations

import attrs
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.http.deps import HttpConfig
from punch_core.service.records import AnalysisStatus, Stage
from tests.support.api import access_cookie, make_deps
from tests.support.world import seed


def test_a_failed_analysis_goes_back_to_the_choices_and_can_start_again():
    deps, repos = make_deps(config=HttpConfig(api_calls_per_minute=10_000))
    seed(repos, deps)
    failed = attrs.evolve(
        repos.analyses.get("a1"),
        status=AnalysisStatus.FAILED,
        done_stages=(Stage.THUMBNAILS, Stage.POSE),
        error="the boxer was found in only 40% of the video (at least 50% is needed)",
    )
    repos.analyses.save(failed)
    with TestClient(create_app(deps)) as client:
        client.cookies.update(access_cookie(deps, "owner"))
        answer = client.post("/api/v1/analyses/a1/retry")
        assert answer.status_code == 202, answer.text
        status = answer.json()
        assert (status["status"], status["error"], status["done_stages"]) == ("created", None, ["thumbnails"])
        assert client.put("/api/v1/analyses/a1/subject", json={"thumbnail": 0, "box": 0}).status_code == 200
        assert client.put("/api/v1/analyses/a1/specs", json={"height_cm": 180}).status_code == 200
        started = client.post("/api/v1/analyses/a1/start")
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "queued"
        again = client.post("/api/v1/analyses/a1/retry")
        assert again.status_code == 409
        assert "only a failed analysis" in again.json()["error"]["message"]
