"""The video adapter on videos the tests encode themselves: probe, streaming decode, seeking, bad files."""

from __future__ import annotations

import hashlib
import itertools
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from punch_adapters.pose.mediapipe_pose import MODEL_SHA256, MediaPipePoseEstimator, model_path, plan_segments
from punch_adapters.pose.overlay import write_overlay
from punch_adapters.pose.video import OpenCvFrameSource
from punch_app.analyze import analyze_video
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.errors import MediaError, PoseQualityError
from punch_core.stamps import Hand, Stamp
from punch_core.track import PoseTrack

FPS = 30


def _encode(path: Path, *, codec: str = "libx264", seconds: float = 2.0, size: tuple[int, int] = (320, 240)) -> Path:
    """A video whose frame i shows a grey level of 4 * i (so a frame can be told by its pixels)."""
    with av.open(str(path), "w") as box:
        stream = box.add_stream(codec, rate=Fraction(FPS, 1))
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(round(seconds * FPS)):
            rgb = np.full((size[1], size[0], 3), (4 * i) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return path


def _rotated(path: Path, out: Path) -> Path:
    """``path`` with its track marked to be shown turned 90 degrees clockwise, as phones mark portrait video: the
    display matrix in the track header (tkhd) is rewritten in place."""
    data = bytearray(path.read_bytes())
    at = data.index(b"tkhd") + 4
    version = data[at]
    matrix = at + (52 if version == 1 else 40)
    one, minus_one, w = 0x0001_0000, 0xFFFF_0000, 0x4000_0000
    data[matrix : matrix + 36] = struct.pack(">9I", 0, one, 0, minus_one, 0, 0, 0, 0, w)
    out.write_bytes(bytes(data))
    return out


def _corner_marked(path: Path, *, frames: int = 12, size: tuple[int, int] = (64, 48)) -> Path:
    """A video with a white block in the top-left corner of every frame, so which way is up can be seen."""
    with av.open(str(path), "w") as box:
        stream = box.add_stream("libx264", rate=Fraction(FPS, 1))
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            rgb = np.full((size[1], size[0], 3), 40 + i, dtype=np.uint8)
            rgb[:16, :24] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return path


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _encode(tmp_path_factory.mktemp("video") / "grey.mp4")


def test_probe_mp4(mp4: Path) -> None:
    info = OpenCvFrameSource().probe(str(mp4))
    assert info.container == "mp4"
    assert (info.width, info.height, info.rotation_deg) == (320, 240, 0)
    assert info.fps == pytest.approx(FPS)
    assert info.n_frames == 2 * FPS
    assert info.duration_s == pytest.approx(2.0, abs=0.05)


def test_probe_webm(tmp_path: Path) -> None:
    webm = _encode(tmp_path / "clip.webm", codec="libvpx-vp9", seconds=1.0)
    info = OpenCvFrameSource().probe(str(webm))
    assert info.container == "webm"
    assert info.duration_s == pytest.approx(1.0, abs=0.1)


def test_frames_stream_in_order_and_seek(mp4: Path) -> None:
    source = OpenCvFrameSource()
    frames = list(source.frames(str(mp4)))
    assert [f.index for f in frames] == list(range(2 * FPS))
    assert np.all(np.diff([f.t_s for f in frames]) > 0)
    assert frames[0].rgb.shape == (240, 320, 3)
    later = next(source.frames(str(mp4), start_s=1.0))
    assert later.index == FPS
    assert abs(int(later.rgb.mean()) - 4 * FPS) <= 3
    window = list(source.frames(str(mp4), start_s=0.5, end_s=1.0))
    assert [f.index for f in window] == list(range(15, 30))
    at = source.frame_at(str(mp4), 1.5)
    assert at.index == 45
    assert abs(int(at.rgb.mean()) - 4 * 45 % 256) <= 3
    assert source.frame_at(str(mp4), 99.0).index == 2 * FPS - 1


def test_phone_video_is_turned_upright(tmp_path: Path) -> None:
    """A portrait phone video is stored landscape with a display matrix: probe, frames, frame_at and frames_at all
    give it upright."""
    video = str(_rotated(_corner_marked(tmp_path / "flat.mp4"), tmp_path / "portrait.mp4"))
    source = OpenCvFrameSource()
    info = source.probe(video)
    assert (info.width, info.height, info.rotation_deg) == (48, 64, 90)
    frames = [*source.frames(video), source.frame_at(video, 0.2), *source.frames_at(video, [0.1, 0.3])]
    assert len(frames) == 15
    for frame in frames:
        assert frame.rgb.shape == (64, 48, 3)
        # Turned clockwise, the block that was top-left is now top-right.
        assert frame.rgb[:20, -12:].mean() > 200
        assert frame.rgb[:20, :12].mean() < 120


@pytest.mark.parametrize(
    "times_s",
    [
        [0.05, 0.25, 0.45, 0.65, 0.85, 1.05, 1.25, 1.45, 1.65, 1.85],  # thumbnails of a short video: skipped to
        [0.0, 1.9],  # close enough to skip
        [0.1, 0.1, 0.5, 0.2],  # the same frame twice, then backwards: sought
        [1.5, 99.0],  # past the end: the last frame, as frame_at gives it
    ],
)
def test_frames_at_gives_what_frame_at_gives(mp4: Path, times_s: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    source = OpenCvFrameSource()
    expected = [source.frame_at(str(mp4), t) for t in times_s]
    got = source.frames_at(str(mp4), times_s)
    assert [f.index for f in got] == [f.index for f in expected]
    assert [f.t_s for f in got] == pytest.approx([f.t_s for f in expected])
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a.rgb, b.rgb)
    # The same frames when every target is sought.
    monkeypatch.setattr("punch_adapters.pose.video.SEEK_AHEAD_S", 0.0)
    assert [f.index for f in source.frames_at(str(mp4), times_s)] == [f.index for f in expected]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, good: p.write_bytes(b""), "the file is empty"),
        (lambda p, good: p.write_bytes(b"just some text, not a video\n" * 40), "not a video we can read"),
        (lambda p, good: p.write_bytes(good.read_bytes()[:600]), "damaged|no frame"),
        (lambda p, good: p.write_bytes(good.read_bytes()[:32] + bytes(5000)), "damaged|no frame"),
    ],
    ids=["empty", "text", "truncated", "header-then-zeros"],
)
def test_bad_files_are_clear_media_errors(tmp_path: Path, mp4: Path, make: object, message: str) -> None:
    bad = tmp_path / "bad.mp4"
    make(bad, mp4)  # type: ignore[operator]
    with pytest.raises(MediaError, match=message) as refused:
        OpenCvFrameSource().probe(str(bad))
    # The message reaches the user (the upload's 422 and stored error): it never names where files are kept.
    assert str(tmp_path) not in str(refused.value)
    assert "bad.mp4" not in str(refused.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="cannot read the video file"):
        OpenCvFrameSource().probe(str(tmp_path / "nope.mp4"))


def test_packaged_model_is_the_reference() -> None:
    data = model_path().read_bytes()
    assert len(data) == 9_398_174
    assert hashlib.sha256(data).hexdigest() == MODEL_SHA256


def test_packaged_model_matches_shared_copy(shared_dir: Path) -> None:
    reference = shared_dir / "models" / "pose_landmarker_full.task"
    assert model_path().read_bytes() == reference.read_bytes()


def test_video_without_people_fails_with_filming_advice(mp4: Path, tmp_path: Path) -> None:
    specs = BodySpecs.parse(height_cm="175", weight_kg=None, stance="orthodox", experience="beginner")
    with MediaPipePoseEstimator(workers=1) as pose, pytest.raises(PoseQualityError, match="no one was found"):
        analyze_video(
            mp4,
            tmp_path / "work",
            source=OpenCvFrameSource(),
            pose=pose,
            coach=OfflineCoach(),
            specs=specs,
            subject=None,
            language="en",
        )


def test_people_track_on_empty_scene_is_all_nan(mp4: Path) -> None:
    source = OpenCvFrameSource()
    info = source.probe(str(mp4))
    with MediaPipePoseEstimator(workers=1) as pose:
        people = pose.people_track(str(mp4), info, max_people=2)
    assert people.landmarks.shape == (2 * FPS, 2, 33, 4)
    assert np.isnan(people.landmarks).all()


def test_segments_cover_every_frame_once() -> None:
    for n, workers in [(100, 2), (5400, 2), (5400, 3), (481, 2)]:
        plan = plan_segments(n, workers)
        keep = [(k, stop) for _start, k, stop in plan]
        assert keep[0][0] == 0
        assert all(a[1] == b[0] for a, b in itertools.pairwise(keep))
        assert keep[-1][1] >= n
        assert all(start <= k for start, k, _ in plan)
    assert len(plan_segments(100, 2)) == 1  # too short to be worth a second process


def test_overlay_is_h264(mp4: Path, tmp_path: Path) -> None:
    source = OpenCvFrameSource()
    n = 2 * FPS
    landmarks = np.full((n, 33, 4), 0.5, dtype=np.float32)
    landmarks[:, :, 0] = np.linspace(0.3, 0.7, 33)
    track = PoseTrack(t_s=np.arange(n) / FPS, landmarks=landmarks, width=320, height=240)
    stamp = Stamp(kind="jab", hand=Hand.LEAD, t_start_s=0.5, t_peak_s=0.7, t_end_s=0.9, confidence=0.9,
                  peak_speed_mps=5.0, features={})  # fmt: skip
    out = tmp_path / "overlay.mp4"
    written = write_overlay(source.frames(str(mp4)), track, [stamp], out, fps=FPS, n_frames=n)
    assert written == n
    with av.open(str(out)) as box:
        stream = box.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in box.decode(stream)) == n


def _lie_about_duration(path: Path, factor: float) -> None:
    """Rewrite the movie, track and media header durations (mvhd, tkhd, mdhd, version 0) to ``factor`` x theirs."""
    data = bytearray(path.read_bytes())
    for box, offset in ((b"mvhd", 16), (b"tkhd", 20), (b"mdhd", 16)):
        at = 0
        while (at := data.find(box, at + 1)) > 0:
            assert data[at + 4] == 0, "version 0 boxes only"
            field = at + 4 + offset
            (duration,) = struct.unpack(">I", data[field : field + 4])
            data[field : field + 4] = struct.pack(">I", int(duration * factor))
    path.write_bytes(bytes(data))


def test_the_duration_is_the_frames_not_what_the_header_claims(tmp_path: Path) -> None:
    # Issue 24, item 1: headers saying 120 s over 360 s of frames passed the 1-3 minute rule, and the report then
    # covered 360 s. The probe now reads the packets' own times.
    clip = _encode(tmp_path / "long.mp4", seconds=12.0, size=(32, 32))
    _lie_about_duration(clip, 1 / 3)
    info = OpenCvFrameSource().probe(str(clip))
    assert info.duration_s == pytest.approx(12.0, abs=0.1)
    assert info.n_frames == 12 * FPS


def test_stripping_metadata_keeps_every_frame_and_the_rotation(tmp_path: Path) -> None:
    from tests.support.videos import LOCATION, with_location  # noqa: PLC0415

    portrait = _rotated(_encode(tmp_path / "a.mp4", seconds=2.0), tmp_path / "portrait.mp4")
    tagged = with_location(portrait, tmp_path / "tagged.mp4")
    assert LOCATION.encode() in tagged.read_bytes()
    source = OpenCvFrameSource()
    clean = tmp_path / "clean.mp4"
    source.without_metadata(str(tagged), str(clean), container="mp4")
    assert LOCATION.encode() not in clean.read_bytes()
    before, after = source.probe(str(tagged)), source.probe(str(clean))
    assert (after.rotation_deg, after.n_frames, after.width, after.height) == (
        before.rotation_deg,
        before.n_frames,
        before.width,
        before.height,
    )
    assert after.rotation_deg == 90
    with av.open(str(tagged)) as a, av.open(str(clean)) as b:  # the same coded frames, not re-encoded
        assert [bytes(p) for p in a.demux(a.streams.video[0]) if p.size] == [
            bytes(p) for p in b.demux(b.streams.video[0]) if p.size
        ]


def test_stripping_a_file_that_is_no_video_is_a_media_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaError, match="could not be copied"):
        OpenCvFrameSource().without_metadata(str(junk), str(tmp_path / "out.mp4"), container="mp4")
