"""The report: one versioned JSON document per analysed round (docs/formats.md), made by one use case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from punch_core.body import BodySpecs
from punch_core.coaching.model import Language
from punch_core.coaching.offline import CoachingRequest
from punch_core.detection import detect_stamps
from punch_core.metrics import compute_metrics
from punch_core.ports import Coach
from punch_core.quality import check_pose_quality
from punch_core.track import PoseTrack

SCHEMA_VERSION = "1.0"
REPORT_KEYS = ("schema_version", "video", "quality", "stamps", "metrics", "coaching")


def analyse_track(
    track: PoseTrack,
    specs: BodySpecs,
    coach: Coach,
    *,
    language: Language | str = Language.EN,
    video: dict[str, Any] | None = None,
    lost_spans_s: Sequence[tuple[float, float]] = (),
) -> dict[str, Any]:
    """Pose track -> stamps -> metrics -> coaching -> report.

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
        PoseQualityError: if the boxer is found in fewer than 80% of the frames, with filming advice.
    """
    warnings = check_pose_quality(track, lost_spans_s)
    result = detect_stamps(track, specs)
    metrics = compute_metrics(result.stamps, result.kinematics)
    coaching = coach.coach(
        CoachingRequest(specs=specs, metrics=metrics, stamps=result.stamps, language=Language(language))
    )
    coverage = track.coverage
    return {
        "schema_version": SCHEMA_VERSION,
        "video": {
            "duration_s": round(track.duration_s, 3),
            "fps": round(track.fps, 3),
            "width": track.width,
            "height": track.height,
            "n_frames": track.n_frames,
            **(video or {}),
        },
        "quality": {
            "pose_coverage": round(coverage, 4),
            "mean_px_per_m": round(float(result.kinematics.px_per_m.mean()), 1),
            "warnings": warnings,
            "lost_spans_s": [list(span) for span in lost_spans_s],
        },
        "body": {
            "height_cm": specs.height_cm,
            "weight_kg": specs.weight_kg,
            "stance": specs.stance.value,
            "experience": specs.experience.value,
        },
        "stamps": [s.to_dict() for s in result.stamps],
        "metrics": metrics,
        "coaching": coaching.to_dict(),
    }
