"""The metrics the alert rules (ops/prometheus/alerts.yml) rest on, emitted from the real code paths.

HTTP answers (errors and unmatched routes included) and upload outcomes through the Litestar app; the database
pool gauges on PostgreSQL and in the composition root; the whole-analysis time from the stage runner; the queue
length a worker keeps current on the real Redis.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import attrs
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from punch_adapters.http.app import create_app
from punch_adapters.jobs.arq_queue import ArqJobQueue
from punch_adapters.memory.metrics import MemoryMetrics
from punch_adapters.metrics.prometheus import PrometheusMetrics
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.sql.engine import make_engine
from punch_app.container import build_services, export_pool_usage
from punch_app.runner import Outcome
from punch_app.settings import Settings
from punch_app.worker import watch_queue_size
from punch_core.errors import StorageUnavailableError
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import rerun_coaching
from punch_core.service.records import Stage
from tests.support.api import access_cookie, add_user, bearer, make_deps
from tests.support.services import POSTGRES_URL, REDIS_URL, require_service
from tests.support.videos import tiny_h264
from tests.unit.test_processing import ScriptedPose
from tests.unit.test_runner import _ready, _runner


def _samples(metrics: PrometheusMetrics) -> dict[str, float]:
    """``{"name{labels}": value}`` from the registry's text exposition, as Prometheus would scrape it."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


# --- HTTP answers: http_requests_total{status} -------------------------------------------------------------------


class BrokenReports:
    """A report repository whose every call fails the way a bug does."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("a bug in the report repository")

        return fail


def test_every_answer_is_counted_once_with_its_status_errors_and_unmatched_routes_included():
    deps, _repos = make_deps()
    deps = attrs.evolve(deps, reports=BrokenReports())
    with TestClient(create_app(deps)) as client:
        client.cookies.update(access_cookie(deps, "u1"))
        assert client.get("/api/v1/reports").status_code == 500
        assert client.get("/healthz").status_code == 200
        assert client.get("/no/such/page").status_code == 404
        assert client.delete("/healthz").status_code == 405
    metrics = deps.metrics
    assert isinstance(metrics, MemoryMetrics)
    assert metrics.value("http_requests_total", method="GET", route="/reports", status="500") == 1
    assert metrics.value("http_requests_total", method="GET", route="/healthz", status="200") == 1
    assert metrics.value("http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert metrics.value("http_requests_total", method="DELETE", route="unmatched", status="405") == 1
    assert metrics.total("http_requests_total") == 4  # each answer once


# --- upload completions: uploads_total{outcome} ------------------------------------------------------------------


class DownQueue:
    """A job queue that cannot be reached (Redis down)."""

    async def enqueue(self, stage: Stage, analysis_id: str) -> str:
        raise StorageUnavailableError("the job queue cannot be reached right now; try again in a minute")


def _upload(client: TestClient[Any], headers: dict[str, str], data: bytes) -> str:
    started = client.post(
        "/api/v1/uploads",
        json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"},
        headers=headers,
    )
    assert started.status_code == 201, started.text
    upload_id: str = started.json()["id"]
    sent = client.put(f"/api/v1/uploads/{upload_id}/chunks", params={"offset": 0}, content=data, headers=headers)
    assert sent.status_code == 200, sent.text
    return upload_id


def test_upload_completions_count_completed_rejected_and_failed_but_not_early_ones(tmp_path):
    round_mp4, short_mp4 = tiny_h264(tmp_path / "round.mp4", 90.0), tiny_h264(tmp_path / "short.mp4", 30.0)
    deps, repos = make_deps(source=OpenCvFrameSource())
    add_user(repos, "u1")
    as_u1 = bearer(deps, "u1")
    with TestClient(create_app(deps)) as client:
        good = _upload(client, as_u1, round_mp4)
        assert client.post(f"/api/v1/uploads/{good}/complete", headers=as_u1).status_code == 201
        short = _upload(client, as_u1, short_mp4)  # refused: shorter than a minute
        assert client.post(f"/api/v1/uploads/{short}/complete", headers=as_u1).status_code == 422
        # Completing a refused upload again, or one whose bytes have not all arrived, is not a new outcome.
        assert client.post(f"/api/v1/uploads/{short}/complete", headers=as_u1).status_code == 409
        early = client.post(
            "/api/v1/uploads",
            json={"filename": "round.mp4", "size_bytes": len(round_mp4), "content_type": "video/mp4"},
            headers=as_u1,
        ).json()["id"]
        assert client.post(f"/api/v1/uploads/{early}/complete", headers=as_u1).status_code == 409
    metrics = deps.metrics
    assert isinstance(metrics, MemoryMetrics)
    assert metrics.value("uploads_total", outcome="completed") == 1
    assert metrics.value("uploads_total", outcome="rejected") == 1
    assert metrics.total("uploads_total") == 2

    down_deps = attrs.evolve(deps, queue=DownQueue())
    with TestClient(create_app(down_deps)) as client:
        stuck = _upload(client, as_u1, round_mp4)
        assert client.post(f"/api/v1/uploads/{stuck}/complete", headers=as_u1).status_code == 503
    assert metrics.value("uploads_total", outcome="failed") == 1


# --- the database pool: db_pool_connections_in_use / db_pool_connections_capacity -------------------------------


def test_checked_out_postgres_connections_move_the_pool_gauge_at_scrape_time():
    url = require_service("PostgreSQL", POSTGRES_URL, 5432)
    engine = make_engine(url, pool_size=3, max_overflow=2)
    metrics = PrometheusMetrics()
    export_pool_usage(metrics, engine)
    try:
        assert _samples(metrics)["db_pool_connections_capacity"] == 5
        assert _samples(metrics)["db_pool_connections_in_use"] == 0
        first, second = engine.connect(), engine.connect()
        assert _samples(metrics)["db_pool_connections_in_use"] == 2
        second.close()
        assert _samples(metrics)["db_pool_connections_in_use"] == 1
        first.close()
        engine.dispose()  # a new pool: the gauge follows it
        with engine.connect():
            assert _samples(metrics)["db_pool_connections_in_use"] == 1
        assert _samples(metrics)["db_pool_connections_in_use"] == 0
    finally:
        engine.dispose()


def test_a_pool_without_a_limit_exports_no_capacity():
    metrics = PrometheusMetrics()
    static = create_engine("sqlite://", poolclass=StaticPool)
    export_pool_usage(metrics, static)
    with static.connect():
        samples = _samples(metrics)
    # Both stay at their initial 0: the ratio is NaN, which never passes the alert's threshold.
    assert samples["db_pool_connections_capacity"] == 0
    assert samples["db_pool_connections_in_use"] == 0


def test_every_process_built_by_the_composition_root_exports_its_pool(tmp_path):
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path)})

    async def scenario() -> dict[str, float]:
        services = await build_services(settings, pose=ScriptedPose())
        try:
            return _samples(services.metrics)
        finally:
            await services.close()

    samples = asyncio.run(scenario())
    assert samples["db_pool_connections_capacity"] == 15  # the default pool: 5 + 10 overflow
    assert samples["db_pool_connections_in_use"] == 0


# --- whole-analysis time: analysis_processing_seconds -------------------------------------------------------------


def test_a_completed_analysis_observes_its_start_to_report_time_once():
    ports, repos = _ready(ScriptedPose())
    started_at = datetime.fromisoformat(json.loads(ports.store.get(AnalysisArtifacts("a1").started))["started_at"])
    runner, _queued = _runner(ports)
    for stage in (Stage.POSE, Stage.STAMPS, Stage.COACHING, Stage.REPORT):
        assert asyncio.run(runner.run(stage, "a1")) is Outcome.DONE
    finished_at = repos.analyses.get("a1").finished_at
    assert finished_at is not None
    assert runner.metrics.observations("analysis_processing_seconds") == [(finished_at - started_at).total_seconds()]
    assert not ports.store.exists(AnalysisArtifacts("a1").started)

    # The report job delivered again, and coaching written again later, are not whole analyses.
    assert asyncio.run(runner.run(Stage.REPORT, "a1")) is Outcome.DONE
    rerun_coaching(ports, "a1", owner_id="u1")
    for stage in (Stage.COACHING, Stage.REPORT):
        assert asyncio.run(runner.run(stage, "a1")) is Outcome.DONE
    assert len(runner.metrics.observations("analysis_processing_seconds")) == 1


# --- the queue: processing_queue_size --------------------------------------------------------------------------


def test_a_worker_keeps_the_queue_length_current_without_running_a_job():
    url = require_service("Redis", REDIS_URL, 6379)
    queue_name = f"punch:test:{uuid.uuid4().hex[:8]}"
    metrics = MemoryMetrics()

    async def scenario() -> float:
        queue = await ArqJobQueue.connect(url, queue_name=queue_name)
        try:
            for analysis_id in ("a", "b", "c"):
                await queue.enqueue(Stage.POSE, analysis_id)
            watch = asyncio.create_task(watch_queue_size(metrics, queue, every_s=0.05))
            await asyncio.sleep(0.2)
            watch.cancel()
            keys = [k.decode() for k in await queue._pool.zrange(queue_name, 0, -1)]
            await queue._pool.delete(queue_name, *[f"arq:job:{k}" for k in keys])
            return metrics.value("processing_queue_size")
        finally:
            await queue.close()

    assert asyncio.run(scenario()) == 3
