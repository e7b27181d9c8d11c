"""MediaPipe Tasks PoseLandmarker: people on a frame, and everyone's pose over a whole video.

The model (BlazePose GHUM full, Apache-2.0) travels inside this package (docs/pose_model.md); nothing is downloaded.
Inference uses one core per landmarker, so a video is cut into overlapping segments, one worker process each
(spawned: MediaPipe's threads do not survive a fork), and the segments are stitched back in order.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from punch_adapters.pose.adaptive import PoseRate, base_stride, moving_fast
from punch_adapters.pose.appearance import DESCRIPTOR_SIZE, describe
from punch_core.errors import MediaError, PunchError
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.video import Frame, VideoInfo
from punch_core.subject import DUPLICATE_OVERLAP, PeopleTrack, PersonBox, person_box

MODEL_NAME = "pose_landmarker_full.task"
MODEL_SHA256 = "8ea15f497276a4a48cdedf392b03e27a9eddce836f5c0bbbdfe91e4b292b0bab"
# Frames are halved until their longest side is at most this before inference: the landmark model sees a 256 px
# crop of the person, so a 1080x1920 phone frame loses nothing that matters, and conversion costs less.
POSE_MAX_SIDE = 1280
PEOPLE_ON_THUMBNAIL = 4
THUMBNAIL_CONFIDENCE = 0.3
# The second and later segments start this many frames early so MediaPipe's tracking has settled by the cut.
SEGMENT_OVERLAP_FRAMES = 15
MIN_FRAMES_PER_WORKER = 240
PROGRESS_EVERY = 15
WARM_UP_BASES = 1
"""Base frames an adaptive span's landmarker is shown before the span (their poses are the quiet landmarker's)."""
WORKER_POLL_S = 1.0


def model_path() -> Path:
    """The packaged pose model's path on disk."""
    return Path(str(resources.files("punch_adapters.pose") / "models" / MODEL_NAME))


def _landmarker(*, video: bool, num_poses: int) -> Any:  # noqa: ANN401 - mediapipe has no type stubs
    from mediapipe.tasks.python import BaseOptions, vision  # noqa: PLC0415 - heavy import, only when used

    # A single still frame lacks the tracking that carries a half-hidden boxer from frame to frame, so
    # thumbnails accept weaker detections (duplicates are merged afterwards).
    confidence = 0.5 if video else THUMBNAIL_CONFIDENCE
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path())),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=num_poses,
        min_pose_detection_confidence=confidence,
        min_pose_presence_confidence=confidence,
        min_tracking_confidence=0.5,
    )
    with quiet_native_stderr():
        return vision.PoseLandmarker.create_from_options(options)


_STDERR_SWAP = threading.Lock()
"""File descriptor 2 belongs to the whole process: two threads swapping it at once could leave it on /dev/null."""


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence what MediaPipe's C++ side prints to file descriptor 2 (model-loading chatter) for a while."""
    with _STDERR_SWAP:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield
            return
        try:
            with Path(os.devnull).open("wb") as devnull:
                os.dup2(devnull.fileno(), 2)
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _shrink(bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The frame halved (exactly, by area averaging) until its longest side is at most ``POSE_MAX_SIDE``.

    Only exact halvings, OpenCV's fast integer path: 1080p and 4K become 960x540, 1440p 1280x720, and 720p and
    smaller frames go to the model as they are. MediaPipe crops and scales the person itself, so resampling a 720p
    frame first only costs time (measured: a bilinear step to 960 px took 1.2 ms a frame, 6 % of an inference,
    and inference on the full 720p frame took no longer than on the smaller one).
    """
    out = bgr
    while max(out.shape[:2]) > POSE_MAX_SIDE:
        h, w = out.shape[:2]
        out = np.asarray(cv2.resize(out, (w // 2, h // 2), interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return out


def _to_array(pose: Any) -> npt.NDArray[np.float32]:  # noqa: ANN401 - mediapipe landmark list
    return np.array(
        [[p.x, p.y, p.z, p.visibility if p.visibility is not None else 1.0] for p in pose], dtype=np.float32
    )


def _to_world(pose: Any) -> npt.NDArray[np.float32]:  # noqa: ANN401 - mediapipe world landmark list
    return np.array([[p.x, p.y, p.z] for p in pose], dtype=np.float32)


def _mp_image(rgb: npt.NDArray[np.uint8]) -> Any:  # noqa: ANN401 - mediapipe.Image
    import mediapipe  # noqa: PLC0415 - heavy import, only when used

    return mediapipe.Image(image_format=mediapipe.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


PoseRecord = tuple[int, float, npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]
"""One inferred frame: (index, time, landmarks (K, 33, 4), appearance (K, D), world landmarks (K, 33, 3))."""


class _Inference:
    """One VIDEO-mode landmarker and its clock (MediaPipe wants each landmarker's timestamps strictly increasing)."""

    def __init__(self, landmarker: Any, num_poses: int) -> None:  # noqa: ANN401 - mediapipe has no type stubs
        self._landmarker = landmarker
        self._num_poses = num_poses
        self._last_ms = -1

    def __call__(self, index: int, t_s: float, small: npt.NDArray[np.uint8]) -> PoseRecord:
        ms = max(round(t_s * 1000), self._last_ms + 1)
        self._last_ms = ms
        rgb = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), dtype=np.uint8)
        result = self._landmarker.detect_for_video(_mp_image(rgb), ms)
        n = self._num_poses
        landmarks = np.full((n, 33, 4), np.nan, dtype=np.float32)
        looks = np.full((n, DESCRIPTOR_SIZE), np.nan, dtype=np.float32)
        world = np.full((n, 33, 3), np.nan, dtype=np.float32)
        world_poses = result.pose_world_landmarks or []
        for k, pose in enumerate(result.pose_landmarks[:n]):
            landmarks[k] = _to_array(pose)
            looks[k] = describe(small, landmarks[k])
            if k < len(world_poses):
                world[k] = _to_world(world_poses[k])
        return index, t_s, landmarks, looks, world


def _frame_time(cap: Any, index: int, fps: float) -> float:  # noqa: ANN401 - cv2.VideoCapture
    ms_read = float(cap.get(cv2.CAP_PROP_POS_MSEC))
    return ms_read / 1000.0 if ms_read > 0 or index == 0 else index / fps


def _segment(  # noqa: PLR0917 - a segment's bounds and how to sample it
    path: str,
    start: int,
    stop: int,
    num_poses: int,
    fps: float,
    stride: int = 1,
    on_frame: Callable[[int], None] | None = None,
) -> Iterator[PoseRecord]:
    """The inferred frames of ``start`` to ``stop`` (exclusive): every frame when ``stride`` is 1, else adaptively.

    ``on_frame`` is called with the number of frames decoded so far, every ``PROGRESS_EVERY`` frames.
    """
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise MediaError("the video could not be opened for decoding")
    try:
        if start:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        with contextlib.ExitStack() as stack:

            def landmarker() -> _Inference:
                return _Inference(stack.enter_context(_landmarker(video=True, num_poses=num_poses)), num_poses)

            frames = _decoded(cap, start, stop, fps, on_frame)
            if stride == 1:
                main = landmarker()
                for index, t_s, small in frames:
                    yield main(index, t_s, small)
            else:
                yield from _adaptive(frames, fps, stride, landmarker)
    finally:
        cap.release()


def _decoded(
    cap: Any,  # noqa: ANN401 - cv2.VideoCapture
    start: int,
    stop: int,
    fps: float,
    on_frame: Callable[[int], None] | None,
) -> Iterator[tuple[int, float, npt.NDArray[np.uint8]]]:
    """(index, time, frame halved for the model) of each frame decoded, from ``start`` to ``stop`` or the end."""
    for index in range(start, stop):
        if not cap.grab():
            return
        if on_frame is not None and (index - start + 1) % PROGRESS_EVERY == 0:
            on_frame(index - start + 1)
        t_s = _frame_time(cap, index, fps)
        ok, frame = cap.retrieve()
        if not ok:
            return
        yield index, t_s, _shrink(np.asarray(frame, dtype=np.uint8))


def _adaptive(
    frames: Iterator[tuple[int, float, npt.NDArray[np.uint8]]],
    fps: float,
    stride: int,
    landmarker: Callable[[], _Inference],
) -> Iterator[PoseRecord]:
    """Pose at the base rate, and on every frame of the spans where someone moves fast (:mod:`.adaptive`).

    A frame ``stride`` frames' time after the last base frame is a base frame, inferred by the *quiet* landmarker.
    When two base frames in a row show fast movement, a *span* landmarker takes over: it is shown the last
    ``WARM_UP_BASES`` base frames (to find the person and settle its smoothing), then every frame since (held
    back, decoded), the later base frame, and every frame after, until two base frames in a row are quiet again.
    So each fast span is followed frame by frame by one landmarker, as the full rate would, and its clock only
    moves forward (MediaPipe's VIDEO mode needs that).
    Records can come out of order (a held frame after the base frame that decided it); :func:`_collect` sorts them.
    """
    quiet = landmarker()
    span: _Inference | None = None
    in_span = False
    span_last = -1  # the last frame the span landmarker was shown
    held: list[tuple[int, float, npt.NDArray[np.uint8]]] = []  # decoded since the last base frame, not inferred
    last: PoseRecord | None = None  # the last base frame's pose
    bases: list[tuple[int, float, npt.NDArray[np.uint8]]] = []  # the pictures of the last WARM_UP_BASES base frames
    # Base frames come every ``stride`` frames' worth of time (not of frames: a phone's video drops frames and
    # varies its rate), the first frame of the segment first.
    base_gap_s = stride / fps - 0.5 / fps
    last_base_s = -np.inf
    for index, t_s, small in frames:
        since_base_s = t_s - last_base_s
        is_base = since_base_s >= base_gap_s
        if is_base:
            last_base_s = t_s
        if in_span and span is not None:
            record = span(index, t_s, small)
            span_last = index
            if is_base:
                in_span = last is not None and _fast(last, record)
                last, bases = record, [*bases, (index, t_s, small)][-WARM_UP_BASES:]
            yield record
            continue
        if not is_base:
            held.append((index, t_s, small))
            continue
        if held and since_base_s > base_gap_s + 1.5 / fps:
            # The video skipped frames here (a phone dropping them): the frame before the gap is inferred too, so
            # inferred frames are never further apart than the base interval or the video's own gap.
            yield quiet(*held.pop())
        record = quiet(index, t_s, small)
        if last is not None and _fast(last, record):
            span = span or landmarker()
            for warm_up in bases:  # to find the person and settle its smoothing before the span: already yielded
                if warm_up[0] > span_last:  # not a frame it has just seen (a span that ended at this base frame)
                    span(*warm_up)
            for held_index, held_t_s, held_small in held:
                yield span(held_index, held_t_s, held_small)
            record = span(index, t_s, small)
            span_last = index
            in_span = True
        held = []
        last, bases = record, [*bases, (index, t_s, small)][-WARM_UP_BASES:]
        yield record
    if held:  # the segment's (or the video's) last frame, so the track reaches it
        yield quiet(*held[-1])


def _fast(before: PoseRecord, after: PoseRecord) -> bool:
    return moving_fast(before[2], after[2], before[4], after[4], after[1] - before[1])


Segment = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
]
"""A segment's inferred frames in order: indices (n,), times (n,), landmarks (n, K, 33, 4), appearance (n, K, D),
world landmarks (n, K, 33, 3)."""


def _collect(  # noqa: PLR0917 - a segment's bounds and what to do per frame
    path: str, start: int, stop: int, num_poses: int, fps: float, stride: int, on_count: Callable[[int], None]
) -> Segment:
    """Run one segment into arrays, in frame order (see :data:`Segment`)."""
    records = sorted(_segment(path, start, stop, num_poses, fps, stride, on_count), key=lambda r: r[0])
    if not records:
        return (
            np.zeros(0, dtype=np.int64),
            np.zeros(0),
            np.zeros((0, num_poses, 33, 4), dtype=np.float32),
            np.zeros((0, num_poses, DESCRIPTOR_SIZE), dtype=np.float32),
            np.zeros((0, num_poses, 33, 3), dtype=np.float32),
        )
    return (
        np.array([r[0] for r in records], dtype=np.int64),
        np.array([r[1] for r in records]),
        np.stack([r[2] for r in records]).astype(np.float32),
        np.stack([r[3] for r in records]).astype(np.float32),
        np.stack([r[4] for r in records]).astype(np.float32),
    )


class _OrphanedError(Exception):
    """The process that started this worker is gone: nobody wants the rest of the segment."""


def _worker(  # noqa: PLR0917 - a Process target
    path: str,
    start: int,
    stop: int,
    num_poses: int,
    fps: float,
    stride: int,
    worker: int,
    out: Any,  # noqa: ANN401 - a multiprocessing queue
    parent_pid: int,
) -> None:
    """Worker process body: run one segment, report progress, send the arrays (or the error) back.

    A parent killed outright (a job runner SIGKILLed mid-job) cannot stop its workers: each one notices at its
    next progress report (every ``PROGRESS_EVERY`` frames) that it has a new parent, and stops, instead of
    spending the cores on a segment nobody will read while the job runs again elsewhere.
    """

    def report(count: int) -> None:
        if os.getppid() != parent_pid:
            raise _OrphanedError
        out.put(("progress", worker, count))

    try:
        part = _collect(path, start, stop, num_poses, fps, stride, report)
        out.put(("done", worker, part))
    except _OrphanedError:
        return
    except Exception as exc:  # everything must reach the parent, which raises a domain error
        # The parent's message reaches the user: never with the path where their file is kept.
        out.put(("error", worker, f"{type(exc).__name__}: {str(exc).replace(path, 'the file')}"))


def plan_segments(n_frames: int, workers: int) -> list[tuple[int, int, int]]:
    """(decode start, keep-from, stop) frame indices per worker; neighbours overlap by the warm-up frames."""
    workers = max(1, min(workers, n_frames // MIN_FRAMES_PER_WORKER))
    bounds = [round(i * n_frames / workers) for i in range(workers + 1)]
    bounds[-1] = n_frames + 10_000  # read to the real end even when the header's frame count is short
    return [(max(0, a - SEGMENT_OVERLAP_FRAMES) if a else 0, a, b) for a, b in itertools.pairwise(bounds)]


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_UNCLOSED: set[Any] = set()
"""Image landmarkers not closed yet. MediaPipe's ``PoseLandmarker.__del__`` closes through its call thread and
can hang when the garbage collector runs it at an arbitrary point (seen: a test process stuck for good in a
collection). Held here, a landmarker whose estimator was dropped without ``close`` is never collected before the
interpreter exits; ``close`` releases it."""


class MediaPipePoseEstimator(PoseEstimator):
    """PoseLandmarker over the packaged model: ``people`` on one frame, ``people_track`` over a video.

    Args:
        workers: Worker processes for ``people_track``; default: one per available core.
        rate: Which frames of a video ``people_track`` infers: every frame (``full``), or a base rate and every
            frame where someone moves fast (``adaptive``, :mod:`punch_adapters.pose.adaptive`).
    """

    def __init__(self, *, workers: int | None = None, rate: PoseRate | str = PoseRate.FULL) -> None:
        self._workers = workers or available_cores()
        self._rate = PoseRate(rate)
        self._image_landmarker: Any = None
        # One frame at a time on the landmarker, and never a frame while it closes (a stage thread may still be
        # finishing its frame when the process shuts down).
        self._lock = threading.Lock()
        self._closed = False

    @property
    def rate(self) -> PoseRate:
        """Which frames ``people_track`` infers."""
        return self._rate

    def close(self) -> None:
        """Release the single-image landmarker; afterwards ``people`` refuses (idempotent)."""
        self._release_image_landmarker(closing=True)

    def _release_image_landmarker(self, *, closing: bool = False) -> None:
        with self._lock:
            self._closed = self._closed or closing
            landmarker, self._image_landmarker = self._image_landmarker, None
        if landmarker is not None:
            landmarker.close()
            _UNCLOSED.discard(landmarker)

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def people(self, frame: Frame) -> list[PersonBox]:
        """Every person on one frame, largest first, in the frame's pixels.

        Raises:
            RuntimeError: after ``close`` (the process is stopping; the stage is retried elsewhere or later).
        """
        h, w = frame.rgb.shape[:2]
        small = _shrink(frame.rgb)
        with self._lock:
            if self._closed:
                raise RuntimeError("the pose estimator is closed: this process is stopping")
            if self._image_landmarker is None:
                self._image_landmarker = _landmarker(video=False, num_poses=PEOPLE_ON_THUMBNAIL)
                _UNCLOSED.add(self._image_landmarker)
            result = self._image_landmarker.detect(_mp_image(small))
        boxes = [person_box(_to_array(pose), w, h) for pose in result.pose_landmarks]
        kept: list[PersonBox] = []
        for box in sorted(boxes, key=lambda b: -b.score):
            if all(box.overlap(k) < DUPLICATE_OVERLAP for k in kept):
                kept.append(box)
        return sorted(kept, key=lambda b: -b.w * b.h)

    def people_track(
        self,
        path: str,
        info: VideoInfo,
        *,
        max_people: int,
        progress: Callable[[float], None] | None = None,
    ) -> PeopleTrack:
        """Everyone's pose on every inferred frame, segments in parallel worker processes, stitched in order.

        The track holds the frames that were inferred (all of them at the ``full`` rate); its times say which.

        Raises:
            MediaError: if a segment cannot be decoded.
            PunchError: if a worker process dies.
        """
        # The thumbnails' landmarker is not needed while the workers run (about 55 MB): made again when asked.
        self._release_image_landmarker()
        stride = base_stride(info.fps) if self._rate is PoseRate.ADAPTIVE else 1
        segments = plan_segments(info.n_frames, self._workers)
        if len(segments) == 1:
            parts = [self._inline(path, info, max_people, stride, progress)]
        else:
            parts = self._parallel(path, info, segments, max_people, stride, progress)
        t_s = np.concatenate([p[1] for p in parts])
        landmarks = np.concatenate([p[2] for p in parts])
        looks = np.concatenate([p[3] for p in parts])
        world = np.concatenate([p[4] for p in parts])
        if t_s.size == 0:
            raise MediaError("no frame of the video could be decoded: it may be damaged; re-export it")
        # Decoder timestamps can repeat or step back at a broken packet: keep frames later than all before.
        running = np.maximum.accumulate(t_s)
        keep = np.concatenate([[True], t_s[1:] > running[:-1]])
        if progress:
            progress(1.0)  # every frame is done, though the header's frame count may have promised more
        return PeopleTrack(
            t_s=t_s[keep],
            landmarks=landmarks[keep],
            appearance=looks[keep],
            width=info.width,
            height=info.height,
            world_m=world[keep],
        )

    def _inline(
        self, path: str, info: VideoInfo, num_poses: int, stride: int, progress: Callable[[float], None] | None
    ) -> Segment:
        def on_count(i: int) -> None:
            if progress:
                progress(min(1.0, i / info.n_frames))

        return _collect(path, 0, info.n_frames + 10_000, num_poses, info.fps, stride, on_count)

    def _parallel(  # noqa: PLR0917 - what the segments need
        self,
        path: str,
        info: VideoInfo,
        segments: list[tuple[int, int, int]],
        num_poses: int,
        stride: int,
        progress: Callable[[float], None] | None,
    ) -> list[Segment]:
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        procs = [
            ctx.Process(
                target=_worker,
                args=(path, start, stop, num_poses, info.fps, stride, w, out, os.getpid()),
                daemon=True,
                name=f"pose-{w}",
            )
            for w, (start, _keep, stop) in enumerate(segments)
        ]
        for proc in procs:
            proc.start()
        done: dict[int, Segment] = {}
        counts = [0] * len(procs)
        try:
            while len(done) < len(procs):
                try:
                    kind, worker, payload = out.get(timeout=WORKER_POLL_S)
                except queue.Empty:
                    dead = [p.name for i, p in enumerate(procs) if i not in done and not p.is_alive()]
                    if dead and out.empty():
                        raise PunchError(
                            f"pose estimation stopped unexpectedly ({', '.join(dead)}); try again"
                        ) from None
                    continue
                if kind == "progress":
                    counts[worker] = payload
                    if progress:
                        progress(min(1.0, sum(counts) / max(info.n_frames, 1)))
                elif kind == "error":
                    raise MediaError(f"the video could not be processed: {payload}")
                else:
                    done[worker] = payload
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                proc.join(timeout=5)
            with contextlib.suppress(Exception):
                out.close()
        return stitch([done[w] for w in range(len(segments))], [keep_from for _start, keep_from, _stop in segments])


def stitch(parts: list[Segment], keep_from: list[int]) -> list[Segment]:
    """Each segment's frames from its cut on, and before the cut only the frames the previous one did not infer.

    At the full rate the previous segment inferred every frame before the cut, so a segment's warm-up frames are
    all left out. At an adaptive rate the previous segment may have skipped the frames after its last base frame
    while this one, seeing a fast movement across the cut, inferred them: those are kept.
    """
    out: list[Segment] = []
    for w, part in enumerate(parts):
        index = part[0]
        keep = index >= keep_from[w]
        if w > 0:
            keep |= (index < keep_from[w]) & ~np.isin(index, parts[w - 1][0])
        out.append((part[0][keep], part[1][keep], part[2][keep], part[3][keep], part[4][keep]))
    if len(out) > 1:  # a warm-up frame may sit before frames the previous segment kept: back in frame order
        order = np.argsort(np.concatenate([p[0] for p in out]), kind="stable")
        out = [
            (
                np.concatenate([p[0] for p in out])[order],
                np.concatenate([p[1] for p in out])[order],
                np.concatenate([p[2] for p in out])[order],
                np.concatenate([p[3] for p in out])[order],
                np.concatenate([p[4] for p in out])[order],
            )
        ]
    return out
