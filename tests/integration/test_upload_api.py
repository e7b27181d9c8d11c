"""The upload API end to end: Litestar's TestClient, the real OpenCV/PyAV frame source on videos encoded here.

Videos are tiny (64x48 at 2 fps) so a 90 s round is a few kilobytes; the chunk size is scaled down to match.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from litestar import Litestar
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.testing import TestClient
from redis.asyncio import Redis

from punch_adapters.http.app import create_app
from punch_adapters.http.deps import ApiDeps, HttpConfig
from punch_adapters.http.ratelimit import ApiRateLimitMiddleware, check_rate
from punch_adapters.http.routes.uploads import MAX_CHUNK_BYTES
from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.storage import local_store
from punch_core.errors import RateLimitedError
from punch_core.service.records import AnalysisStatus, Stage, UploadStatus
from punch_core.service.uploads import JOIN_PIECE_BYTES, parts_prefix
from tests.support.api import RecordingJobs, add_user, bearer, make_deps
from tests.support.services import REDIS_URL, require_service
from tests.support.videos import tiny_h264

FPS = 2


def _encode(path: Path, seconds: float, *, size: tuple[int, int] = (64, 48)) -> bytes:
    return tiny_h264(path, seconds, fps=FPS, size=size)


@pytest.fixture(scope="module")
def round_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _encode(tmp_path_factory.mktemp("videos") / "round.mp4", 90.0)


@pytest.fixture(scope="module")
def short_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _encode(tmp_path_factory.mktemp("videos") / "short.mp4", 30.0)


@attrs.define
class Api:
    client: TestClient[Litestar]
    deps: ApiDeps
    repos: MemoryRepositories
    jobs: RecordingJobs
    as_u1: dict[str, str]
    as_u2: dict[str, str]

    def start(self, size: int, *, name: str = "round.mp4", ctype: str = "video/mp4", who: str = "u1") -> Any:
        headers = self.as_u1 if who == "u1" else self.as_u2
        return self.client.post(
            "/api/v1/uploads", json={"filename": name, "size_bytes": size, "content_type": ctype}, headers=headers
        )

    def chunk(self, upload_id: str, offset: int, data: bytes, *, headers: dict[str, str] | None = None) -> Any:
        return self.client.put(
            f"/api/v1/uploads/{upload_id}/chunks",
            params={"offset": offset},
            content=data,
            headers=self.as_u1 if headers is None else headers,
        )

    def status(self, upload_id: str) -> Any:
        return self.client.get(f"/api/v1/uploads/{upload_id}", headers=self.as_u1)

    def complete(self, upload_id: str, *, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1/uploads/{upload_id}/complete", headers=self.as_u1 if headers is None else headers
        )

    def upload(self, data: bytes, *, chunk: int = 4096, ctype: str = "video/mp4") -> str:
        started = self.start(len(data), ctype=ctype)
        assert started.status_code == 201, started.text
        upload_id: str = started.json()["id"]
        for offset in range(0, len(data), chunk):
            sent = self.chunk(upload_id, offset, data[offset : offset + chunk])
            assert sent.status_code == 200, sent.text
        return upload_id

    def nothing_stays(self, upload_id: str) -> None:
        assert self.deps.store.delete_prefix(f"videos/{upload_id}") == 0
        assert self.deps.store.delete_prefix(parts_prefix(upload_id)) == 0


@pytest.fixture
def make_api() -> Iterator[Any]:
    clients: list[TestClient[Litestar]] = []

    def build(config: HttpConfig | None = None, *, store: Any = None, **overrides: Any) -> Api:
        jobs = RecordingJobs()
        repos_box: list[MemoryRepositories] = []

        async def thumbnails_done(stage: Stage, analysis_id: str, attempt: int) -> float | None:
            # Records the job and stores what the real stage would: the thumbnails are done.
            await jobs.handle(stage, analysis_id, attempt)
            analysis = repos_box[0].analyses.get(analysis_id)
            repos_box[0].analyses.save(attrs.evolve(analysis, done_stages=(*analysis.done_stages, stage)))
            return None

        deps, repos = make_deps(config=config, source=OpenCvFrameSource(), handler=thumbnails_done, **overrides)
        repos_box.append(repos)
        if store is not None:
            deps = attrs.evolve(deps, store=store)
        add_user(repos, "u1")
        add_user(repos, "u2")
        assert isinstance(deps.queue, InProcessJobQueue)
        app = create_app(
            deps,
            extra_middleware=[ApiRateLimitMiddleware()],
            on_startup=[deps.queue.start],
            on_shutdown=[deps.queue.stop],
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Api(client, deps, repos, jobs, bearer(deps, "u1"), bearer(deps, "u2"))

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def _wait_for_jobs(api: Api, count: int) -> None:
    deadline = time.monotonic() + 5.0
    while len(api.jobs.queued) < count and time.monotonic() < deadline:
        time.sleep(0.02)


# --- the happy path ---------------------------------------------------------------------------------------------


def test_upload_in_chunks_with_a_resend_and_a_lost_chunk_then_complete(make_api: Any, round_mp4: bytes) -> None:
    api = make_api()
    data = round_mp4
    chunk = len(data) // 4 + 1
    started = api.start(len(data), name="../Sparring round 1.mp4")
    assert started.status_code == 201
    doc = started.json()
    upload_id = doc["id"]
    assert doc["received_offset"] == 0
    assert doc["size_bytes"] == len(data)
    assert doc["chunk_size_hint"] > 0

    assert api.chunk(upload_id, 0, data[:chunk]).json()["received_offset"] == chunk
    # The same chunk again (the client never saw the answer): nothing changes.
    assert api.chunk(upload_id, 0, data[:chunk]).json()["received_offset"] == chunk
    # The second chunk is lost on the way; the third arrives first and is refused with where to resume.
    gap = api.chunk(upload_id, 2 * chunk, data[2 * chunk : 3 * chunk])
    assert gap.status_code == 409
    assert f"starts at byte {chunk}" in _error(gap)["message"]
    status = api.status(upload_id).json()
    assert (status["received_offset"], status["status"], status["error"]) == (chunk, "receiving", None)
    # Resume from the offset the status gave, overlapping what arrived a little.
    resume = status["received_offset"]
    for offset in range(resume - 10, len(data), chunk):
        sent = api.chunk(upload_id, offset, data[offset : offset + chunk])
        assert sent.status_code == 200, sent.text
    assert api.status(upload_id).json()["received_offset"] == len(data)

    completed = api.complete(upload_id)
    assert completed.status_code == 201, completed.text
    body = completed.json()
    video = api.repos.videos.get(body["video_id"], owner_id="u1")
    analysis = api.repos.analyses.get(body["analysis_id"], owner_id="u1")
    assert video.filename == "Sparring round 1.mp4"
    assert video.container == "mp4"
    assert video.duration_s == pytest.approx(90.0, abs=1.0)
    assert api.deps.store.get(video.object_key) == data
    assert analysis.video_id == video.id
    assert analysis.status is AnalysisStatus.CREATED
    assert api.deps.store.delete_prefix(parts_prefix(upload_id)) == 0
    assert api.status(upload_id).json()["status"] == "complete"

    _wait_for_jobs(api, 1)
    # Completing again (a double click, a retry) returns the same records and queues nothing new.
    again = api.complete(upload_id)
    assert again.status_code == 201
    assert again.json()["analysis_id"] == body["analysis_id"]
    time.sleep(0.1)
    assert api.jobs.queued == [(Stage.THUMBNAILS, analysis.id)]
    assert len(api.repos.analyses.list_for_owner("u1", limit=10, offset=0)) == 1


def test_a_connection_dropped_mid_chunk_keeps_nothing_of_it(make_api: Any, round_mp4: bytes) -> None:
    api = make_api()
    upload_id = api.start(len(round_mp4)).json()["id"]
    api.chunk(upload_id, 0, round_mp4[:1000])
    token = api.as_u1["Authorization"].encode()
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": round_mp4[1000:1500], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PUT",
        "scheme": "http",
        "path": f"/api/v1/uploads/{upload_id}/chunks",
        "raw_path": f"/api/v1/uploads/{upload_id}/chunks".encode(),
        "query_string": b"offset=1000",
        "root_path": "",
        "headers": [(b"authorization", token), (b"content-type", b"application/octet-stream")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(api.client.app(scope, receive, send))
    assert sent[0]["status"] == 400
    assert api.status(upload_id).json()["received_offset"] == 1000
    assert not api.deps.store.exists(f"{parts_prefix(upload_id)}/{1000:015d}")


# --- refusals ---------------------------------------------------------------------------------------------------


def test_a_file_over_500_mb_is_refused_at_the_start(make_api: Any) -> None:
    api = make_api()
    response = api.start(500 * 2**20 + 1)
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"
    assert "500 MB" in _error(response)["message"]


def test_a_type_that_is_not_a_video_is_refused_at_the_start(make_api: Any) -> None:
    api = make_api()
    response = api.start(1000, name="photo.png", ctype="image/png")
    assert response.status_code == 415
    assert "MP4, MOV or WebM" in _error(response)["message"]


def test_a_missing_size_is_a_field_error(make_api: Any) -> None:
    api = make_api()
    response = api.client.post("/api/v1/uploads", json={"filename": "a.mp4"}, headers=api.as_u1)
    assert response.status_code == 422
    assert "size_bytes" in _error(response)["fields"]


def test_a_png_renamed_to_mp4_is_refused_on_completion_and_nothing_stays(make_api: Any) -> None:
    api = make_api()
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(3000)
    upload_id = api.upload(png, chunk=1000)
    response = api.complete(upload_id)
    assert response.status_code == 415
    assert "PNG image" in _error(response)["message"]
    api.nothing_stays(upload_id)
    status = api.status(upload_id).json()
    assert status["status"] == UploadStatus.REJECTED.value
    assert "PNG" in status["error"]
    assert api.repos.analyses.list_for_owner("u1", limit=10, offset=0) == []
    time.sleep(0.1)
    assert api.jobs.queued == []


def test_a_truncated_mp4_is_refused_as_damaged(make_api: Any, round_mp4: bytes) -> None:
    api = make_api()
    upload_id = api.upload(round_mp4[: len(round_mp4) // 2])
    response = api.complete(upload_id)
    assert response.status_code == 422, response.text
    assert _error(response)["code"] == "invalid_video"
    assert "damaged" in _error(response)["message"]
    api.nothing_stays(upload_id)


def test_a_30_second_video_is_refused_with_the_allowed_length(make_api: Any, short_mp4: bytes) -> None:
    api = make_api()
    upload_id = api.upload(short_mp4)
    response = api.complete(upload_id)
    assert response.status_code == 422
    assert _error(response)["message"] == "the video is 30 s long; upload a round of 1 to 3 minutes"
    assert "duration_s" in _error(response)["fields"]
    api.nothing_stays(upload_id)


def test_a_chunk_past_the_declared_size_is_a_bad_request(make_api: Any) -> None:
    api = make_api()
    upload_id = api.start(100).json()["id"]
    response = api.chunk(upload_id, 50, b"x" * 51)
    assert response.status_code == 409  # a gap first: nothing arrived before byte 50
    response = api.chunk(upload_id, 0, b"x" * 101)
    assert response.status_code == 400
    assert "100-byte file" in _error(response)["message"]
    assert api.status(upload_id).json()["received_offset"] == 0


def test_a_chunk_over_the_per_request_limit_is_refused(make_api: Any) -> None:
    api = make_api()
    upload_id = api.start(MAX_CHUNK_BYTES + 10).json()["id"]
    response = api.chunk(upload_id, 0, bytes(MAX_CHUNK_BYTES + 1))
    assert response.status_code == 413
    assert "at most 64 MB" in _error(response)["message"]
    assert api.status(upload_id).json()["received_offset"] == 0


def test_a_bad_offset_is_refused(make_api: Any) -> None:
    api = make_api()
    upload_id = api.start(100).json()["id"]
    assert api.chunk(upload_id, -1, b"x").status_code == 400
    response = api.client.put(f"/api/v1/uploads/{upload_id}/chunks", content=b"x", headers=api.as_u1)
    assert response.status_code in (400, 422)


def test_another_users_upload_is_not_found(make_api: Any, round_mp4: bytes) -> None:
    api = make_api()
    upload_id = api.upload(round_mp4)
    assert api.client.get(f"/api/v1/uploads/{upload_id}", headers=api.as_u2).status_code == 404
    assert api.chunk(upload_id, 0, b"x", headers=api.as_u2).status_code == 404
    assert api.complete(upload_id, headers=api.as_u2).status_code == 404
    assert api.status(upload_id).json()["status"] == "receiving"


def test_anonymous_callers_must_sign_in(make_api: Any) -> None:
    api = make_api()
    upload_id = api.start(100).json()["id"]
    body = {"filename": "a.mp4", "size_bytes": 10, "content_type": "video/mp4"}
    assert api.client.post("/api/v1/uploads", json=body).status_code == 401
    assert api.client.put(f"/api/v1/uploads/{upload_id}/chunks?offset=0", content=b"x").status_code == 401
    assert api.client.get(f"/api/v1/uploads/{upload_id}").status_code == 401
    assert api.client.post(f"/api/v1/uploads/{upload_id}/complete").status_code == 401


# --- rate limits ------------------------------------------------------------------------------------------------


def test_upload_starts_are_limited_per_user_per_hour(make_api: Any) -> None:
    api = make_api(HttpConfig(uploads_per_hour=2))
    assert api.start(100).status_code == 201
    assert api.start(100, ctype="image/png").status_code == 415  # refused starts do not count
    assert api.start(100).status_code == 201
    limited = api.start(100)
    assert limited.status_code == 429
    assert _error(limited)["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 3600
    assert "at most 2 an hour" in _error(limited)["message"]
    assert api.start(100, who="u2").status_code == 201  # another user has their own count


def test_api_calls_are_limited_per_user_per_minute(make_api: Any) -> None:
    api = make_api(HttpConfig(api_calls_per_minute=3))
    upload_id = api.start(100).json()["id"]
    assert api.status(upload_id).status_code == 200
    assert api.status(upload_id).status_code == 200
    limited = api.status(upload_id)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["x-request-id"] == _error(limited)["request_id"]
    assert limited.headers["x-content-type-options"] == "nosniff"
    # Another user, and anonymous callers (per address), have their own counts; /healthz is not counted.
    assert api.client.get(f"/api/v1/uploads/{upload_id}", headers=api.as_u2).status_code == 404
    assert api.client.get(f"/api/v1/uploads/{upload_id}").status_code == 401
    assert api.client.get("/healthz", headers=api.as_u1).status_code == 200


async def _count_twice(deps: ApiDeps, key: str) -> int:
    await check_rate(deps, key, 1, 60)
    try:
        await check_rate(deps, key, 1, 60)
    except RateLimitedError as exc:
        return exc.retry_after_s
    return 0


def test_counters_in_a_redis_store_are_shared_between_processes() -> None:
    url = require_service("Redis", REDIS_URL, 6379)

    async def scenario() -> int:
        redis = Redis.from_url(url)
        namespace = f"punch_test_{uuid.uuid4().hex}"
        try:
            # Two ApiDeps stand for two worker processes sharing one Redis.
            first, _ = make_deps(rate_limit_store=RedisStore(redis, namespace=namespace))
            second, _ = make_deps(rate_limit_store=RedisStore(redis, namespace=namespace))
            await check_rate(first, "shared", 1, 60)
            try:
                await check_rate(second, "shared", 1, 60)
            except RateLimitedError as exc:
                return exc.retry_after_s
            return 0
        finally:
            await RedisStore(redis, namespace=namespace).delete_all()
            await redis.aclose()

    assert 1 <= asyncio.run(scenario()) <= 60


def test_a_memory_store_counts_per_deps() -> None:
    given = MemoryStore()
    deps, _ = make_deps(rate_limit_store=given)
    other, _ = make_deps()
    assert 1 <= asyncio.run(_count_twice(deps, "k")) <= 60
    assert 1 <= asyncio.run(_count_twice(other, "k")) <= 60  # its own fallback store, counting from zero


# --- bounded memory ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [4 * 2**20, JOIN_PIECE_BYTES], ids=["4 MiB parts", "8 MiB pieces"])
def test_a_20_mb_upload_keeps_memory_bounded(make_api: Any, tmp_path: Path, chunk: int) -> None:
    api = make_api(store=local_store(tmp_path / "objects"))
    size = 20 * 2**20
    source = tmp_path / "upload.bin"
    with source.open("wb") as fh:
        # A valid MP4 start (so completion streams the whole file together) over random bytes (so the probe
        # refuses it after assembly).
        fh.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        fh.write(os.urandom(size - 24))
    upload_id = api.start(size).json()["id"]

    tracemalloc.start()
    try:
        with source.open("rb") as fh:
            for offset in range(0, size, chunk):
                sent = api.chunk(upload_id, offset, fh.read(chunk))
                assert sent.status_code == 200, sent.text
                # httpx's request and response refer to each other and keep the sent body until the collector
                # runs: a test-client artefact (the server side holds nothing, which is what is measured here).
                del sent
                gc.collect()
        completed = api.complete(upload_id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert completed.status_code == 422  # assembled, then refused by the probe: random bytes are no video
    api.nothing_stays(upload_id)
    # The test holds one chunk it is sending; the server adds about nothing to that when it streams parts. When
    # chunks are whole pieces it gathers each piece in a buffer, copied from the request's body, which this test
    # client hands over as one message of the whole chunk (a server hands it over in small pieces): two chunks.
    held = 2 * JOIN_PIECE_BYTES if chunk >= JOIN_PIECE_BYTES else 0
    assert peak < chunk + held + 2 * 2**20, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB upload"


# --- slow chunks (issue 24, item 2) -----------------------------------------------------------------------------


def test_one_user_sends_at_most_two_chunks_at_once(make_api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two accounts x four uploads trickling 1 byte every 10 s held all eight chunk threads: everyone else got 429.
    from punch_adapters.http.routes import uploads as routes  # noqa: PLC0415

    api = make_api()
    first, second = api.start(1000).json()["id"], api.start(1000, who="u2").json()["id"]
    monkeypatch.setattr(routes, "_chunks_by_user", {"u1": routes.CHUNKS_PER_USER})  # two chunks of u1 still arriving
    refused = api.chunk(first, 0, b"x" * 100)
    assert refused.status_code == 429, refused.text
    assert "send one upload at a time" in _error(refused)["message"]
    assert refused.headers["retry-after"] == "5"
    assert api.chunk(second, 0, b"x" * 100, headers=api.as_u2).status_code == 200  # others are not held up
    assert routes._chunks_by_user == {"u1": routes.CHUNKS_PER_USER}  # u2's chunk was counted and given back


def test_a_chunk_trickling_slower_than_the_minimum_rate_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from punch_adapters.http.routes import uploads as routes  # noqa: PLC0415
    from punch_core.errors import BadRequestError  # noqa: PLC0415

    monkeypatch.setattr(routes, "MIN_RATE_GRACE_S", 0.3)

    async def trickle() -> Any:
        for _ in range(100):
            await asyncio.sleep(0.05)
            yield b"x"  # 20 bytes a second

    async def fast() -> Any:
        for _ in range(10):
            await asyncio.sleep(0.05)
            yield b"x" * 64 * 1024

    async def read_all(body: Any) -> int:
        loop = asyncio.get_running_loop()
        pieces = await loop.run_in_executor(None, lambda: list(routes._pulled(body, loop)))
        return sum(len(p) for p in pieces)

    assert asyncio.run(read_all(fast())) == 10 * 64 * 1024
    started = time.monotonic()
    with pytest.raises(BadRequestError, match="slower than 16 KB/s"):
        asyncio.run(read_all(trickle()))
    assert time.monotonic() - started < 2.0  # cut off soon after the grace period, not after the whole chunk
