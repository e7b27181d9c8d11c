"""The report player's feeds (video with range requests, pose track) and the built web app's fallback routes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import numpy as np
import pytest
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.http.routes.media import MAX_RANGE_BYTES, accepts_gzip, parse_range
from punch_core.errors import BadRequestError
from punch_core.formats import track_to_npz_bytes
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, ShareLink, Video
from punch_core.track import PoseTrack
from tests.support.api import access_cookie, add_user, make_deps

NOW = datetime(2026, 11, 25, tzinfo=UTC)
VIDEO = bytes(range(256)) * 20_000  # 5 MB: more than one range response


@pytest.fixture
def client(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><html><head><title>app</title></head><body>APP</body></html>")
    (dist / "assets" / "app-123.js").write_text("console.log('hi')")
    deps, repos = make_deps()
    add_user(repos, "owner")
    deps.store.put("videos/v1/source.mp4", VIDEO)
    repos.videos.add(
        Video(
            id="v1",
            owner_id="owner",
            object_key="videos/v1/source.mp4",
            filename="r.mp4",
            container="mp4",
            duration_s=60,
            fps=30,
            width=640,
            height=360,
            size_bytes=len(VIDEO),
            created_at=NOW,
        )
    )
    repos.analyses.add(
        Analysis(
            id="a1",
            owner_id="owner",
            video_id="v1",
            created_at=NOW,
            updated_at=NOW,
            status=AnalysisStatus.COMPLETED,
            done_stages=PIPELINE,
        )
    )
    landmarks = np.full((3, 33, 4), 0.25, np.float32)
    landmarks[1] = np.nan  # the boxer was lost on the middle frame
    track = PoseTrack(t_s=np.array([0.0, 0.5, 1.0]), landmarks=landmarks, width=640, height=360)
    deps.store.put(AnalysisArtifacts("a1").pose_track, track_to_npz_bytes(track))
    repos.reports.save("a1", "owner", {"metrics": {}, "video": {}}, created_at=NOW)
    repos.share_links.add(ShareLink(hash="Zz123456", analysis_id="a1", owner_id="owner", created_at=NOW))
    with TestClient(create_app(deps, frontend_dir=str(dist))) as test_client:
        test_client.cookies.update(access_cookie(deps, "owner"))
        yield test_client


def test_video_answers_range_requests_for_seeking(client):
    first = client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=0-"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-{MAX_RANGE_BYTES - 1}/{len(VIDEO)}"
    assert first.content == VIDEO[:MAX_RANGE_BYTES]
    middle = client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=3000000-3000099"})
    assert middle.content == VIDEO[3_000_000:3_000_100]
    tail = client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=-10"})
    assert tail.content == VIDEO[-10:]
    outside = client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=9999999-"})
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{len(VIDEO)}"
    whole = client.get("/api/v1/analyses/a1/video")
    assert whole.status_code == 200
    assert whole.content == VIDEO  # no Range: the whole file, streamed
    assert client.get("/api/v1/shared/Zz123456/video", headers={"range": "bytes=0-9"}).content == VIDEO[:10]
    # The player's fresh try after a failure adds ?attempt=N, which changes nothing here.
    retry = client.get("/api/v1/analyses/a1/video?attempt=1", headers={"range": "bytes=0-9"})
    assert retry.content == VIDEO[:10]


def test_pose_track_for_the_skeleton(client):
    answer = client.get("/api/v1/analyses/a1/pose")
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "private, max-age=3600"
    pose = answer.json()
    assert pose["t_s"] == [0.0, 0.5, 1.0]
    assert pose["landmarks"][1] is None
    assert pose["landmarks"][0][0] == [0.25, 0.25, 0.25]
    assert len(pose["landmarks"][2]) == 33
    assert client.get("/api/v1/shared/Zz123456/pose").json() == pose
    # Encoded and gzipped once, then served from the stored document: the stored bytes are what the next view gets.
    stored = gzip.decompress(client.app.state["deps"].store.get("analyses/a1/pose_view.json.gz"))
    assert json.loads(stored) == pose
    assert client.get("/api/v1/analyses/a1/pose").content == stored


def test_parse_range_edges():
    assert parse_range(None, 100) is None
    assert parse_range("bytes=10-19", 100) == (10, 20)
    assert parse_range("bytes=90-", 100) == (90, 100)
    for bad in ("bytes=5-2", "items=0-1", "bytes=-", "bytes=0-1,5-6", "bytes=100-", "bytes=" + "9" * 30 + "-"):
        with pytest.raises(BadRequestError):
            parse_range(bad, 100)


def test_every_app_route_loads_the_app_and_assets_are_cached(client):
    for path in ("/", "/upload", "/report/a1", "/dashboard", "/configure/a1", "/processing/a1"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "APP" in response.text
    asset = client.get("/assets/app-123.js")
    assert asset.text == "console.log('hi')"
    assert "immutable" in asset.headers["cache-control"]
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["x-request-id"]
    assert missing.headers["x-content-type-options"] == "nosniff"
    assert client.get("/../../etc/passwd").text.count("APP") == 1  # never a file outside the build
    page = client.get("/share/Zz123456")
    assert 'property="og:title"' in page.text
    assert "APP" in page.text  # the app, with the preview tags in its head


class _CountingStore:
    """The fixture's store, counting the reads the media routes make of it."""

    def __init__(self, store):
        self._store = store
        self.gets: list[str] = []
        self.sizes: list[str] = []

    def get(self, key):
        self.gets.append(key)
        return self._store.get(key)

    def size(self, key):
        self.sizes.append(key)
        return self._store.size(key)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_repeat_views_are_served_from_memory_but_only_after_access_is_checked(client):
    deps = client.app.state["deps"]
    first = client.get("/api/v1/analyses/a1/pose").content
    client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=0-9"})
    counting = _CountingStore(deps.store)
    object.__setattr__(deps, "store", counting)  # ApiDeps is frozen; the routes read deps.store on each call
    for _ in range(3):
        assert client.get("/api/v1/analyses/a1/pose").content == first
        assert client.get("/api/v1/shared/Zz123456/pose").content == first
        assert client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=10-19"}).content == VIDEO[10:20]
    assert counting.gets == []  # the pose view came from memory
    assert counting.sizes == []  # so did the video's size
    # Memory never outlives access: a revoked share and a deleted analysis answer 404 at once.
    assert client.delete("/api/v1/reports/a1/shares/Zz123456").status_code == 204
    assert client.get("/api/v1/shared/Zz123456/pose").status_code == 404
    assert client.delete("/api/v1/reports/a1").status_code == 204
    assert client.get("/api/v1/analyses/a1/pose").status_code == 404
    assert client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=0-9"}).status_code == 404


def test_pose_view_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/api/v1/analyses/a1/pose", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "accept-encoding"
    packed = client.get("/api/v1/analyses/a1/pose", headers={"accept-encoding": "br, gzip;q=0.8"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # the client decoded it
    assert int(packed.headers["content-length"]) < len(plain.content)
    shared = client.get("/api/v1/shared/Zz123456/pose", headers={"accept-encoding": "gzip"})
    assert shared.headers["content-encoding"] == "gzip"
    assert shared.json() == plain.json()
    assert plain.json()["t_s"] == [0.0, 0.5, 1.0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, br", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        (None, False),
        ("gzip;q=junk", False),
    ],
)
def test_accept_encoding_parsing(header, expected):
    assert accepts_gzip(header) is expected
