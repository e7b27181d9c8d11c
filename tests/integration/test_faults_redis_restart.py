"""Redis restarts under a running analysis: live status falls back to polling, no job is lost, the worker lives.

A Redis of the test's own (a free port, AOF with ``appendfsync always``, as production runs it for ARQ), a real
`punch worker` process, real PostgreSQL, and the API built by `punch_app.web.build_app` (ARQ queue, Redis
pub/sub progress, Redis rate-limit counters). A real video made from ../shared clips is uploaded, configured and
started over HTTP and followed over the WebSocket. Redis is killed twice: once while the analysis is being
queued (start answers a clear 503, and starting again once Redis is back queues it), and once with SIGKILL while
the pose stage runs (the status keeps arriving from the database; the job survives in the AOF and completes).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from punch_app.settings import Settings
from punch_app.web import build_app
from tests.contract.sql_databases import postgres_schema
from tests.support.services import POSTGRES_URL, in_ci, require_service
from tests.support.videos import concat_clips

PUNCH = Path(sys.executable).with_name("punch")
REDIS_SERVER = Path("/usr/bin/redis-server")
OUTAGE_S = 3.5  # longer than the 2 s after which live status re-reads the database; shorter than pose
POSE_UNDER_WAY_PERCENT = 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A redis-server of this test alone, persisting every write to its append-only file, restartable in place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start on the same port and folder (so it loads the AOF); wait until it answers PING."""
        self.proc = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
            [
                str(REDIS_SERVER),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._ping():
                return
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not start: {(self.folder / 'redis.log').read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop it (SIGKILL: a crash; SIGTERM: a clean shutdown); its port then refuses connections."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    if not REDIS_SERVER.exists():
        reason = f"needs {REDIS_SERVER} to run a Redis of its own (apt-get install redis-server)"
        if in_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    folder = tmp_path / "redis"
    folder.mkdir()
    server = OwnRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop(signal.SIGTERM)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    with postgres_schema(require_service("PostgreSQL", POSTGRES_URL, 5432), "redis") as url:
        yield url


@pytest.fixture(scope="module")
def short_round(shared_dir, tmp_path_factory) -> Path:
    # Just over the one-minute minimum, small and at 10 fps, so that pose takes seconds rather than a minute.
    clips = sorted((shared_dir / "media/shadowcoach/jab").glob("*.mp4"))
    return concat_clips(clips, tmp_path_factory.mktemp("video") / "round.mp4", seconds=61, fps=10, size=(270, 480))


def _logs(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"


def _wait_for(client: TestClient[Any], path: str, predicate, timeout_s: float, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if predicate(body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting on {path}: {body}\nworker log:\n{_logs(log)}")


def test_a_redis_restart_degrades_live_status_to_polling_and_loses_no_job(
    own_redis, pg_schema_url, short_round, tmp_path
):
    data = short_round.read_bytes()
    env = {
        **os.environ,
        "PUNCH_DATA_DIR": str(tmp_path / "data"),
        "PUNCH_DATABASE_URL": pg_schema_url,
        "PUNCH_STORAGE_URL": str(tmp_path / "objects"),
        "PUNCH_REDIS_URL": own_redis.url,
        "PUNCH_QUEUE_NAME": f"punch:test:{uuid.uuid4().hex[:8]}",
        "PUNCH_STAGE_TIMEOUT_S": "120",
        "PUNCH_POSE_WORKERS": "2",
        "PUNCH_LOG_FORMAT": "json",
    }
    env.pop("PUNCH_LLM_BASE_URL", None)
    log = tmp_path / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(PUNCH), "worker"], env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        with TestClient(build_app(Settings.from_env(env))) as client:
            _run_journey(client, own_redis, worker, data, log)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(20)

    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    completed = [e for e in events if e.get("event") == "processing.completed"]
    assert len(completed) == 1, completed
    seen = [e["event"] for e in events]
    assert "worker.redis_unavailable" in seen
    assert "worker.redis_reconnected" in seen, "the worker noticed the outage and carried on once Redis was back"
    engine = sa.create_engine(pg_schema_url)
    with engine.connect() as conn:
        reports = conn.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
    engine.dispose()
    assert reports == 1


def _run_journey(
    client: TestClient[Any], redis: OwnRedis, worker: subprocess.Popen[bytes], data: bytes, log: Path
) -> None:
    assert client.post("/api/v1/auth/local/login").status_code in (200, 204)
    created = client.post(
        "/api/v1/uploads", json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"}
    )
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    assert client.put(f"/api/v1/uploads/{upload_id}/chunks?offset=0", content=data).status_code == 200
    completed = client.post(f"/api/v1/uploads/{upload_id}/complete")
    assert completed.status_code == 201, completed.text
    analysis_id = completed.json()["analysis_id"]
    path = f"/api/v1/analyses/{analysis_id}"
    _wait_for(client, path, lambda s: "thumbnails" in s["done_stages"], 60, log)
    thumbs = client.get(f"{path}/thumbnails").json()["thumbnails"]
    first = next(i for i, t in enumerate(thumbs) if t["boxes"])
    assert client.put(f"{path}/subject", json={"thumbnail": first, "box": 0}).status_code == 200
    specs = {"height_cm": 175, "weight_kg": 70, "stance": "orthodox", "language": "en"}
    assert client.put(f"{path}/specs", json=specs).status_code == 200

    received: list[tuple[float, dict[str, Any]]] = []
    with client.websocket_connect(f"{path}/ws") as ws:
        received.append((time.monotonic(), ws.receive_json(timeout=10)))
        assert received[-1][1]["status"] == "created"

        # 1. Redis is down when the analysis is started: a clear 503, and the live status still moves (queued).
        redis.stop(signal.SIGKILL)
        asked = time.monotonic()
        refused = client.post(f"{path}/start")
        assert refused.status_code == 503, refused.text
        assert time.monotonic() - asked < 5, "a dead Redis does not hang the request"
        assert refused.json()["error"]["code"] == "service_unavailable"
        assert "try again" in refused.json()["error"]["message"]
        assert "redis" not in refused.text.lower()
        received.append((time.monotonic(), ws.receive_json(timeout=10)))
        assert received[-1][1]["status"] == "queued", "the stored status reached the socket with Redis down"
        assert client.get(path).status_code == 200, "reads do not need Redis"
        redis.start()
        started = client.post(f"{path}/start")
        assert started.status_code == 202, started.text

        # 2. Redis crashes (SIGKILL) while pose runs, and comes back on the same port and AOF. Pose reports no
        # progress while its processes load the model, so the crash waits for the first frames to be done.
        while not (received[-1][1]["stage"] == "pose" and received[-1][1]["percent"] >= POSE_UNDER_WAY_PERCENT):
            received.append((time.monotonic(), ws.receive_json(timeout=60)))
        outage: dict[str, float] = {}

        def crash_and_restart() -> None:
            redis.stop(signal.SIGKILL)
            outage["down"] = time.monotonic()
            time.sleep(OUTAGE_S)
            outage["up"] = time.monotonic()
            redis.start()

        restarter = threading.Thread(target=crash_and_restart)
        restarter.start()
        try:
            while received[-1][1]["status"] not in ("completed", "failed"):
                received.append((time.monotonic(), ws.receive_json(timeout=90)))
        finally:
            restarter.join()
    final = received[-1][1]
    assert final["status"] == "completed", f"{final}\nworker log:\n{_logs(log)}"
    during = [m for t, m in received if outage["down"] < t < outage["up"]]
    timeline = [(round(t - outage["down"], 2), m["status"], m["stage"], m["percent"]) for t, m in received]
    assert during, f"the status kept arriving (re-read from the database) while Redis was down: {timeline}"
    percents = [m["percent"] for _, m in received]
    assert percents == sorted(percents)
    assert worker.poll() is None, f"the worker survived the restart\n{_logs(log)}"

    report = client.get(f"/api/v1/reports/{analysis_id}")
    assert report.status_code == 200
    assert report.json()["metrics"]["strikes_total"] >= 1
