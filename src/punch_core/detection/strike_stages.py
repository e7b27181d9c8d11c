"""Strike detection in stages, each with one job: candidates -> features -> typing -> stamps.

1. :mod:`~punch_core.detection.candidates`: every excursion of a hand that may be a strike.
2. :mod:`~punch_core.detection.features`: a typed feature record per candidate, in the boxer's frame and on screen.
3. :mod:`~punch_core.detection.typers`: a :class:`~punch_core.detection.typers.StrikeTyper` says straight, hook,
   uppercut or no strike, with a confidence.
4. Here: stamps, by hand (from the stance) and type; of two hands peaking within ``simultaneous_s`` only the more
   confident is kept (both cannot land at once: the other moved with the body's turn).
"""

from __future__ import annotations

import attrs

from punch_core.body import Stance
from punch_core.detection.body_frame import body_frame
from punch_core.detection.candidates import strike_candidates
from punch_core.detection.features import Candidate, FeatureContext, StrikeFeatures, strike_features
from punch_core.detection.strikes import drop_simultaneous
from punch_core.detection.typers import DetectionParams, StrikeTyper, TypedStrike
from punch_core.kinematics import Kinematics
from punch_core.stamps import STRIKE_BY_HAND_AND_TYPE, Hand, Stamp


def measured_candidates(
    k: Kinematics, stance: Stance, params: DetectionParams
) -> list[tuple[Candidate, StrikeFeatures]]:
    """Stages 1 and 2: every candidate with its features (what a typer is trained on)."""
    ctx = FeatureContext(k, body_frame(k), stance.lead_side)
    return [(c, strike_features(ctx, c)) for c in strike_candidates(ctx, params.candidates)]


def stamps_from(
    k: Kinematics,
    stance: Stance,
    measured: list[tuple[Candidate, StrikeFeatures]],
    verdicts: list[TypedStrike],
    params: DetectionParams,
) -> list[Stamp]:
    """Stage 4: the typed candidates as strike stamps, sorted by peak time."""
    stamps: list[Stamp] = []
    for (c, f), verdict in zip(measured, verdicts, strict=True):
        if verdict.type is None:
            continue
        hand = Hand.LEAD if c.side == stance.lead_side else Hand.REAR
        stamps.append(
            Stamp(
                kind=STRIKE_BY_HAND_AND_TYPE[(hand, verdict.type)],
                hand=hand,
                t_start_s=float(k.t_s[c.start]),
                t_peak_s=float(k.t_s[c.peak]),
                t_end_s=float(k.t_s[c.end]),
                confidence=verdict.confidence,
                peak_speed_mps=f.speed_mps if f.speed_mps == f.speed_mps else f.screen_speed_mps,
                features=attrs.asdict(f),
            )
        )
    stamps.sort(key=lambda s: s.t_peak_s)
    return drop_simultaneous(stamps, params.simultaneous_s, lambda s: s.confidence)


def detect_strikes_staged(k: Kinematics, stance: Stance, typer: StrikeTyper, params: DetectionParams) -> list[Stamp]:
    """Every strike of both hands, by the stages above."""
    measured = measured_candidates(k, stance, params)
    return stamps_from(k, stance, measured, typer.classify([f for _, f in measured]), params)
