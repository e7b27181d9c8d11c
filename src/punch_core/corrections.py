"""The boxer's corrections to the stamps: delete a stamp, change its kind or hand, add a missed one.

The detector's stamps stay in the report beside the corrected ones (``detected_stamps``), with a summary of what
changed, so a corrected round says what the detector found and what the boxer changed, and can become labelled
data (``bench/labels`` format). A stamp the boxer adds or retypes is certain (confidence 1), and a strike's speed
is measured again for its hand from the round's kinematics. Metrics are computed again from the corrected stamps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from punch_core.body import BodySpecs
from punch_core.detection.confidence import trusted
from punch_core.detection.geometry import SIDE_LANDMARKS
from punch_core.errors import ValidationError
from punch_core.kinematics import Kinematics
from punch_core.landmarks import Landmark
from punch_core.metrics import compute_metrics
from punch_core.report import RoundAnalysis
from punch_core.stamps import Category, Hand, Side, Stamp, StampKind

MAX_STAMPS = 2000
"""More stamps than a 3-minute round could hold even at 10 punches a second: a request past it is refused."""
BOXER_FEATURE = "boxer_corrected"
"""Feature set to 1 on a stamp the boxer added or changed."""
DETECTED_FEATURE = "detected_index"
"""Feature of a corrected stamp that came from the detector: its index in ``detected_stamps`` (the next correction
refers to it by this)."""


@attrs.frozen(kw_only=True)
class StampEdit:
    """One stamp of the corrected list: a detected stamp kept or changed (``detected`` index), or a new one.

    Attributes:
        detected: Index into the detector's stamps, or None for a stamp the boxer adds.
        kind: Its kind (a strike, defensive move or guard drop).
        hand: ``lead``/``rear`` for strikes and guard drops, ``none`` for defensive moves.
        side: ``left``/``right`` for slips, else None.
        t_start_s, t_peak_s, t_end_s: Its times.
    """

    detected: int | None
    kind: StampKind
    hand: Hand
    side: Side | None
    t_start_s: float
    t_peak_s: float
    t_end_s: float

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, duration_s: float) -> StampEdit:
        """Read one item of a correction request.

        Raises:
            ValidationError: naming the field that is wrong and what it must be.
        """
        try:
            kind = StampKind(str(data.get("kind")))
        except ValueError:
            raise ValidationError("kind", data.get("kind"), ", ".join(k.value for k in StampKind)) from None
        try:
            hand = Hand(data.get("hand") or ("none" if kind.category is Category.DEFENSE else "lead"))
        except ValueError:
            raise ValidationError("hand", data.get("hand"), "lead, rear or none") from None
        side_value = data.get("side")
        try:
            side = None if side_value is None else Side(side_value)
        except ValueError:
            raise ValidationError("side", side_value, "left or right (slips only)") from None
        times = []
        for name in ("t_start_s", "t_peak_s", "t_end_s"):
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= duration_s + 1:
                raise ValidationError(name, value, f"a time in seconds within the video (0-{duration_s:.1f})")
            times.append(float(value))
        if not times[0] <= times[1] <= times[2]:
            raise ValidationError("t_peak_s", times[1], "between t_start_s and t_end_s")
        detected = data.get("detected")
        if detected is not None and (isinstance(detected, bool) or not isinstance(detected, int) or detected < 0):
            raise ValidationError("detected", detected, "the index of a detected stamp, or null for a new one")
        return cls(
            detected=detected, kind=kind, hand=hand, side=side, t_start_s=times[0], t_peak_s=times[1], t_end_s=times[2]
        )


def hand_speed_mps(k: Kinematics, side: str, t_start_s: float, t_end_s: float) -> float:
    """The top speed of one wrist relative to the shoulders between two times, in m/s (0 when it is not seen)."""
    wrist = SIDE_LANDMARKS[side][2]
    centre = 0.5 * (k.vel_mps[:, Landmark.LEFT_SHOULDER] + k.vel_mps[:, Landmark.RIGHT_SHOULDER])
    inside = (k.t_s >= t_start_s - k.dt_s) & (k.t_s <= t_end_s + k.dt_s)
    speed = np.linalg.norm(k.vel_mps[inside, wrist] - centre[inside], axis=1)
    return float(np.nanmax(speed)) if np.isfinite(speed).any() else 0.0


def _stamp_of(edit: StampEdit, detected: Sequence[Stamp], k: Kinematics, specs: BodySpecs) -> tuple[Stamp, str]:
    """The stamp an edit stands for, and what it is: ``kept``, ``changed`` or ``added``."""
    if edit.detected is not None:
        if edit.detected >= len(detected):
            raise ValidationError("detected", edit.detected, f"the index of a detected stamp (0-{len(detected) - 1})")
        original = detected[edit.detected]
        same = (original.kind, original.hand, original.side) == (edit.kind, edit.hand, edit.side) and (
            round(original.t_peak_s, 3) == round(edit.t_peak_s, 3)
        )
        if same:
            return attrs.evolve(
                original, features={**original.features, DETECTED_FEATURE: float(edit.detected)}
            ), "kept"
    if edit.kind.category is Category.STRIKE and edit.hand is Hand.NONE:
        raise ValidationError("hand", "none", f"lead or rear: a {edit.kind.value} is thrown with a hand")
    if edit.kind is StampKind.SLIP and edit.side is None:
        raise ValidationError("side", None, "left or right: the side the head slipped to")
    side_of_hand = specs.stance.lead_side if edit.hand is Hand.LEAD else specs.stance.rear_side
    speed = (
        hand_speed_mps(k, side_of_hand, edit.t_start_s, edit.t_end_s) if edit.kind.category is Category.STRIKE else None
    )
    stamp = Stamp(
        kind=edit.kind,
        hand=Hand.NONE if edit.kind.category is Category.DEFENSE else edit.hand,
        side=edit.side if edit.kind is StampKind.SLIP else None,
        t_start_s=edit.t_start_s,
        t_peak_s=edit.t_peak_s,
        t_end_s=edit.t_end_s,
        confidence=1.0,
        peak_speed_mps=speed,
        features={
            BOXER_FEATURE: 1.0,
            **({DETECTED_FEATURE: float(edit.detected)} if edit.detected is not None else {}),
        },
    )
    return stamp, "changed" if edit.detected is not None else "added"


def apply_corrections(
    round_: RoundAnalysis, edits: Sequence[StampEdit], k: Kinematics, specs: BodySpecs
) -> RoundAnalysis:
    """The round with the boxer's stamps: the detector's kept in ``detected_stamps``, metrics computed again.

    Raises:
        ValidationError: for an edit that names no detected stamp, or a stamp that cannot be.
    """
    if len(edits) > MAX_STAMPS:
        raise ValidationError("stamps", len(edits), f"at most {MAX_STAMPS} stamps")
    detected = round_.detected_stamps if round_.detected_stamps is not None else round_.stamps
    stamps: list[Stamp] = []
    counts = {"kept": 0, "changed": 0, "added": 0}
    for edit in edits:
        stamp, what = _stamp_of(edit, detected, k, specs)
        stamps.append(stamp)
        counts[what] += 1
    kept_or_changed = {e.detected for e in edits if e.detected is not None}
    stamps.sort(key=lambda s: (s.t_peak_s, s.kind.value))
    cut = float(round_.quality.get("coach_min_confidence", 0.0))
    return attrs.evolve(
        round_,
        stamps=tuple(stamps),
        detected_stamps=tuple(detected),
        corrections={
            "deleted": len(detected) - len(kept_or_changed),
            "changed": counts["changed"],
            "added": counts["added"],
        },
        metrics=compute_metrics(trusted(stamps, cut), k),
    )
