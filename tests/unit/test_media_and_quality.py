"""Container sniffing, the ranges a probe of an MP4 needs, the pose quality gate and the subject/thumbnail
helpers of the video use case."""

from __future__ import annotations

import numpy as np
import pytest

from punch_core.errors import MediaError, PoseQualityError, ValidationError
from punch_core.quality import check_pose_quality
from punch_core.service.media import PROBE_HEAD_BYTES, PROBE_TAIL_BYTES, probe_ranges, sniff_container
from punch_core.service.thumbnails import parse_subject, thumbnail_times
from punch_core.subject import PersonBox
from punch_core.track import PoseTrack


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87", "webm"),
    ],
)
def test_sniff_known_containers(head: bytes, container: str) -> None:
    assert sniff_container(head) == container


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a video we can read"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "not a video we can read"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", "Matroska"),
        (b"%PDF-1.7\n", "not a video we can read"),
    ],
)
def test_sniff_refuses_everything_else_with_advice(head: bytes, message: str) -> None:
    with pytest.raises(MediaError, match=message):
        sniff_container(head)


def _track(has_pose: np.ndarray) -> PoseTrack:
    n = len(has_pose)
    landmarks = np.full((n, 33, 4), 0.5, dtype=np.float32)
    landmarks[~has_pose] = np.nan
    return PoseTrack(t_s=np.arange(n) / 30.0, landmarks=landmarks, width=640, height=480)


def _box(kind: bytes, size: int, *, large: bool = False) -> bytes:
    """A box of ``size`` bytes in all (header included), its payload filler; ``large`` uses a 64-bit size."""
    if large:
        return b"\x00\x00\x00\x01" + kind + size.to_bytes(8, "big") + bytes(size - 16)
    return size.to_bytes(4, "big") + kind + bytes(size - 8)


MDAT = 8 * 2**20  # media data larger than the start's and the end's ranges together


class _File:
    """The bytes of a file, and what a probe planner read of them."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads: list[tuple[int, int]] = []

    def read(self, start: int, end: int) -> bytes:
        self.reads.append((start, end))
        return self.data[start:end]


@pytest.mark.parametrize(
    "layout",
    [
        [(b"ftyp", 32), (b"free", 8), (b"mdat", MDAT), (b"moov", 30_000)],  # a phone's: the index at the end
        [(b"ftyp", 24), (b"moov", 400_000), (b"mdat", MDAT)],  # "fast start": the index first
        [(b"ftyp", 24), (b"moov", 30_000), (b"mdat", MDAT), (b"udta", 100)],
    ],
    ids=["moov-last", "moov-first", "boxes-after-mdat"],
)
def test_probe_ranges_are_the_start_and_the_end_when_they_hold_every_box_but_mdat(
    layout: list[tuple[bytes, int]],
) -> None:
    file = _File(b"".join(_box(kind, size) for kind, size in layout))
    size = len(file.data)

    assert probe_ranges(size, file.read) == ((0, PROBE_HEAD_BYTES), (size - PROBE_TAIL_BYTES, size))
    assert len(file.reads) <= 3
    assert sum(end - start for start, end in file.reads) <= 3 * 64 * 1024  # headers only, not the boxes


def test_probe_ranges_follow_64_bit_sizes_and_a_last_box_to_the_end_of_the_file() -> None:
    large = _File(_box(b"ftyp", 24) + _box(b"mdat", MDAT, large=True) + _box(b"moov", 1000))
    to_the_end = _File(_box(b"ftyp", 24) + _box(b"moov", 1000) + b"\x00\x00\x00\x00mdat" + bytes(MDAT))

    for file in (large, to_the_end):
        size = len(file.data)
        assert probe_ranges(size, file.read) == ((0, PROBE_HEAD_BYTES), (size - PROBE_TAIL_BYTES, size))


@pytest.mark.parametrize(
    "data",
    [
        _box(b"ftyp", 24) + _box(b"mdat", MDAT) + _box(b"free", 1000),  # no index
        _box(b"ftyp", 24) + _box(b"mdat", MDAT // 2) + _box(b"moov", 1000) + _box(b"mdat", MDAT // 2),
        _box(b"ftyp", 24) + _box(b"free", MDAT) + _box(b"moov", 1000),  # a box the probe reads, in the middle
        _box(b"ftyp", 24) + _box(b"mdat", MDAT) + _box(b"moov", 1000) + b"SEF trailer",  # not boxes at the end
        _box(b"ftyp", 24) + _box(b"mdat", MDAT) + _box(b"moov", 1000)[:-1],  # cut short
        _box(b"ftyp", 24) + _box(b"moov", 1000) + b"\x00\x00\x00\x04mdat" + bytes(MDAT),  # an impossible size
        _box(b"ftyp", 24) + _box(b"mdat", 2**20) + _box(b"moov", 1000),  # small: fetching all of it is as good
    ],
    ids=["no-moov", "moov-in-the-middle", "free-in-the-middle", "trailer", "truncated", "bad-size", "small"],
)
def test_probe_ranges_are_none_when_the_boxes_do_not_tell_them(data: bytes) -> None:
    assert probe_ranges(len(data), _File(data).read) is None


def test_probe_ranges_give_up_after_a_few_reads_of_many_boxes() -> None:
    # A fragmented file: a small moof and mdat per fragment. Those at the start lie far apart here.
    fragments = b"".join(_box(b"moof", 100) + _box(b"mdat", 100_000) for _ in range(40))
    file = _File(_box(b"ftyp", 24) + _box(b"moov", 1000) + fragments + _box(b"mdat", MDAT) + _box(b"mfra", 100))

    assert probe_ranges(len(file.data), file.read) is None
    assert len(file.reads) <= 8


def test_quality_gate_refuses_under_half_with_filming_advice() -> None:
    has = np.ones(100, dtype=bool)
    has[:51] = False
    with pytest.raises(PoseQualityError, match=r"only 49% of the video .* film from further away"):
        check_pose_quality(_track(has))


def test_quality_gate_analyses_three_quarters_in_part() -> None:
    has = np.ones(100, dtype=bool)
    has[:24] = False  # the two-person ring round of issue 26: the boxer found in 76% of the frames
    warnings = check_pose_quality(_track(has), [(0.0, 0.8)])
    assert any("not found in 24% of the frames" in w and "time you were seen" in w for w in warnings)


def test_quality_gate_partial_analysis_warns_with_times() -> None:
    has = np.ones(300, dtype=bool)
    has[150:180] = False
    warnings = check_pose_quality(_track(has), [(5.0, 6.0)])
    assert any("not found in 10% of the frames" in w for w in warnings)
    assert any("0:05.0-0:06.0" in w and "partial analysis" in w for w in warnings)


def test_quality_gate_full_coverage_no_warnings() -> None:
    assert check_pose_quality(_track(np.ones(50, dtype=bool))) == []


def test_thumbnail_times() -> None:
    assert thumbnail_times(120.0) == [6.0 + 12.0 * i for i in range(10)]  # the whole round, not its first 10 s
    assert thumbnail_times(80.0)[-1] == pytest.approx(76.0)
    short = thumbnail_times(4.0)
    assert len(short) == 10
    assert short[0] == pytest.approx(0.2)
    assert short[-1] == pytest.approx(3.8)


def test_parse_subject() -> None:
    assert parse_subject("auto") is None
    choice = parse_subject("120,80,300,700@1.5")
    assert choice is not None
    assert choice.box == PersonBox(x=120, y=80, w=300, h=700)
    assert choice.t_s == 1.5
    for bad in ("left", "1,2,3@4", "1,2,0,5@1", "1,2,3,4@-1", "a,b,c,d@e"):
        with pytest.raises(ValidationError, match="subject must be auto or X,Y,W,H@T"):
            parse_subject(bad)
