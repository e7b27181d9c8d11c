"""The video use cases: thumbnails with person boxes, subject choice, and video -> pose track -> report.

Everything here talks to the outside through ports (:class:`~punch_core.ports.FrameSource`,
:class:`~punch_core.ports.PoseEstimator`, :class:`~punch_core.ports.Coach`); the CLI, the job workers and the
tests plug in adapters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from punch_core.body import BodySpecs
from punch_core.coaching.model import Language
from punch_core.errors import PoseQualityError, ValidationError
from punch_core.ports import Coach, Frame, FrameSource, PoseEstimator, VideoInfo
from punch_core.report import analyse_track
from punch_core.subject import PersonBox, SubjectChoice, SubjectResult, follow_subject

N_THUMBNAILS = 10
THUMBNAIL_INTERVAL_S = 1.0
# Pose estimation finds at most this many people per frame; sparring has two boxers and sometimes a referee.
MAX_PEOPLE = 2

Progress = Callable[[str, float], None]


@attrs.frozen(kw_only=True, eq=False)
class Thumbnail:
    """One frame for the user to pick themself on, with the box of every person found."""

    frame: Frame
    boxes: tuple[PersonBox, ...]

    @property
    def t_s(self) -> float:
        """The frame's time in seconds."""
        return self.frame.t_s


def thumbnail_times(
    duration_s: float, *, n: int = N_THUMBNAILS, interval_s: float = THUMBNAIL_INTERVAL_S
) -> list[float]:
    """``n`` times ``interval_s`` apart from half an interval in, or evenly spread over a shorter video."""
    if duration_s <= 0:
        return [0.0]
    if duration_s >= n * interval_s:
        return [interval_s * (i + 0.5) for i in range(n)]
    return [duration_s * (i + 0.5) / n for i in range(n)]


def make_thumbnails(source: FrameSource, pose: PoseEstimator, path: str, info: VideoInfo) -> list[Thumbnail]:
    """The thumbnails of a video: 10 frames at 1 s intervals (evenly spread if shorter), each with its people."""
    frames = source.frames_at(path, thumbnail_times(info.duration_s))
    return [Thumbnail(frame=frame, boxes=tuple(pose.people(frame))) for frame in frames]


def parse_subject(text: str) -> SubjectChoice | None:
    """``auto`` (None) or ``X,Y,W,H@T``: a pixel box on the upright frame at T seconds.

    Raises:
        ValidationError: for anything else, saying the expected form.
    """
    text = text.strip()
    if text.lower() == "auto":
        return None
    allowed = "auto or X,Y,W,H@T (a pixel box on the frame at T seconds, for example 120,80,300,700@1.5)"
    try:
        box_text, t_text = text.split("@")
        x, y, w, h = (float(v) for v in box_text.split(","))
        t_s = float(t_text)
    except ValueError:
        raise ValidationError("subject", text, allowed) from None
    if w <= 0 or h <= 0 or t_s < 0 or min(x, y) < 0:
        raise ValidationError("subject", text, allowed + " with a positive width and height")
    return SubjectChoice(box=PersonBox(x=x, y=y, w=w, h=h), t_s=t_s)


def auto_subject(thumbnails: Sequence[Thumbnail]) -> SubjectChoice:
    """The person a boxer filming themself most likely is: the largest box on the first thumbnail with anyone.

    Raises:
        PoseQualityError: if no thumbnail shows anyone.
    """
    return auto_subject_from_boxes([(t.t_s, t.boxes) for t in thumbnails])


def auto_subject_from_boxes(boxes_at: Sequence[tuple[float, Sequence[PersonBox]]]) -> SubjectChoice:
    """:func:`auto_subject` from (time, boxes) pairs, as stored with the thumbnails.

    Raises:
        PoseQualityError: if no thumbnail shows anyone.
    """
    for t_s, boxes in boxes_at:
        if boxes:
            box = max(boxes, key=lambda b: b.w * b.h)
            return SubjectChoice(box=box, t_s=t_s)
    raise PoseQualityError(
        "no one was found on any thumbnail: film from further away so your whole body is in frame, in good light"
    )


def count_people(thumbnails: list[Thumbnail]) -> int:
    """The most people seen on one thumbnail."""
    return max((len(t.boxes) for t in thumbnails), default=0)


def analyse_video(
    path: str,
    *,
    source: FrameSource,
    pose: PoseEstimator,
    coach: Coach,
    specs: BodySpecs,
    subject: SubjectChoice | None = None,
    language: Language | str = Language.EN,
    progress: Progress | None = None,
    video: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], SubjectResult, list[Thumbnail]]:
    """Video -> thumbnails -> subject -> pose track -> stamps -> metrics -> coaching -> report.

    Args:
        path: The video file.
        source: Reads the video.
        pose: Finds people and poses.
        coach: Writes the coaching.
        specs: The boxer's body specs.
        subject: The user's pick; ``None`` picks the largest person (:func:`auto_subject`).
        language: Coaching language.
        progress: Called with (stage, share done 0-1) as the work goes on.
        video: Facts to record in the report's ``video`` section.

    Returns:
        The report, the subject tracking result (its pose track and lost spans) and the thumbnails.

    Raises:
        MediaError: for unreadable video.
        PoseQualityError: if the boxer is not found well enough, with advice on filming.
    """
    report_progress = progress or (lambda _stage, _share: None)
    info = source.probe(path)
    report_progress("thumbnails", 0.0)
    thumbs = make_thumbnails(source, pose, path, info)
    report_progress("thumbnails", 1.0)
    choice = subject or auto_subject(thumbs)
    # One pose per frame is twice as fast; ask for more only when the thumbnails show more than one person.
    max_people = 1 if count_people(thumbs) <= 1 else MAX_PEOPLE
    people = pose.people_track(path, info, max_people=max_people, progress=lambda share: report_progress("pose", share))
    result = follow_subject(people, choice)
    report_progress("stamps", 0.0)
    facts = {
        "container": info.container,
        "rotation_deg": info.rotation_deg,
        "subject": {**choice.box.to_dict(), "t_s": round(choice.t_s, 3)},
        "people_max": int(max(len(people.present(f)) for f in range(people.n_frames))) if people.n_frames else 0,
        **(video or {}),
    }
    report = analyse_track(result.track, specs, coach, language=language, video=facts, lost_spans_s=result.lost_spans_s)
    report_progress("report", 1.0)
    return report, result, thumbs
