"""The upload use cases on the shipped memory repositories and memory object store, with a fake frame source."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.storage import memory_store
from punch_core.errors import (
    BadRequestError,
    ConflictError,
    MediaError,
    NotFoundError,
    PayloadTooLargeError,
    StorageUnavailableError,
    UnsupportedMediaError,
    ValidationError,
)
from punch_core.ports.storage import ObjectStore
from punch_core.ports.video import Frame, VideoInfo
from punch_core.service.media import PROBE_HEAD_BYTES, PROBE_TAIL_BYTES
from punch_core.service.records import AnalysisStatus, UploadStatus
from punch_core.service.uploads import (
    JOIN_PIECE_BYTES,
    UploadLimits,
    UploadPorts,
    VideoLengthError,
    complete_upload,
    expire_uploads,
    initiate_upload,
    join_marker_key,
    part_key,
    parts_prefix,
    receive_chunk,
    sanitise_filename,
    upload_status,
)

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
LIMITS = UploadLimits()


class FakeFrameSource:
    """Reads the duration written into the fake file (``DUR=90;``); ``BROKEN`` makes it corrupt."""

    def __init__(self) -> None:
        self.probed: list[bytes] = []

    def probe(self, path: str) -> VideoInfo:
        data = Path(path).read_bytes()
        self.probed.append(data)
        if b"BROKEN" in data:
            raise MediaError("the video is damaged or incomplete and cannot be read; re-export it")
        duration = float(data.split(b"DUR=", 1)[1].split(b";", 1)[0])
        return VideoInfo(
            container="mp4", duration_s=duration, fps=30.0, width=64, height=48, rotation_deg=0, n_frames=30
        )

    def frames(self, path: str, *, start_s: float = 0.0, end_s: float | None = None) -> Iterator[Frame]:
        raise NotImplementedError

    def frame_at(self, path: str, t_s: float) -> Frame:
        raise NotImplementedError

    def without_metadata(self, path: str, out_path: str, *, container: str) -> None:
        raise NotImplementedError

    def frames_at(self, path: str, times_s: Sequence[float]) -> list[Frame]:
        raise NotImplementedError


class CountingIds:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new_id(self) -> str:
        return f"id{next(self._n):04d}"

    def new_secret(self) -> str:
        return "secret"

    def new_share_hash(self) -> str:
        return "abcdefgh"


class FixedClock:
    def now(self) -> datetime:
        return datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_ports(store: ObjectStore | None = None) -> tuple[UploadPorts, MemoryRepositories, FakeFrameSource]:
    repos = MemoryRepositories.create()
    source = FakeFrameSource()
    ports = UploadPorts(
        uploads=repos.uploads,
        videos=repos.videos,
        analyses=repos.analyses,
        store=store or memory_store(),
        source=source,
        ids=CountingIds(),
        clock=FixedClock(),
    )
    return ports, repos, source


def video_bytes(duration_s: float = 90.0, *, size: int = 1000, extra: bytes = b"") -> bytes:
    body = MP4_HEAD + f"DUR={duration_s};".encode() + extra
    filler = bytes(i % 251 for i in range(size - len(body)))
    return body + filler


def send(ports: UploadPorts, upload_id: str, data: bytes, offset: int, end: int, *, piece: int = 7) -> int:
    chunk = data[offset:end]
    pieces = [chunk[i : i + piece] for i in range(0, len(chunk), piece)]
    return receive_chunk(ports, upload_id, "u1", offset, pieces).received_offset


def upload_all(ports: UploadPorts, data: bytes, *, chunk: int = 300) -> str:
    upload = initiate_upload(ports, "u1", "round1.mp4", len(data), "video/mp4", limits=LIMITS)
    for offset in range(0, len(data), chunk):
        send(ports, upload.id, data, offset, min(offset + chunk, len(data)))
    return upload.id


# --- initiate ---------------------------------------------------------------------------------------------------


def test_initiate_records_the_declared_file() -> None:
    ports, _, _ = make_ports()
    upload = initiate_upload(ports, "u1", "Round 1.MOV", 1234, "video/quicktime", limits=LIMITS)
    assert (upload.filename, upload.size_bytes, upload.content_type) == ("Round 1.MOV", 1234, "video/quicktime")
    assert upload.status is UploadStatus.RECEIVING
    assert upload.received_offset == 0
    assert upload_status(ports, upload.id, "u1") == upload


def test_initiate_refuses_files_over_500_mb_with_the_limit() -> None:
    ports, _, _ = make_ports()
    with pytest.raises(PayloadTooLargeError, match="500 MB"):
        initiate_upload(ports, "u1", "big.mp4", 500 * 2**20 + 1, "video/mp4", limits=LIMITS)
    initiate_upload(ports, "u1", "edge.mp4", 500 * 2**20, "video/mp4", limits=LIMITS)


@pytest.mark.parametrize("size", [0, -5, "12", None, True, 1.5])
def test_initiate_refuses_sizes_that_are_not_byte_counts(size: object) -> None:
    ports, _, _ = make_ports()
    with pytest.raises(ValidationError, match="size_bytes"):
        initiate_upload(ports, "u1", "a.mp4", size, "video/mp4", limits=LIMITS)


@pytest.mark.parametrize("content_type", ["image/png", "video/x-matroska", "", None, "application/octet-stream"])
def test_initiate_refuses_other_types(content_type: object) -> None:
    ports, _, _ = make_ports()
    with pytest.raises(UnsupportedMediaError, match="MP4, MOV or WebM"):
        initiate_upload(ports, "u1", "a.mp4", 10, content_type, limits=LIMITS)


def test_initiate_accepts_a_browser_recording_type_with_codecs() -> None:
    ports, _, _ = make_ports()
    upload = initiate_upload(ports, "u1", "rec.webm", 10, "Video/WebM; codecs=vp9", limits=LIMITS)
    assert upload.content_type == "video/webm"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\round.mp4", "round.mp4"),
        ("bad\x00name\u202e.mp4", "bad name .mp4"),
        ("   ", "video"),
        ("..", "video"),
        (None, "video"),
        ("스파링 1라운드.mp4", "스파링 1라운드.mp4"),
    ],
)
def test_filenames_are_sanitised(given: object, expected: str) -> None:
    assert sanitise_filename(given) == expected


def test_long_filenames_keep_their_extension() -> None:
    name = sanitise_filename("x" * 500 + ".mp4")
    assert len(name) <= 120
    assert name.endswith(".mp4")


# --- chunks -----------------------------------------------------------------------------------------------------


def test_chunks_in_order_reach_the_end_and_each_is_a_part() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload_id = upload_all(ports, data, chunk=300)
    upload = upload_status(ports, upload_id, "u1")
    assert upload.received_offset == 1000
    assert [ports.store.size(part_key(upload_id, o)) for o in (0, 300, 600, 900)] == [300, 300, 300, 100]


def test_resending_a_chunk_changes_nothing() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload = initiate_upload(ports, "u1", "a.mp4", 1000, "video/mp4", limits=LIMITS)
    assert send(ports, upload.id, data, 0, 400) == 400
    assert send(ports, upload.id, data, 0, 400) == 400  # the same chunk again
    assert send(ports, upload.id, data, 100, 300) == 400  # a smaller chunk inside what arrived
    assert not ports.store.exists(part_key(upload.id, 100))
    assert ports.store.size(part_key(upload.id, 0)) == 400


def test_overlapping_chunk_stores_only_its_new_bytes() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload = initiate_upload(ports, "u1", "a.mp4", 1000, "video/mp4", limits=LIMITS)
    send(ports, upload.id, data, 0, 400)
    assert send(ports, upload.id, data, 250, 700, piece=100) == 700
    assert ports.store.get(part_key(upload.id, 400)) == data[400:700]
    assert send(ports, upload.id, data, 700, 1000) == 1000


def test_a_gap_is_refused_with_the_offset_to_resume_from() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload = initiate_upload(ports, "u1", "a.mp4", 1000, "video/mp4", limits=LIMITS)
    send(ports, upload.id, data, 0, 300)
    with pytest.raises(ConflictError, match="starts at byte 300"):
        send(ports, upload.id, data, 600, 900)
    assert not ports.store.exists(part_key(upload.id, 600))


def test_a_chunk_past_the_declared_size_is_refused_and_nothing_is_kept() -> None:
    ports, _, _ = make_ports()
    upload = initiate_upload(ports, "u1", "a.mp4", 100, "video/mp4", limits=LIMITS)
    with pytest.raises(BadRequestError, match="100-byte file"):
        receive_chunk(ports, upload.id, "u1", 0, [b"x" * 60, b"x" * 60])
    with pytest.raises(BadRequestError, match="past the end"):
        receive_chunk(ports, upload.id, "u1", 101, [b"x"])
    with pytest.raises(BadRequestError, match="0 or more"):
        receive_chunk(ports, upload.id, "u1", -1, [b"x"])
    assert upload_status(ports, upload.id, "u1").received_offset == 0
    assert not ports.store.exists(part_key(upload.id, 0))


def test_a_dropped_connection_records_nothing_and_the_client_resumes() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload = initiate_upload(ports, "u1", "a.mp4", 1000, "video/mp4", limits=LIMITS)
    send(ports, upload.id, data, 0, 500)

    def dropped() -> Iterable[bytes]:
        yield data[500:600]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        receive_chunk(ports, upload.id, "u1", 500, dropped())
    assert upload_status(ports, upload.id, "u1").received_offset == 500
    assert not ports.store.exists(part_key(upload.id, 500))
    assert send(ports, upload.id, data, 500, 1000) == 1000


def test_empty_pieces_and_empty_chunks_are_harmless() -> None:
    ports, _, _ = make_ports()
    upload = initiate_upload(ports, "u1", "a.mp4", 10, "video/mp4", limits=LIMITS)
    assert receive_chunk(ports, upload.id, "u1", 0, []).received_offset == 0
    assert receive_chunk(ports, upload.id, "u1", 0, [b"", b"abc", b""]).received_offset == 3
    assert not ports.store.exists(part_key(upload.id, 3))


def test_another_owners_upload_is_not_found() -> None:
    ports, _, _ = make_ports()
    upload = initiate_upload(ports, "u1", "a.mp4", 10, "video/mp4", limits=LIMITS)
    with pytest.raises(NotFoundError):
        receive_chunk(ports, upload.id, "u2", 0, [b"abc"])
    with pytest.raises(NotFoundError):
        upload_status(ports, upload.id, "u2")
    with pytest.raises(NotFoundError):
        complete_upload(ports, upload.id, "u2", limits=LIMITS)


# --- complete ---------------------------------------------------------------------------------------------------


def test_complete_assembles_the_video_and_creates_the_analysis() -> None:
    ports, repos, _ = make_ports()
    data = video_bytes(90.0, size=1000)
    upload_id = upload_all(ports, data, chunk=300)
    video, analysis = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert video.object_key == f"videos/{video.id}/source.mp4"
    assert ports.store.get(video.object_key) == data
    assert (video.container, video.duration_s, video.size_bytes, video.filename) == ("mp4", 90.0, 1000, "round1.mp4")
    assert analysis.video_id == video.id
    assert analysis.status is AnalysisStatus.CREATED
    assert repos.analyses.get(analysis.id, owner_id="u1") == analysis
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.COMPLETE
    assert ports.store.delete_prefix(parts_prefix(upload_id)) == 0  # the parts are gone


def test_completing_twice_returns_the_same_records() -> None:
    ports, repos, source = make_ports()
    upload_id = upload_all(ports, video_bytes(size=700))
    first = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    second = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert first == second
    assert len(source.probed) == 1
    assert len(repos.analyses.list_for_owner("u1", limit=10, offset=0)) == 1


def test_chunks_after_completion_are_refused() -> None:
    ports, _, _ = make_ports()
    upload_id = upload_all(ports, video_bytes(size=700))
    complete_upload(ports, upload_id, "u1", limits=LIMITS)
    with pytest.raises(ConflictError, match="already complete"):
        receive_chunk(ports, upload_id, "u1", 0, [b"x"])


def test_complete_before_every_byte_arrived_says_where_to_resume() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload = initiate_upload(ports, "u1", "a.mp4", 1000, "video/mp4", limits=LIMITS)
    send(ports, upload.id, data, 0, 600)
    with pytest.raises(ConflictError, match="starting at byte 600"):
        complete_upload(ports, upload.id, "u1", limits=LIMITS)
    assert upload_status(ports, upload.id, "u1").status is UploadStatus.RECEIVING


def _nothing_stays(ports: UploadPorts, upload_id: str) -> None:
    assert ports.store.delete_prefix(f"videos/{upload_id}") == 0
    assert ports.store.delete_prefix(parts_prefix(upload_id)) == 0


def test_a_png_renamed_to_mp4_is_refused_with_what_it_is_and_nothing_stays() -> None:
    ports, repos, _ = make_ports()
    png = b"\x89PNG\r\n\x1a\n" + bytes(500)
    upload_id = upload_all(ports, png, chunk=200)
    with pytest.raises(UnsupportedMediaError, match="PNG image"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    _nothing_stays(ports, upload_id)
    upload = upload_status(ports, upload_id, "u1")
    assert upload.status is UploadStatus.REJECTED
    assert upload.error is not None
    assert "PNG" in upload.error
    assert repos.analyses.list_for_owner("u1", limit=10, offset=0) == []
    with pytest.raises(ConflictError, match="refused"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)


def test_an_unknown_file_is_refused_as_unsupported() -> None:
    ports, _, _ = make_ports()
    upload_id = upload_all(ports, b"hello, this is text " * 10)
    with pytest.raises(UnsupportedMediaError, match="MP4, MOV or WebM"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)


def test_a_tiny_first_part_still_gives_enough_bytes_to_sniff() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=500)
    upload = initiate_upload(ports, "u1", "a.mp4", len(data), "video/mp4", limits=LIMITS)
    for offset in range(0, len(data), 5):
        send(ports, upload.id, data, offset, min(offset + 5, len(data)))
    video, _ = complete_upload(ports, upload.id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


def test_a_corrupt_video_is_refused_and_nothing_stays() -> None:
    ports, _, _ = make_ports()
    upload_id = upload_all(ports, video_bytes(size=700, extra=b"BROKEN"))
    with pytest.raises(MediaError, match="damaged"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    _nothing_stays(ports, upload_id)
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.REJECTED


@pytest.mark.parametrize("duration", [45.0, 181.0])
def test_a_video_outside_one_to_three_minutes_is_refused_in_words(duration: float) -> None:
    ports, _, _ = make_ports()
    upload_id = upload_all(ports, video_bytes(duration, size=700))
    with pytest.raises(VideoLengthError) as caught:
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert str(caught.value) == f"the video is {duration:.0f} s long; upload a round of 1 to 3 minutes"
    assert caught.value.field == "duration_s"
    _nothing_stays(ports, upload_id)
    assert upload_status(ports, upload_id, "u1").error == str(caught.value)


def test_the_window_edges_are_accepted() -> None:
    for duration in (60.0, 180.0):
        ports, _, _ = make_ports()
        complete_upload(ports, upload_all(ports, video_bytes(duration, size=400)), "u1", limits=LIMITS)


# --- probing a large MP4 from its ends -------------------------------------------------------------------------


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def large_mp4(duration_s: float = 90.0, *, size: int = 6 * 2**20, marks: bytes = b"") -> bytes:
    """An MP4 laid out as phones write it: ``ftyp``, a large ``mdat``, then the ``moov`` index at the end."""
    ftyp = box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isom")
    moov = box(b"moov", b"index " + marks)
    media = f"DUR={duration_s};".encode()
    media += bytes(i % 251 for i in range(size - len(ftyp) - len(moov) - 8 - len(media)))
    return ftyp + box(b"mdat", media) + moov


class RangeRecordingStore:
    """A memory store that writes down the ranges of every local copy (None for a whole copy)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.copies: list[tuple[str, object]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def local_path(self, key: str, *, ranges: Sequence[tuple[int, int]] | None = None) -> AbstractContextManager[str]:
        self.copies.append((key, None if ranges is None else [tuple(r) for r in ranges]))
        return self.inner.local_path(key, ranges=ranges)


class PickyFrameSource(FakeFrameSource):
    """Also refuses a file whose end lacks the ``moov`` mark ``NEED-MIDDLE`` asks for in its middle."""

    def probe(self, path: str) -> VideoInfo:
        data = Path(path).read_bytes()
        if b"NEED-MIDDLE" in data[-100:] and b"MIDDLE-HERE" not in data:
            self.probed.append(data)
            raise MediaError("the video is damaged or incomplete and cannot be read; re-export it")
        return super().probe(path)


def upload_large(ports: UploadPorts, data: bytes) -> str:
    upload = initiate_upload(ports, "u1", "round1.mp4", len(data), "video/mp4", limits=LIMITS)
    chunk = 2**20
    for offset in range(0, len(data), chunk):
        receive_chunk(ports, upload.id, "u1", offset, [data[offset : offset + chunk]])
    return upload.id


def test_a_large_mp4_is_probed_from_its_start_and_end_only() -> None:
    store = RangeRecordingStore(memory_store())
    ports, _, source = make_ports(store)  # type: ignore[arg-type]
    data = large_mp4()
    video, _ = complete_upload(ports, upload_large(ports, data), "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data  # stored whole, byte for byte
    head, tail = (0, PROBE_HEAD_BYTES), (len(data) - PROBE_TAIL_BYTES, len(data))
    assert store.copies == [(video.object_key, [head, tail])]
    [probed] = source.probed
    assert len(probed) == len(data)
    assert probed[: head[1]] == data[: head[1]]
    assert probed[tail[0] :] == data[tail[0] :]
    assert probed[head[1] : tail[0]] == bytes(tail[0] - head[1])  # the media between was never fetched
    assert video.duration_s == 90.0


def test_when_the_probe_of_the_ends_fails_the_whole_file_decides() -> None:
    store = RangeRecordingStore(memory_store())
    ports, _, _ = make_ports(store)  # type: ignore[arg-type]
    source = PickyFrameSource()
    ports = attrs.evolve(ports, source=source)
    data = bytearray(large_mp4(marks=b"NEED-MIDDLE"))
    middle = (PROBE_HEAD_BYTES + len(data) - PROBE_TAIL_BYTES) // 2
    data[middle : middle + 11] = b"MIDDLE-HERE"  # between the start's and the end's ranges
    video, _ = complete_upload(ports, upload_large(ports, bytes(data)), "u1", limits=LIMITS)
    assert [ranges is None for _, ranges in store.copies] == [False, True]
    assert source.probed[-1] == bytes(data)
    assert video.duration_s == 90.0


def test_a_large_mp4_the_probe_refuses_is_refused_by_the_whole_file_and_nothing_stays() -> None:
    store = RangeRecordingStore(memory_store())
    ports, repos, source = make_ports(store)  # type: ignore[arg-type]
    data = large_mp4(marks=b"BROKEN")
    upload_id = upload_large(ports, data)
    with pytest.raises(MediaError, match="damaged"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert [ranges is None for _, ranges in store.copies] == [False, True]
    assert source.probed[-1] == data
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.REJECTED
    assert ports.store.delete_prefix(f"videos/{upload_id}") == 0
    assert ports.store.delete_prefix(parts_prefix(upload_id)) == 0
    assert repos.analyses.list_for_owner("u1", limit=10, offset=0) == []


@pytest.mark.parametrize(
    "data",
    [video_bytes(size=1000), large_mp4(size=4 * 2**20)],
    ids=["not-boxes", "small-mp4"],
)
def test_a_file_whose_boxes_do_not_tell_the_ranges_is_probed_whole(data: bytes) -> None:
    store = RangeRecordingStore(memory_store())
    ports, _, source = make_ports(store)  # type: ignore[arg-type]
    video, _ = complete_upload(ports, upload_large(ports, data), "u1", limits=LIMITS)
    assert store.copies == [(video.object_key, None)]
    assert source.probed == [data]


class _PassThrough:
    """Passes everything to a store; subclasses make some calls fail while ``failing``."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.failing = True

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class FailingVideoWrites(_PassThrough):
    """A store whose video writes fail (the store is down) while everything else works."""

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        if self.failing and key.startswith("videos/"):
            for _ in itertools.islice(chunks, 1):
                pass
            raise StorageUnavailableError("the video store is down; try again in a few minutes")
        return self.inner.put_stream(key, chunks)

    def concat(self, key: str, sources: Sequence[str]) -> int:
        if self.failing and key.startswith("videos/"):
            raise StorageUnavailableError("the video store is down; try again in a few minutes")
        return self.inner.concat(key, sources)


def test_a_store_outage_refuses_nothing_and_completing_later_works() -> None:
    store = FailingVideoWrites(memory_store())
    ports, _, _ = make_ports(store)  # type: ignore[arg-type]
    upload_id = upload_all(ports, video_bytes(size=700))
    with pytest.raises(StorageUnavailableError):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.RECEIVING
    store.failing = False
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert video.size_bytes == 700


def test_a_lost_part_winds_the_upload_back_to_what_is_stored() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=1000)
    upload_id = upload_all(ports, data, chunk=300)
    ports.store.delete(part_key(upload_id, 600))
    with pytest.raises(ConflictError, match="starting at byte 600"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert upload_status(ports, upload_id, "u1").received_offset == 600
    assert send(ports, upload_id, data, 600, 1000) == 1000
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


# --- large uploads: whole pieces, joined on completion -----------------------------------------------------------

PIECE = JOIN_PIECE_BYTES


def send_large(ports: UploadPorts, upload_id: str, data: bytes, offset: int, end: int) -> int:
    return send(ports, upload_id, data, offset, end, piece=1 << 20)


def start_large(ports: UploadPorts, data: bytes) -> str:
    return initiate_upload(ports, "u1", "round1.mp4", len(data), "video/mp4", limits=LIMITS).id


def upload_in_pieces(ports: UploadPorts, data: bytes, *, chunk: int = PIECE) -> str:
    upload_id = start_large(ports, data)
    for offset in range(0, len(data), chunk):
        send_large(ports, upload_id, data, offset, min(offset + chunk, len(data)))
    return upload_id


def stored_pieces(ports: UploadPorts, upload_id: str) -> dict[str, int]:
    """The pieces the memory store keeps beside the video until the join is finished."""
    return {k: v for k, v in ports.store.sizes(f"videos/{upload_id}").items() if k[-1].isdigit()}


def test_a_large_upload_is_stored_as_whole_pieces_and_joined_into_the_video() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=2 * PIECE + 1234)
    upload_id = upload_in_pieces(ports, data)
    assert sorted(stored_pieces(ports, upload_id).values()) == [1234, PIECE, PIECE]
    assert set(ports.store.sizes(parts_prefix(upload_id))) == {join_marker_key(upload_id)}  # no part objects

    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)

    assert video.object_key == f"videos/{upload_id}/source.mp4"
    assert ports.store.get(video.object_key) == data
    assert ports.store.sizes(f"videos/{upload_id}") == {video.object_key: len(data)}
    assert ports.store.delete_prefix(parts_prefix(upload_id)) == 0
    assert complete_upload(ports, upload_id, "u1", limits=LIMITS)[0] == video


def test_one_chunk_of_several_pieces_records_each_and_a_drop_keeps_the_whole_ones() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=3 * PIECE + 10)
    upload_id = start_large(ports, data)

    def dropped() -> Iterator[bytes]:
        yield data[: 2 * PIECE + PIECE // 2]
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        receive_chunk(ports, upload_id, "u1", 0, dropped())
    assert upload_status(ports, upload_id, "u1").received_offset == 2 * PIECE
    assert len(stored_pieces(ports, upload_id)) == 2
    assert send_large(ports, upload_id, data, PIECE, len(data)) == len(data)  # overlapping resend
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


def test_a_chunk_that_ends_inside_a_piece_is_refused_saying_where_to_resume() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=2 * PIECE + 10)
    upload_id = start_large(ports, data)
    send_large(ports, upload_id, data, 0, PIECE)
    with pytest.raises(BadRequestError, match=f"starting at byte {PIECE}"):
        send_large(ports, upload_id, data, PIECE, PIECE + 5000)
    assert upload_status(ports, upload_id, "u1").received_offset == PIECE
    assert send_large(ports, upload_id, data, PIECE, len(data)) == len(data)


def test_a_first_chunk_smaller_than_a_piece_keeps_the_upload_in_parts() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=PIECE + 500)
    upload_id = upload_in_pieces(ports, data, chunk=PIECE // 2)
    assert not ports.store.exists(join_marker_key(upload_id))
    assert ports.store.size(part_key(upload_id, 0)) == PIECE // 2
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


def test_a_lost_piece_winds_the_upload_back_to_it() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=3 * PIECE)
    upload_id = upload_in_pieces(ports, data)
    ports.store.delete(next(k for k in stored_pieces(ports, upload_id) if k.endswith("/00002")))
    with pytest.raises(ConflictError, match=f"starting at byte {PIECE}"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert upload_status(ports, upload_id, "u1").received_offset == PIECE
    assert send_large(ports, upload_id, data, PIECE, len(data)) == len(data)
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


def test_a_lost_join_starts_the_upload_again() -> None:
    ports, _, _ = make_ports()
    data = video_bytes(size=PIECE + 7)
    upload_id = upload_in_pieces(ports, data)
    ports.store.delete_prefix(f"videos/{upload_id}")  # the pieces and their join
    with pytest.raises(ConflictError, match="starting at byte 0"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert upload_status(ports, upload_id, "u1").received_offset == 0
    assert send_large(ports, upload_id, data, 0, len(data)) == len(data)
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data


def test_a_large_png_is_refused_with_what_it_is_and_nothing_stays() -> None:
    ports, _, _ = make_ports()
    png = b"\x89PNG\r\n\x1a\n" + bytes(PIECE + 100)
    upload_id = upload_in_pieces(ports, png)
    with pytest.raises(UnsupportedMediaError, match="PNG image"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    _nothing_stays(ports, upload_id)
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.REJECTED


class FailingProbes(_PassThrough):
    """Passes everything to a store, but its local copies (the probe's) fail while ``failing``."""

    def local_path(self, key: str, *, ranges: Sequence[tuple[int, int]] | None = None) -> AbstractContextManager[str]:
        if self.failing:
            raise StorageUnavailableError("the video store is down; try again in a few minutes")
        return self.inner.local_path(key, ranges=ranges)


def test_an_outage_after_joining_keeps_the_video_and_completing_later_works() -> None:
    store = FailingProbes(memory_store())
    ports, _, _ = make_ports(store)  # type: ignore[arg-type]
    data = video_bytes(size=PIECE + 99)
    upload_id = upload_in_pieces(ports, data)
    with pytest.raises(StorageUnavailableError):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert upload_status(ports, upload_id, "u1").status is UploadStatus.RECEIVING
    store.failing = False
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)  # the join is finished: its video is used
    assert ports.store.get(video.object_key) == data


# --- quota and abandoned uploads (issue 24, item 11) -------------------------------------------------------------


class MovableClock:
    def __init__(self) -> None:
        self.at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def test_abandoned_uploads_lose_their_bytes_after_a_day_and_say_why() -> None:
    ports, repos, _ = make_ports()
    clock = MovableClock()
    ports = attrs.evolve(ports, clock=clock)
    large = video_bytes(size=2 * PIECE + 10)
    joined = start_large(ports, large)
    send_large(ports, joined, large, 0, PIECE)  # one whole piece into the join, then the client vanished
    small = video_bytes(size=1000)
    parted = initiate_upload(ports, "u1", "round2.mp4", len(small), "video/mp4", limits=LIMITS).id
    send(ports, parted, small, 0, 300)
    done = upload_all(ports, video_bytes(size=900))
    complete_upload(ports, done, "u1", limits=LIMITS)
    assert stored_pieces(ports, joined)
    assert ports.store.sizes(parts_prefix(parted))

    clock.at += timedelta(hours=23)
    assert expire_uploads(ports) == 0  # not a day old yet
    clock.at += timedelta(hours=2)
    recent = initiate_upload(ports, "u1", "round3.mp4", 1000, "video/mp4", limits=LIMITS).id

    assert expire_uploads(ports) == 2
    for upload_id in (joined, parted):
        upload = repos.uploads.get(upload_id, owner_id="u1")
        assert upload.status is UploadStatus.REJECTED
        assert "not finished within 24 hours" in (upload.error or "")
        assert ports.store.sizes(parts_prefix(upload_id)) == {}
    assert stored_pieces(ports, joined) == {}
    assert repos.uploads.get(recent, owner_id="u1").status is UploadStatus.RECEIVING
    assert repos.uploads.get(done, owner_id="u1").status is UploadStatus.COMPLETE
    assert expire_uploads(ports) == 0  # idempotent
    assert repos.uploads.receiving_bytes("u1") == 1000


def test_a_user_keeps_at_most_the_storage_quota() -> None:
    ports, _, _ = make_ports()
    limits = attrs.evolve(LIMITS, storage_quota_bytes=3000)
    first = upload_all(ports, video_bytes(size=1200))
    complete_upload(ports, first, "u1", limits=limits)
    initiate_upload(ports, "u1", "b.mp4", 1000, "video/mp4", limits=limits)  # unfinished: counts too
    with pytest.raises(PayloadTooLargeError, match="your storage is full"):
        initiate_upload(ports, "u1", "c.mp4", 801, "video/mp4", limits=limits)
    initiate_upload(ports, "u1", "c.mp4", 800, "video/mp4", limits=limits)  # exactly to the quota
    initiate_upload(ports, "u2", "d.mp4", 3000, "video/mp4", limits=limits)  # another user's own quota
