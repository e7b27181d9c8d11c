"""The whole journey through the API on the embedded default, as the web app drives it.

Sign in (local login), upload a real 62 s video made from ../shared clips in chunks (one chunk interrupted and
resumed), pick the subject on a thumbnail, give body specs, start, follow progress over the WebSocket, read the
report, share it, read it anonymously (JSON and the HTML page with Open Graph tags), and revoke the link.
Real SQLite, local files, in-process jobs, MediaPipe and the offline coach, through `punch_app.web.build_app`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import av
import pytest
from litestar.testing import TestClient

from punch_app.settings import Settings
from punch_app.web import build_app
from tests.support.videos import LOCATION, concat_clips, with_location

CHUNK = 256 * 1024


@pytest.fixture(scope="module")
def round_video(shared_dir, tmp_path_factory) -> Path:
    clips = sorted((shared_dir / "media/shadowcoach/jab").glob("*.mp4"))
    folder = tmp_path_factory.mktemp("video")
    plain = concat_clips(clips, folder / "plain.mp4", seconds=62, fps=15)
    return with_location(plain, folder / "round.mp4")  # as a phone records it: where it was, in the container


def _wait_for(client: TestClient[Any], path: str, predicate, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(path).json()
        if predicate(body):
            return body
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting on {path}: {body}")


def test_sign_in_upload_configure_follow_report_share_and_revoke(round_video, tmp_path):
    data = round_video.read_bytes()
    assert LOCATION.encode() in data
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path / "data")})
    app = build_app(settings)
    with TestClient(app) as client:
        assert client.get("/api/v1/reports").status_code == 401
        providers = client.get("/api/v1/auth/providers").json()
        assert "local" in str(providers)
        assert client.post("/api/v1/auth/local/login").status_code in (200, 204)
        me = client.get("/api/v1/auth/me")
        assert me.status_code == 200

        # Upload in chunks; the second chunk "drops" half-way and is resumed from the offset the server reports.
        created = client.post(
            "/api/v1/uploads", json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"}
        )
        assert created.status_code == 201, created.text
        upload_id = created.json()["id"]
        assert client.put(f"/api/v1/uploads/{upload_id}/chunks?offset=0", content=data[:CHUNK]).status_code == 200
        half = CHUNK + CHUNK // 2
        assert (
            client.put(f"/api/v1/uploads/{upload_id}/chunks?offset={CHUNK}", content=data[CHUNK:half]).status_code
            == 200
        )
        offset = client.get(f"/api/v1/uploads/{upload_id}").json()["received_offset"]
        assert offset == half
        while offset < len(data):
            response = client.put(
                f"/api/v1/uploads/{upload_id}/chunks?offset={offset}", content=data[offset : offset + CHUNK]
            )
            assert response.status_code == 200, response.text
            offset = response.json()["received_offset"]
        completed = client.post(f"/api/v1/uploads/{upload_id}/complete")
        assert completed.status_code == 201, completed.text
        analysis_id = completed.json()["analysis_id"]

        # Thumbnails with person boxes, then pick the boxer and give the specs.
        _wait_for(client, f"/api/v1/analyses/{analysis_id}", lambda s: "thumbnails" in s["done_stages"], 120)
        thumbs = client.get(f"/api/v1/analyses/{analysis_id}/thumbnails").json()["thumbnails"]
        assert len(thumbs) == 10
        first = next(i for i, t in enumerate(thumbs) if t["boxes"])
        assert client.get(thumbs[first]["url"]).headers["content-type"].startswith("image/jpeg")
        assert (
            client.put(f"/api/v1/analyses/{analysis_id}/subject", json={"thumbnail": first, "box": 0}).status_code
            == 200
        )
        bad = client.put(f"/api/v1/analyses/{analysis_id}/specs", json={"height_cm": 20, "stance": "crab"})
        assert bad.status_code == 422
        assert set(bad.json()["error"]["fields"]) == {"height_cm", "stance"}
        specs = {"height_cm": 175, "weight_kg": 70, "stance": "orthodox", "language": "en"}
        assert client.put(f"/api/v1/analyses/{analysis_id}/specs", json=specs).status_code == 200

        # Start and follow over the WebSocket: the current state first, then every change to the end.
        with client.websocket_connect(f"/api/v1/analyses/{analysis_id}/ws") as socket:
            first_message = socket.receive_json()
            assert first_message["status"] == "created"
            assert client.post(f"/api/v1/analyses/{analysis_id}/start").status_code == 202
            messages = [first_message]
            while messages[-1]["status"] not in ("completed", "failed"):
                messages.append(socket.receive_json(timeout=120))
        assert messages[-1]["status"] == "completed", messages[-1]
        percents = [m["percent"] for m in messages[1:]]
        assert percents == sorted(percents)
        assert any(m["stage"] == "pose" for m in messages)

        report = client.get(f"/api/v1/reports/{analysis_id}").json()
        assert report["metrics"]["strikes_total"] >= 10, "the 62 s of jab clips hold about 30 jabs"
        listing = client.get("/api/v1/reports").json()
        assert [item["analysis_id"] for item in listing["items"]] == [analysis_id]

        # The video with the skeleton and stamps drawn: asked for, followed, downloaded (issue 26).
        overlay_path = f"/api/v1/reports/{analysis_id}/overlay"
        assert client.get(overlay_path).json()["status"] == "none"
        assert client.get(f"{overlay_path}/video").status_code == 404
        asked = client.post(overlay_path)
        assert asked.status_code == 202, asked.text
        assert asked.json()["status"] in ("queued", "rendering", "ready")
        overlay = _wait_for(client, overlay_path, lambda o: o["status"] in ("ready", "failed"), 180)
        assert overlay["status"] == "ready", overlay
        download = client.get(overlay["url"])
        assert download.status_code == 200
        assert download.headers["content-type"] == "video/mp4"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert len(download.content) == overlay["size_bytes"]
        drawn = tmp_path / "overlay.mp4"
        drawn.write_bytes(download.content)
        with av.open(str(drawn)) as box:
            stream = box.streams.video[0]
            assert stream.codec_context.name == "h264"
            frames = sum(1 for _ in box.decode(stream))
        assert abs(frames - report["video"]["n_frames"]) <= 2, (frames, report["video"]["n_frames"])
        part = client.get(overlay["url"], headers={"range": "bytes=0-1023"})
        assert (part.status_code, len(part.content)) == (206, 1024)
        again = client.post(overlay_path)
        assert (again.status_code, again.json()["status"], again.json()["outdated"]) == (202, "ready", False)

        share = client.post(f"/api/v1/reports/{analysis_id}/shares", json={"expires_in_days": 7})
        assert share.status_code == 201
        share_hash = share.json()["hash"]
        assert len(share_hash) == 8
        # Issue 24, item 6: neither the boxer's copy nor the shared one says where the phone was; all frames kept.
        own = client.get(f"/api/v1/analyses/{analysis_id}/video")
        assert own.status_code == 200
        assert LOCATION.encode() not in own.content
        assert b"ISO6709" not in own.content
        assert abs(len(own.content) - len(data)) < 0.01 * len(data)  # remuxed, not re-encoded

        saved = dict(client.cookies)
        client.cookies.clear()
        assert client.get(f"/api/v1/reports/{analysis_id}").status_code == 401
        assert client.get(f"/api/v1/reports/{analysis_id}/overlay/video").status_code == 401
        shared = client.get(f"/api/v1/shared/{share_hash}")
        assert shared.status_code == 200
        assert shared.json()["metrics"] == report["metrics"]
        shared_video = client.get(f"/api/v1/shared/{share_hash}/video")
        assert shared_video.status_code == 200
        assert LOCATION.encode() not in shared_video.content
        page = client.get(f"/share/{share_hash}")
        assert 'property="og:title"' in page.text
        assert f"/api/v1/shared/{share_hash}/thumbnail.jpg" in page.text
        client.cookies.update(saved)

        assert client.delete(f"/api/v1/reports/{analysis_id}/shares/{share_hash}").status_code == 204
        client.cookies.clear()
        assert client.get(f"/api/v1/shared/{share_hash}").status_code == 404
