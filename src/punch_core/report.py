"""The report: one versioned JSON document per analysed round (docs/formats.md), made by one use case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from punch_core.body import BodySpecs
from punch_core.coaching.model import Coaching, Language
from punch_core.coaching.port import Coach, CoachingRequest
from punch_core.detection import detect_stamps
from punch_core.detection.confidence import COACH_MIN_CONFIDENCE, trusted
from punch_core.metrics import compute_metrics
from punch_core.quality import check_pose_quality
from punch_core.stamps import Stamp
from punch_core.track import PoseTrack

SCHEMA_VERSION = "1.0"
REPORT_KEYS = ("schema_version", "video", "quality", "stamps", "metrics", "coaching")


@attrs.frozen(kw_only=True)
class RoundAnalysis:
    """Everything about a round before coaching: quality, stamps and metrics (the job pipeline stores this)."""

    video: dict[str, Any]
    quality: dict[str, Any]
    stamps: tuple[Stamp, ...]
    metrics: dict[str, Any]
    detected_stamps: tuple[Stamp, ...] | None = None
    """What the detector found, once the boxer corrected ``stamps`` (:mod:`punch_core.corrections`); else None."""
    corrections: dict[str, int] | None = None
    """How many stamps the boxer deleted, changed and added; None when uncorrected."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (stamps as in the report)."""
        data: dict[str, Any] = {
            "video": self.video,
            "quality": self.quality,
            "stamps": [s.to_dict() for s in self.stamps],
            "metrics": self.metrics,
        }
        if self.detected_stamps is not None:
            data["detected_stamps"] = [s.to_dict() for s in self.detected_stamps]
            data["corrections"] = self.corrections
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundAnalysis:
        """Read the JSON form back."""
        detected = data.get("detected_stamps")
        return cls(
            video=dict(data["video"]),
            quality=dict(data["quality"]),
            stamps=tuple(Stamp.from_dict(s) for s in data["stamps"]),
            metrics=dict(data["metrics"]),
            detected_stamps=None if detected is None else tuple(Stamp.from_dict(s) for s in detected),
            corrections=None if detected is None else dict(data.get("corrections") or {}),
        )


def analyse_round(
    track: PoseTrack,
    specs: BodySpecs,
    *,
    video: dict[str, Any] | None = None,
    lost_spans_s: Sequence[tuple[float, float]] = (),
) -> RoundAnalysis:
    """Pose track -> quality gate -> stamps -> metrics.

    Raises:
        PoseQualityError: if the boxer is found in fewer than half of the frames, with filming advice.
    """
    warnings = check_pose_quality(track, lost_spans_s)
    result = detect_stamps(track, specs)
    return RoundAnalysis(
        video={
            "duration_s": round(track.duration_s, 3),
            "fps": round(track.fps, 3),
            "width": track.width,
            "height": track.height,
            "n_frames": track.n_frames,
            **(video or {}),
        },
        quality={
            "pose_coverage": round(track.coverage, 4),
            "mean_px_per_m": round(float(result.kinematics.px_per_m.mean()), 1),
            "warnings": warnings,
            "lost_spans_s": [list(span) for span in lost_spans_s],
            "coach_min_confidence": COACH_MIN_CONFIDENCE,
        },
        stamps=tuple(result.stamps),
        # Only what the coach may speak from is counted; the report keeps every stamp (the rest on request).
        metrics=compute_metrics(trusted(result.stamps), result.kinematics),
    )


def coaching_request(analysis: RoundAnalysis, specs: BodySpecs, language: Language | str) -> CoachingRequest:
    """What the coach gets for a round: the metrics and the stamps at or above the round's confidence cut only.

    The coach never praises or blames from a stamp below it (``quality.coach_min_confidence``; a round analysed
    before the cut existed has none, and keeps every stamp).
    """
    cut = float(analysis.quality.get("coach_min_confidence", 0.0))
    stamps = tuple(trusted(analysis.stamps, cut))
    return CoachingRequest(specs=specs, metrics=analysis.metrics, stamps=stamps, language=Language(language))


def assemble_report(
    analysis: RoundAnalysis, specs: BodySpecs, coaching: Coaching | Mapping[str, Any]
) -> dict[str, Any]:
    """The report document (a JSON-ready dict with the keys of ``REPORT_KEYS``, plus ``body``).

    ``coaching`` is a :class:`Coaching` or its ``to_dict`` form (as the job pipeline stores it).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "video": analysis.video,
        "quality": analysis.quality,
        "body": {
            "height_cm": specs.height_cm,
            "weight_kg": specs.weight_kg,
            "stance": specs.stance.value,
            "experience": specs.experience.value,
        },
        "stamps": [s.to_dict() for s in analysis.stamps],
        "metrics": analysis.metrics,
        "coaching": coaching.to_dict() if isinstance(coaching, Coaching) else dict(coaching),
        # Present once the boxer corrected the stamps: what the detector found, and what changed.
        **(
            {"detected_stamps": [s.to_dict() for s in analysis.detected_stamps], "corrections": analysis.corrections}
            if analysis.detected_stamps is not None
            else {}
        ),
    }


def analyse_track(
    track: PoseTrack,
    specs: BodySpecs,
    coach: Coach,
    *,
    language: Language | str = Language.EN,
    video: dict[str, Any] | None = None,
    lost_spans_s: Sequence[tuple[float, float]] = (),
) -> dict[str, Any]:
    """Pose track -> stamps -> metrics -> coaching -> report, in one call.

    Args:
        track: The subject's pose track.
        specs: The boxer's body specs.
        coach: Writes the coaching (an LLM adapter or :class:`~punch_core.coaching.OfflineCoach`).
        language: Coaching language, ``en`` or ``ko``.
        video: Facts about the source video to record (file name, codec ...); merged into ``video``.
        lost_spans_s: Where the subject tracker lost the boxer (start, end seconds), for the warnings.

    Returns:
        The report document (a JSON-ready dict with the keys of ``REPORT_KEYS``).

    Raises:
        PoseQualityError: if the boxer is found in fewer than half of the frames, with filming advice.
    """
    analysis = analyse_round(track, specs, video=video, lost_spans_s=lost_spans_s)
    coaching = coach.coach(coaching_request(analysis, specs, language))
    return assemble_report(analysis, specs, coaching)
