"""Uploads fuzzed: damaged, empty, disguised and lying files through the real upload API and the real decoder.

Whatever arrives, the answer is a clear 4xx or a success, never a 5xx; a refused file leaves nothing behind; an
accepted file is stored byte for byte; and a file the probe accepted but the thumbnail stage cannot decode fails
that analysis with a message instead of crashing the stage runner. Hypothesis mutates a real 62 s H.264 video
(truncation, flipped bytes, inserted junk, another format's header in front, an archive or a page appended).
"""

from __future__ import annotations

import zipfile
from fractions import Fraction
from io import BytesIO
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punch_adapters.pose.video import OpenCvFrameSource
from punch_core.errors import MediaError
from punch_core.service.processing import run_stage
from punch_core.service.records import AnalysisStatus, Stage, UploadStatus
from punch_core.service.uploads import parts_prefix
from tests.integration.test_upload_api import Api, _encode

EBML = b"\x1a\x45\xdf\xa3"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _encode(tmp_path_factory.mktemp("fuzz") / "round.mp4", 62.0)


class NobodyInFrame:
    """A pose estimator that finds nobody: the thumbnail stage still decodes every frame it needs."""

    def people(self, frame: Any) -> list[Any]:
        return []


def _zip() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


@st.composite
def mutants(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "prefix", "append", "random"]))
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if kind == "flip":
        for _ in range(draw(st.integers(1, 40))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        return bytes(data[:i]) + draw(st.binary(min_size=1, max_size=4096)) + bytes(data[i:])
    if kind == "prefix":
        return draw(st.sampled_from([EBML, PNG, b"GIF89a", b"%PDF-1.7\n", b"\x00\x00\x00\x18ftypqt  "])) + original
    if kind == "append":
        return original + draw(st.sampled_from([_zip(), b"<html><script>x</script></html>", b"\x00" * 4096]))
    return b"\x00\x00\x00\x18ftypisom" + draw(st.binary(min_size=0, max_size=20_000))


def _send_whole(api: Api, data: bytes) -> Any:
    """Upload ``data`` in chunks (nothing for an empty file) and complete it; returns the complete answer."""
    started = api.start(len(data))
    assert started.status_code < 500, started.text
    if started.status_code != 201:
        return started
    upload_id = started.json()["id"]
    for offset in range(0, len(data), 16_384):
        sent = api.chunk(upload_id, offset, data[offset : offset + 16_384])
        assert sent.status_code == 200, sent.text
    return api.complete(upload_id)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(data=st.data())
def test_mutated_videos_are_accepted_whole_or_refused_cleanly(make_api, video, data) -> None:
    api = make_api(pose=NobodyInFrame())
    mutant = data.draw(mutants(video))
    started = api.start(len(mutant))
    if not mutant:
        assert started.status_code in (400, 422), started.text  # an empty file is refused at the start
        return
    upload_id = started.json()["id"]
    for offset in range(0, len(mutant), 16_384):
        assert api.chunk(upload_id, offset, mutant[offset : offset + 16_384]).status_code == 200
    done = api.complete(upload_id)
    assert done.status_code in (201, 415, 422), done.text
    if done.status_code == 201:
        video_row = api.repos.videos.get(done.json()["video_id"])
        assert api.deps.store.get(video_row.object_key) == mutant, "an accepted file is stored byte for byte"
        assert api.deps.store.delete_prefix(parts_prefix(upload_id)) == 0
        _thumbnails_fail_cleanly_or_work(api, done.json()["analysis_id"])
    else:
        error = done.json()["error"]
        assert error["message"]
        assert "Traceback" not in error["message"]
        api.nothing_stays(upload_id)
        assert api.repos.uploads.get(upload_id, owner_id="u1").status is UploadStatus.REJECTED
        assert api.repos.analyses.list_for_owner("u1", limit=10, offset=0) == []


def _thumbnails_fail_cleanly_or_work(api: Api, analysis_id: str) -> None:
    """The first stage on an accepted file: thumbnails made, or a MediaError with words (what the runner shows)."""
    ports = api.deps.processing
    message: str | None
    try:
        run_stage(ports, analysis_id, Stage.THUMBNAILS)
    except MediaError as exc:
        message = str(exc)
    else:
        message = None
    if message is None:
        assert Stage.THUMBNAILS in api.repos.analyses.get(analysis_id).done_stages
    else:
        assert message, "a media error says what is wrong"


def test_an_empty_file_is_refused_at_the_start(make_api) -> None:
    answer = make_api().start(0)
    assert answer.status_code in (400, 422)
    assert "size_bytes" in answer.text


def test_a_declared_size_smaller_than_the_file_refuses_the_extra_bytes(make_api, video) -> None:
    api = make_api()
    upload_id = api.start(len(video) // 2).json()["id"]
    too_much = api.chunk(upload_id, 0, video)
    assert too_much.status_code == 400
    assert str(len(video) // 2) in too_much.json()["error"]["message"]
    api.nothing_stays(upload_id)


def test_a_declared_size_larger_than_the_file_waits_for_the_missing_bytes(make_api, video) -> None:
    api = make_api()
    upload_id = api.start(len(video) + 1000).json()["id"]
    assert api.chunk(upload_id, 0, video).status_code == 200
    early = api.complete(upload_id)
    assert early.status_code == 409
    assert str(len(video)) in early.json()["error"]["message"], "says where to resume"
    assert api.repos.analyses.list_for_owner("u1", limit=10, offset=0) == []


@pytest.mark.parametrize("offset", [-1, 10**30, "1e3", "0x10", ""])
def test_lying_offsets_are_refused_and_keep_nothing(make_api, offset) -> None:
    api = make_api()
    upload_id = api.start(1000).json()["id"]
    answer = api.client.put(
        f"/api/v1/uploads/{upload_id}/chunks", params={"offset": offset}, content=b"x" * 10, headers=api.as_u1
    )
    assert answer.status_code in (400, 409, 422), answer.text  # malformed, a gap, not a number: nothing kept
    assert api.status(upload_id).json()["received_offset"] == 0


def test_a_polyglot_mp4_with_an_archive_appended_is_stored_as_sent_and_never_served_as_anything_else(
    make_api, video
) -> None:
    api = make_api()
    polyglot = video + _zip()
    done = _send_whole(api, polyglot)
    assert done.status_code == 201, done.text
    analysis_id = done.json()["analysis_id"]
    served = api.client.get(f"/api/v1/analyses/{analysis_id}/video", headers=api.as_u1)
    assert served.status_code == 200
    assert served.headers["content-type"] == "video/mp4"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == polyglot


def test_a_video_over_4k_is_refused_with_the_limit(make_api, tmp_path: Path) -> None:
    path = tmp_path / "huge.mp4"
    with av.open(str(path), "w") as box:
        stream = box.add_stream("libx264", rate=Fraction(1, 1))
        stream.width, stream.height, stream.pix_fmt = 4352, 4352, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        black = av.VideoFrame.from_ndarray(np.zeros((4352, 4352, 3), np.uint8), format="rgb24")
        for _ in range(62):
            for packet in stream.encode(black):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    api = make_api()
    done = _send_whole(api, path.read_bytes())
    assert done.status_code == 422, done.text
    assert "4352x4352" in done.json()["error"]["message"]
    assert "4K" in done.json()["error"]["message"]


def test_the_stage_runner_survives_a_file_that_probes_but_does_not_decode(make_api, video) -> None:
    # The header (moov) is intact, the frames are garbage: the probe accepts it, decoding finds nothing usable.
    api = make_api(pose=NobodyInFrame())
    damaged = bytearray(video)
    mdat = damaged.find(b"mdat")
    for i in range(mdat + 16, len(damaged) - 8, 7):
        damaged[i] = 0xFF
    done = _send_whole(api, bytes(damaged))
    if done.status_code != 201:
        assert done.status_code in (415, 422), done.text
        return
    analysis_id = done.json()["analysis_id"]
    _thumbnails_fail_cleanly_or_work(api, analysis_id)
    assert api.repos.analyses.get(analysis_id).status is not AnalysisStatus.COMPLETED
    assert isinstance(api.deps.processing.source, OpenCvFrameSource)
