"""Thumbnails with person boxes, and choosing the boxer on them (the thumbnails stage and the subject choice).

The whole video -> report run is :func:`punch_core.service.processing.run_analysis`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from punch_core.errors import PoseQualityError, ValidationError
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.video import Frame, FrameSource, VideoInfo
from punch_core.subject import PersonBox, SubjectChoice

N_THUMBNAILS = 10
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


def thumbnail_times(duration_s: float, *, n: int = N_THUMBNAILS) -> list[float]:
    """``n`` times spread evenly over the whole video, each in the middle of its ``1/n`` share.

    A boxer picks themself on any of them, so the strip shows the whole round (an 80 s round: 4 s, 12 s ... 76 s),
    not only its first seconds, where the boxer may not have stepped in yet.
    """
    if duration_s <= 0:
        return [0.0]
    return [duration_s * (i + 0.5) / n for i in range(n)]


def make_thumbnails(source: FrameSource, pose: PoseEstimator, path: str, info: VideoInfo) -> list[Thumbnail]:
    """The thumbnails of a video: 10 frames spread over its whole length, each with its people."""
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
