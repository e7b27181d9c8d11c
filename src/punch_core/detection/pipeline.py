"""The detection use case: pose track + body specs -> kinematics -> stamps."""

from __future__ import annotations

import attrs

from punch_core.body import BodySpecs
from punch_core.detection.confidence import learned_confidence
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


def without_punching(defense: list[Stamp], strikes: list[Stamp]) -> list[Stamp]:
    """The defensive moves during which no hand drives out.

    A head that moves while a strike is thrown is the body turning into the punch, not a slip, a duck or a
    pull-back.

    Measured on the labelled corpus (2026-12-07): 36 of the 49 defensive stamps on clips labelled for defence fell
    in a strike's span, where two labelling passes saw no defensive move at all. The cost: a slip thrown together
    with a counter (a slip-jab) is not stamped as a slip; its punch still is.
    """
    return [
        d
        for d in defense
        if not any(s.t_start_s <= d.t_peak_s <= s.t_end_s or d.t_start_s <= s.t_peak_s <= d.t_end_s for s in strikes)
    ]


def detect_stamps(track: PoseTrack, specs: BodySpecs) -> DetectionResult:
    """Every strike, defensive move and guard fault in a track, sorted by peak time.

    A strike's confidence is the learned probability that it is one (:mod:`punch_core.detection.confidence`).

    Raises:
        PoseQualityError: if the track holds too little pose to measure the body.
    """
    k = compute_kinematics(track, height_m=specs.height_m)
    strikes = learned_confidence(k, specs.stance, detect_strikes(k, specs.stance))
    defense = without_punching(detect_defense(k), strikes)
    stamps = [*strikes, *defense, *detect_guard_drops(k, strikes, specs.stance)]
    stamps.sort(key=lambda s: (s.t_peak_s, s.kind.value))
    return DetectionResult(stamps=tuple(stamps), kinematics=k)
