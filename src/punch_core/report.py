"""The report: one versioned JSON document per analysed round (docs/formats.md), made by one use case."""

from __future__ import annotations

from typing import Any

from punch_core.body import BodySpecs
from punch_core.coaching.model import Language
from punch_core.coaching.offline import CoachingRequest
from punch_core.detection import detect_stamps
from punch_core.metrics import compute_metrics
from punch_core.ports import Coach
from punch_core.track import PoseTrack

SCHEMA_VERSION = "1.0"
LOW_COVERAGE_WARNING = 0.95
REPORT_KEYS = ("schema_version", "video", "quality", "stamps", "metrics", "coaching")


def analyse_track(
    track: PoseTrack,
    specs: BodySpecs,
    coach: Coach,
    *,
    language: Language | str = Language.EN,
    video: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pose track -> stamps -> metrics -> coaching -> report.

    Args:
        track: The subject's pose track.
        specs: The boxer's body specs.
        coach: Writes the coaching (an LLM adapter or :class:`~punch_core.coaching.OfflineCoach`).
        language: Coaching language, ``en`` or ``ko``.
        video: Facts about the source video to record (file name, codec ...); merged into ``video``.

    Returns:
        The report document (a JSON-ready dict with the keys of ``REPORT_KEYS``).

    Raises:
        PoseQualityError: if the track holds too little pose to analyse.
    """
    result = detect_stamps(track, specs)
    metrics = compute_metrics(result.stamps, result.kinematics)
    coaching = coach.coach(
        CoachingRequest(specs=specs, metrics=metrics, stamps=result.stamps, language=Language(language))
    )
    coverage = track.coverage
    warnings = []
    if coverage < LOW_COVERAGE_WARNING:
        warnings.append(
            f"the boxer was not found in {100 * (1 - coverage):.0f}% of the frames; stamps there are missing"
        )
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
