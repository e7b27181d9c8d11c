"""S3 goes away during an upload: clear 503s within seconds, nothing half-written, and the upload resumes after.

A real S3 API (moto's server) sits behind a TCP proxy that the test cuts and restores, so the objects moto keeps
in memory survive the outage. The app is `punch_app.web.build_app` with the S3 store pointed at the proxy, real
SQLite, and a real 61 s video made from ../shared clips, uploaded in chunks through the HTTP API: small chunks
(stored as parts, joined by copies) and 8 MiB chunks (stored as the pieces of one multipart upload, joined by
reference on completion).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from punch_adapters.storage import s3_store
from punch_app.settings import Settings
from punch_app.web import build_app
from punch_core.service.uploads import JOIN_PIECE_BYTES
from tests.support.s3_server import S3TestServer, running_s3_server
from tests.support.tcp_proxy import TcpProxy
from tests.support.videos import concat_clips

CHUNK = 128 * 1024
FAILS_WITHIN_S = 8.0  # a dead S3 answers 503 this fast, never a hung request


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3TestServer]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def short_round(shared_dir, tmp_path_factory) -> Path:
    clips = sorted((shared_dir / "media/shadowcoach/jab").glob("*.mp4"))
    return concat_clips(clips, tmp_path_factory.mktemp("video") / "round.mp4", seconds=61, fps=10, size=(270, 480))


@pytest.fixture(scope="module")
def large_round(shared_dir, tmp_path_factory) -> Path:
    """The same round, lossless: about 21 MiB, so that 8 MiB chunks are stored as whole pieces (three)."""
    clips = sorted((shared_dir / "media/shadowcoach/jab").glob("*.mp4"))
    out = tmp_path_factory.mktemp("video") / "round.mp4"
    return concat_clips(clips, out, seconds=61, fps=10, size=(270, 480), crf=0)


def _unavailable(response: Any, proxy: TcpProxy, elapsed_s: float) -> None:
    """A clear 503: storage is unavailable, try again; no endpoint, driver or exception names; quick."""
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "service_unavailable"
    message = error["message"].lower()
    assert "unavailable" in message
    assert "try again" in message
    internals = (str(proxy.port), "127.0.0.1", "http", "botocore", "s3fs", "traceback", "error", "punch-test-")
    for internal in (*internals, "uploads/", "videos/", "parts"):
        assert internal not in message, f"{internal!r} leaked into {error['message']!r}"
    assert elapsed_s < FAILS_WITHIN_S, f"the 503 took {elapsed_s:.1f} s: a dead S3 must not hang a request"


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _objects(s3: S3TestServer) -> list[str]:
    listing = s3.client().list_objects_v2(Bucket=s3.bucket)
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.mark.parametrize(
    ("video", "chunk", "before_cut"),
    [("short_round", CHUNK, 3), ("large_round", JOIN_PIECE_BYTES, 1)],
    ids=["small chunks, stored as parts", "8 MiB chunks, stored as pieces joined on completion"],
)
def test_an_s3_outage_during_an_upload_answers_503_and_the_upload_resumes_after(  # noqa: PLR0917 - fixtures
    s3_server, request, tmp_path, video, chunk, before_cut
):
    data = request.getfixturevalue(video).read_bytes()
    assert len(data) > (before_cut + 1) * chunk
    host, port = s3_server.endpoint_url.removeprefix("http://").split(":")
    with TcpProxy((host, int(port))) as proxy:
        options = {**s3_server.store_options(), "endpoint_url": f"http://{proxy.address}"}
        prefix = f"outage-{video}"  # the server is the module's: each case keeps to its own objects
        store = s3_store(s3_server.bucket, prefix=prefix, **options)
        settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path / "data")})
        with TestClient(build_app(settings, store=store)) as client:
            assert client.post("/api/v1/auth/local/login").status_code in (200, 204)
            created = client.post(
                "/api/v1/uploads",
                json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"},
            )
            assert created.status_code == 201, created.text
            upload = f"/api/v1/uploads/{created.json()['id']}"
            for offset in range(0, before_cut * chunk, chunk):
                sent = client.put(f"{upload}/chunks?offset={offset}", content=data[offset : offset + chunk])
                assert sent.status_code == 200, sent.text

            # 1. S3 is cut while chunks arrive: the next chunk is a quick, clear 503; the status still answers.
            proxy.cut()
            offset = before_cut * chunk
            refused, elapsed = _timed(
                lambda: client.put(f"{upload}/chunks?offset={offset}", content=data[offset : offset + chunk])
            )
            _unavailable(refused, proxy, elapsed)
            status = client.get(upload)
            assert status.status_code == 200, "the upload's status comes from the database"
            assert status.json()["received_offset"] == offset, "the refused chunk was not recorded"

            # S3 is back: resume from the offset the server reports, up to the last byte.
            proxy.restore()
            offset = client.get(upload).json()["received_offset"]
            while offset < len(data):
                sent = client.put(f"{upload}/chunks?offset={offset}", content=data[offset : offset + chunk])
                assert sent.status_code == 200, sent.text
                offset = sent.json()["received_offset"]

            # 2. S3 is cut at completion: a quick 503, and nothing half-made: no video object, no video or analysis.
            proxy.cut()
            refused, elapsed = _timed(lambda: client.post(f"{upload}/complete"))
            _unavailable(refused, proxy, elapsed)
            assert not [key for key in _objects(s3_server) if key.startswith(f"{prefix}/videos/")]
            assert client.get("/api/v1/analyses").json()["items"] == []
            assert _rows(settings, "videos") == _rows(settings, "analyses") == 0
            assert client.get(upload).json()["status"] == "receiving"

            # S3 is back: completing now works, and the stored video is exactly the bytes sent.
            proxy.restore()
            completed = client.post(f"{upload}/complete")
            assert completed.status_code == 201, completed.text
            video_id = completed.json()["video_id"]
            stored = s3_server.client().get_object(
                Bucket=s3_server.bucket, Key=f"{prefix}/videos/{video_id}/source.mp4"
            )
            assert hashlib.sha256(stored["Body"].read()).hexdigest() == hashlib.sha256(data).hexdigest()
            assert not [key for key in _objects(s3_server) if key.startswith(f"{prefix}/uploads/")], "parts removed"
            assert [key for key in _objects(s3_server) if key.startswith(f"{prefix}/videos/{video_id}/")] == [
                f"{prefix}/videos/{video_id}/source.mp4"
            ]
            unfinished = s3_server.client().list_multipart_uploads(Bucket=s3_server.bucket, Prefix=f"{prefix}/")
            assert unfinished.get("Uploads", []) == [], "no unfinished multipart upload is left behind"
            assert _rows(settings, "videos") == _rows(settings, "analyses") == 1


def _rows(settings: Settings, table: str) -> int:
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608 - fixed names
    finally:
        engine.dispose()
