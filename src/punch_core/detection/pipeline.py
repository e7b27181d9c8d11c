"""The detection use case: pose track + body specs -> kinematics -> stamps."""

from __future__ import annotations

import attrs

from punch_core.body import BodySpecs
from punch_core.detection.defense import detect_defense
from punch_core.detection.faults import detect_guard_drops
from punch_core.detection.strikes import detect_strikes
from punch_core.kinematics import Kinematics, compute_kinematics
from punch_core.stamps import Stamp
from punch_core.track import PoseTrack


@attrs.frozen(kw_only=True)
class DetectionResult:
    """Stamps with the kinematics they were found in (the metrics need both)."""

    stamps: tuple[Stamp, ...]
    kinematics: Kinematics


def detect_stamps(track: PoseTrack, specs: BodySpecs) -> DetectionResult:
    """Every strike, defensive move and guard fault in a track, sorted by peak time.

    Raises:
        PoseQualityError: if the track holds too little pose to measure the body.
    """
    k = compute_kinematics(track, height_m=specs.height_m)
    strikes = detect_strikes(k, specs.stance)
    stamps = [*strikes, *detect_defense(k), *detect_guard_drops(k, strikes, specs.stance)]
    stamps.sort(key=lambda s: (s.t_peak_s, s.kind.value))
    return DetectionResult(stamps=tuple(stamps), kinematics=k)
