"""The quality gate: is there enough of the boxer in the video to analyse, and what to tell them if not."""

from __future__ import annotations

from collections.abc import Sequence

from punch_core.errors import PoseQualityError
from punch_core.track import PoseTrack

MIN_POSE_COVERAGE = 0.50
"""Below this share of frames with the boxer, too little of the round is left to say anything about it. Between
this and ``LOW_COVERAGE_WARNING`` the round is analysed in part: the lost stretches are named in the warnings and
rates count only the time the boxer was seen (a two-person ring round where the boxer is found in 76% of the
frames used to be refused outright)."""
LOW_COVERAGE_WARNING = 0.95
FILMING_ADVICE = (
    "film from further away so your whole body stays in frame, in good light, with the phone held still "
    "(on a tripod or propped up) at chest height"
)


def _clock(t_s: float) -> str:
    minutes, seconds = divmod(max(t_s, 0.0), 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def check_pose_quality(track: PoseTrack, lost_spans_s: Sequence[tuple[float, float]] = ()) -> list[str]:
    """Refuse a track with too little pose; otherwise the warnings a partial analysis carries.

    Args:
        track: The subject's pose track.
        lost_spans_s: Stretches (start, end seconds) where the subject tracker lost the boxer.

    Returns:
        Warnings for the report, in words a boxer understands (empty when the whole video was usable).

    Raises:
        PoseQualityError: if the boxer was found in fewer than half of the frames.
    """
    coverage = track.coverage
    if track.n_frames == 0 or coverage < MIN_POSE_COVERAGE:
        raise PoseQualityError(
            f"the boxer was found in only {100 * coverage:.0f}% of the video (at least "
            f"{100 * MIN_POSE_COVERAGE:.0f}% is needed): {FILMING_ADVICE}"
        )
    warnings: list[str] = []
    if coverage < LOW_COVERAGE_WARNING:
        warnings.append(
            f"the boxer was not found in {100 * (1 - coverage):.0f}% of the frames; punches there are missing "
            "from this report, and rates per minute count only the time you were seen"
        )
    if lost_spans_s:
        shown = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in lost_spans_s[:5])
        more = f" and {len(lost_spans_s) - 5} more" if len(lost_spans_s) > 5 else ""
        warnings.append(f"the boxer was lost from view at {shown}{more}; this is a partial analysis")
    return warnings
