"""Malware scanning of uploads through the real HTTP API, built by the same app factory as production.

Embedded settings (SQLite, local files, in-process jobs) plus ``PUNCH_CLAMD_URL`` pointing at a real clamd on a
database made by the tests (tests/support/clamd.py). A real MP4 with the EICAR test string appended still starts
with valid MP4 magic bytes (it would pass the sniffing), so only the scan stops it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from punch_adapters.scan import ClamdScanner
from punch_app.container import build_scanner
from punch_app.settings import Settings
from punch_app.web import build_app
from punch_core.subject import PersonBox
from tests.support.clamd import (
    EICAR,
    EICAR_SIGNATURE,
    Clamd,
    clamd,  # noqa: F401 - the fixture
    own_clamd,  # noqa: F401 - the fixture
)
from tests.support.videos import tiny_h264

CHUNK = 8 * 1024


class NoPeople:
    """A pose estimator that sees nobody (these tests stop before pose; thumbnails may still run)."""

    def people(self, frame: Any) -> list[PersonBox]:
        return []

    def people_track(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


@pytest.fixture(scope="module")
def round_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return tiny_h264(tmp_path_factory.mktemp("videos") / "round.mp4", 90.0)  # 90 s at 2 fps: a round we analyse


def _client(tmp_path: Path, clamd_url: str) -> Iterator[TestClient[Litestar]]:
    settings = Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path / "data"), "PUNCH_CLAMD_URL": clamd_url})
    with TestClient(build_app(settings, pose=NoPeople())) as client:
        assert client.post("/api/v1/auth/local/login").status_code == 200
        yield client


def _upload(client: TestClient[Litestar], data: bytes) -> str:
    started = client.post(
        "/api/v1/uploads", json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"}
    )
    assert started.status_code == 201, started.text
    upload_id: str = started.json()["id"]
    for offset in range(0, len(data), CHUNK):
        sent = client.put(f"/api/v1/uploads/{upload_id}/chunks?offset={offset}", content=data[offset : offset + CHUNK])
        assert sent.status_code == 200, sent.text
    return upload_id


def _objects_of(tmp_path: Path, upload_id: str) -> list[str]:
    root = tmp_path / "data" / "objects"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and upload_id in str(p))


def test_an_mp4_carrying_eicar_is_refused_with_the_signature_and_nothing_is_kept(
    tmp_path: Path,
    clamd: Clamd,  # noqa: F811 - the fixture
    round_mp4: bytes,
) -> None:
    infected = round_mp4 + EICAR
    assert infected[4:8] == b"ftyp"
    for client in _client(tmp_path, clamd.url):
        upload_id = _upload(client, infected)
        assert _objects_of(tmp_path, upload_id), "the parts are stored until completion"

        refused = client.post(f"/api/v1/uploads/{upload_id}/complete")
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "rejected_by_malware_scan"
        assert f"rejected by the malware scan ({EICAR_SIGNATURE}" in error["message"]
        assert "has been deleted" in error["message"]

        assert _objects_of(tmp_path, upload_id) == []
        upload = client.get(f"/api/v1/uploads/{upload_id}").json()
        assert upload["status"] == "rejected"
        assert upload["error"] == error["message"]
        assert client.get(f"/api/v1/analyses/{upload_id}").status_code == 404
        assert client.get("/api/v1/analyses").json()["items"] == []
        again = client.post(f"/api/v1/uploads/{upload_id}/complete")
        assert again.status_code == 409

        # The same video without the payload goes through.
        clean_id = _upload(client, round_mp4)
        completed = client.post(f"/api/v1/uploads/{clean_id}/complete")
        assert completed.status_code == 201, completed.text


def test_a_scanner_outage_answers_503_keeps_the_upload_and_completing_after_it_is_back_works(
    tmp_path: Path,
    own_clamd: Clamd,  # noqa: F811 - the fixture
    round_mp4: bytes,
) -> None:
    for client in _client(tmp_path, own_clamd.url):
        upload_id = _upload(client, round_mp4)
        own_clamd.stop()

        unavailable = client.post(f"/api/v1/uploads/{upload_id}/complete")
        assert unavailable.status_code == 503, unavailable.text
        error = unavailable.json()["error"]
        assert error["code"] == "service_unavailable"
        assert "malware scanner is not available right now" in error["message"]
        assert "your upload is kept" in error["message"]
        upload = client.get(f"/api/v1/uploads/{upload_id}").json()
        assert (upload["status"], upload["received_offset"], upload["error"]) == ("receiving", len(round_mp4), None)
        assert client.get(f"/api/v1/analyses/{upload_id}").status_code == 404

        own_clamd.start()
        completed = client.post(f"/api/v1/uploads/{upload_id}/complete")
        assert completed.status_code == 201, completed.text
        assert client.get(f"/api/v1/analyses/{completed.json()['analysis_id']}").status_code == 200


def test_the_embedded_default_says_at_start_up_that_uploads_are_not_scanned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="punch.app"):
        build_app(Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path)}))
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "uploads.not_scanned"]
    assert len(warnings) == 1
    assert "NOT scanned for malware" in warnings[0].getMessage()


def test_production_refuses_to_start_without_a_scanner(tmp_path: Path) -> None:
    env = {"PUNCH_DATA_DIR": str(tmp_path), "PUNCH_ENV": "production"}
    with pytest.raises(ValueError, match="PUNCH_ENV=production needs PUNCH_CLAMD_URL"):
        build_scanner(Settings.from_env(env))
    scanner = build_scanner(Settings.from_env({**env, "PUNCH_CLAMD_URL": "tcp://clamav:3310"}))
    assert isinstance(scanner, ClamdScanner)
    assert str(scanner.address) == "tcp://clamav:3310"


def test_a_clamd_url_in_neither_form_is_refused_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"PUNCH_CLAMD_URL must be unix:///path/to/clamd\.ctl or tcp://host:3310"):
        Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path), "PUNCH_CLAMD_URL": "clamd:3310"})
