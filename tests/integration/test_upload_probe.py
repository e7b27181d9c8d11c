"""Completing an upload on S3 probes a large MP4 from its start and end only, with the real PyAV frame source.

The video is encoded here (tiny, 90 s at 2 fps) and its media data is then padded to megabytes, as a phone's
recording would be; moto's S3 server stands in for S3.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.pose.video import OpenCvFrameSource
from punch_adapters.storage import s3_store
from punch_core.service.media import PROBE_HEAD_BYTES, PROBE_TAIL_BYTES
from punch_core.service.uploads import UploadLimits, UploadPorts, complete_upload, initiate_upload, receive_chunk
from tests.support.s3_server import S3TestServer, running_s3_server
from tests.support.videos import tiny_h264
from tests.unit.test_uploads import CountingIds, FixedClock, RangeRecordingStore

PADDING_BYTES = 7 * 2**20
CHUNK_BYTES = 5 * 2**20  # S3's smallest part: completing copies the parts on the server


def _pad_media(data: bytes, padding: bytes) -> bytes:
    """The file with ``padding`` appended to its ``mdat`` box: no sample moves, and no decoder reads it."""
    position = 0
    while position < len(data):
        size, kind = int.from_bytes(data[position : position + 4], "big"), data[position + 4 : position + 8]
        assert size >= 8, "the encoder writes 32-bit box sizes"
        if kind == b"mdat":
            end = position + size
            grown = (size + len(padding)).to_bytes(4, "big")
            return data[:position] + grown + data[position + 4 : end] + padding + data[end:]
        position += size
    raise AssertionError("no mdat box")


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3TestServer]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def large_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _pad_media(tiny_h264(tmp_path_factory.mktemp("videos") / "round.mp4", 90.0), os.urandom(PADDING_BYTES))


def _ports(store: object) -> UploadPorts:
    repos = MemoryRepositories.create()
    return UploadPorts(
        uploads=repos.uploads,
        videos=repos.videos,
        analyses=repos.analyses,
        store=store,  # type: ignore[arg-type]
        source=OpenCvFrameSource(),
        ids=CountingIds(),
        clock=FixedClock(),
    )


def test_a_large_mp4_on_s3_is_probed_from_its_ends_as_the_whole_file_would_be(
    s3_server: S3TestServer, large_mp4: bytes, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.mp4"
    whole.write_bytes(large_mp4)
    expected = OpenCvFrameSource().probe(str(whole))
    s3 = s3_store(s3_server.bucket, prefix="probe", **s3_server.store_options())
    store = RangeRecordingStore(s3)
    ports = _ports(store)
    upload = initiate_upload(ports, "u1", "round.mp4", len(large_mp4), "video/mp4", limits=UploadLimits())
    for offset in range(0, len(large_mp4), CHUNK_BYTES):
        receive_chunk(ports, upload.id, "u1", offset, [large_mp4[offset : offset + CHUNK_BYTES]])

    video, _ = complete_upload(ports, upload.id, "u1", limits=UploadLimits())

    size = len(large_mp4)
    assert store.copies == [(video.object_key, [(0, PROBE_HEAD_BYTES), (size - PROBE_TAIL_BYTES, size)])]
    assert (video.duration_s, video.fps, video.width, video.height) == (
        expected.duration_s,
        expected.fps,
        expected.width,
        expected.height,
    )
    assert s3.get(video.object_key) == large_mp4
    assert s3.sizes(f"uploads/{upload.id}") == {}  # the parts are gone
