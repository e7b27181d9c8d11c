"""Where an analysis's stored objects live: the one place their keys are spelled.

Every object a stage stores or the API serves is under ``analyses/{id}/``:

| key | written by | what |
|---|---|---|
| ``thumbnails.json``, ``thumbnails/NN.jpg`` | thumbnails stage | the video's facts and 10 frames with person boxes |
| ``pose_track.npz``, ``pose_view.json.gz`` | pose stage | the subject's track, and the copy the player draws |
| ``subject.json`` | pose stage | the chosen person, the video's facts and where the boxer was lost |
| ``round.json`` | stamps stage | quality, stamps and metrics (:class:`~punch_core.report.RoundAnalysis`) |
| ``coaching.json`` | coaching stage | the coaching (:class:`~punch_core.coaching.model.Coaching`) |
| ``started.json`` | ``start_analysis`` | when the analysis was started, until its report is stored |
| ``overlay.mp4``, ``overlay.json`` | overlay job | the video with skeleton and stamps drawn, and where it stands |
"""

from __future__ import annotations

from typing import Any

import attrs

from punch_core.formats import POSE_VIEW_NAME
from punch_core.ports.video import VideoInfo
from punch_core.subject import PersonBox

ANALYSES_PREFIX = "analyses"


@attrs.frozen
class AnalysisArtifacts:
    """The keys of one analysis's stored objects."""

    analysis_id: str

    @property
    def prefix(self) -> str:
        """Everything of this analysis is under this prefix (``delete_prefix`` removes it all)."""
        return f"{ANALYSES_PREFIX}/{self.analysis_id}"

    @property
    def thumbnails_index(self) -> str:
        """The thumbnails' index and the video's facts (JSON)."""
        return f"{self.prefix}/thumbnails.json"

    def thumbnail(self, index: int) -> str:
        """Thumbnail ``index`` (0-based) as a JPEG."""
        return f"{self.prefix}/thumbnails/{index:02d}.jpg"

    @property
    def pose_track(self) -> str:
        """The subject's pose track (``.npz``, :func:`~punch_core.formats.track_to_npz_bytes`)."""
        return f"{self.prefix}/pose_track.npz"

    @property
    def pose_view(self) -> str:
        """The drawable pose track the report's player fetches (gzipped JSON)."""
        return f"{self.prefix}/{POSE_VIEW_NAME}"

    @property
    def subject(self) -> str:
        """The subject choice, video facts and lost spans (JSON)."""
        return f"{self.prefix}/subject.json"

    @property
    def round(self) -> str:
        """Quality, stamps and metrics (JSON)."""
        return f"{self.prefix}/round.json"

    @property
    def coaching(self) -> str:
        """The coaching (JSON)."""
        return f"{self.prefix}/coaching.json"

    @property
    def overlay_video(self) -> str:
        """The video with the skeleton and stamps drawn (H.264 MP4), made when the owner asks for it."""
        return f"{self.prefix}/overlay.mp4"

    @property
    def overlay_state(self) -> str:
        """Where the overlay video stands (JSON, :class:`~punch_core.service.overlay.OverlayState`)."""
        return f"{self.prefix}/overlay.json"

    @property
    def started(self) -> str:
        """When the analysis was started (JSON), until its report is stored."""
        return f"{self.prefix}/started.json"


def _box(data: dict[str, Any]) -> PersonBox:
    return PersonBox(x=data["x"], y=data["y"], w=data["w"], h=data["h"], score=data.get("score", 1.0))


@attrs.frozen(kw_only=True)
class ThumbnailEntry:
    """One stored thumbnail: its time, its JPEG's key, its pixel size and the people found on it."""

    index: int
    t_s: float
    key: str
    width: int
    height: int
    boxes: tuple[PersonBox, ...]

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON form."""
        return {
            "index": self.index,
            "t_s": round(self.t_s, 3),
            "key": self.key,
            "width": self.width,
            "height": self.height,
            "boxes": [b.to_dict() for b in self.boxes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThumbnailEntry:
        """Read the stored JSON form."""
        return cls(
            index=int(data["index"]),
            t_s=float(data["t_s"]),
            key=str(data["key"]),
            width=int(data["width"]),
            height=int(data["height"]),
            boxes=tuple(_box(b) for b in data["boxes"]),
        )


@attrs.frozen(kw_only=True)
class ThumbnailIndex:
    """The thumbnails stage's output: the video's facts (from the stripped copy) and its thumbnails."""

    video: VideoInfo
    thumbnails: tuple[ThumbnailEntry, ...]

    @property
    def most_people(self) -> int:
        """The most people found on one thumbnail (decides how many poses the pose stage tracks per frame)."""
        return max((len(t.boxes) for t in self.thumbnails), default=0)

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON form (``thumbnails.json``)."""
        return {"video": attrs.asdict(self.video), "thumbnails": [t.to_dict() for t in self.thumbnails]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThumbnailIndex:
        """Read the stored JSON form."""
        return cls(
            video=VideoInfo(**data["video"]),
            thumbnails=tuple(ThumbnailEntry.from_dict(t) for t in data["thumbnails"]),
        )


@attrs.frozen(kw_only=True)
class SubjectFacts:
    """The pose stage's output beside the track.

    Attributes:
        video: Facts for the report's ``video`` section (container, rotation, the chosen box, people seen, file name).
        lost_spans_s: Where the subject tracker lost the boxer (start, end seconds).
    """

    video: dict[str, Any]
    lost_spans_s: tuple[tuple[float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON form (``subject.json``)."""
        return {"video": self.video, "lost_spans_s": [list(span) for span in self.lost_spans_s]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubjectFacts:
        """Read the stored JSON form."""
        return cls(
            video=dict(data["video"]),
            lost_spans_s=tuple((float(a), float(b)) for a, b in data["lost_spans_s"]),
        )
