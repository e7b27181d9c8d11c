"""Stamps: the punches, defensive moves and faults found in a round."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import attrs

from punch_core.errors import TrackFormatError


class Category(StrEnum):
    """What a stamp is."""

    STRIKE = "strike"
    DEFENSE = "defense"
    FAULT = "fault"


class StampKind(StrEnum):
    """Every kind of stamp, in boxing terms."""

    JAB = "jab"
    CROSS = "cross"
    LEAD_HOOK = "lead_hook"
    REAR_HOOK = "rear_hook"
    LEAD_UPPERCUT = "lead_uppercut"
    REAR_UPPERCUT = "rear_uppercut"
    SLIP = "slip"
    DUCK = "duck"
    PULL_BACK = "pull_back"
    GUARD_DROP = "guard_drop"

    @property
    def category(self) -> Category:
        """Strike, defence or fault."""
        if self in _DEFENSE:
            return Category.DEFENSE
        if self is StampKind.GUARD_DROP:
            return Category.FAULT
        return Category.STRIKE

    @property
    def number(self) -> int | None:
        """The boxing number of a strike (1 jab ... 6 rear uppercut), None for other stamps."""
        return _NUMBERS.get(self)


class Hand(StrEnum):
    """Which hand, relative to the stance."""

    LEAD = "lead"
    REAR = "rear"
    NONE = "none"


class Side(StrEnum):
    """The boxer's own left or right (for slips)."""

    LEFT = "left"
    RIGHT = "right"


_DEFENSE = frozenset({StampKind.SLIP, StampKind.DUCK, StampKind.PULL_BACK})
_NUMBERS = {
    StampKind.JAB: 1,
    StampKind.CROSS: 2,
    StampKind.LEAD_HOOK: 3,
    StampKind.REAR_HOOK: 4,
    StampKind.LEAD_UPPERCUT: 5,
    StampKind.REAR_UPPERCUT: 6,
}
STRIKE_KINDS: tuple[StampKind, ...] = tuple(_NUMBERS)
STRIKE_BY_HAND_AND_TYPE: Mapping[tuple[Hand, str], StampKind] = {
    (Hand.LEAD, "straight"): StampKind.JAB,
    (Hand.REAR, "straight"): StampKind.CROSS,
    (Hand.LEAD, "hook"): StampKind.LEAD_HOOK,
    (Hand.REAR, "hook"): StampKind.REAR_HOOK,
    (Hand.LEAD, "uppercut"): StampKind.LEAD_UPPERCUT,
    (Hand.REAR, "uppercut"): StampKind.REAR_UPPERCUT,
}


def _check(stamp: Stamp) -> None:
    if not (stamp.t_start_s <= stamp.t_peak_s <= stamp.t_end_s):
        raise ValueError(
            f"stamp times must satisfy t_start_s <= t_peak_s <= t_end_s, got "
            f"{stamp.t_start_s}, {stamp.t_peak_s}, {stamp.t_end_s}"
        )
    if not 0.0 <= stamp.confidence <= 1.0:
        raise ValueError(f"confidence must be 0-1, got {stamp.confidence}")
    if stamp.category is not stamp.kind.category:
        raise ValueError(f"a {stamp.kind} is a {stamp.kind.category}, not a {stamp.category}")
    is_strike = stamp.category is Category.STRIKE
    if is_strike and stamp.hand is Hand.NONE:
        raise ValueError(f"a {stamp.kind} needs a hand (lead or rear)")
    if is_strike != (stamp.peak_speed_mps is not None):
        raise ValueError("peak_speed_mps is given for strikes and only for strikes")
    if (stamp.kind is StampKind.SLIP) != (stamp.side is not None):
        raise ValueError("side is given for slips and only for slips")


@attrs.frozen(kw_only=True)
class Stamp:
    """One detected event.

    Attributes:
        kind: What happened.
        hand: Lead or rear for strikes and guard drops (the hand that dropped); none for defence.
        t_start_s: When the movement started (seconds from the start of the video).
        t_peak_s: Full extension of a strike, deepest point of a defensive move.
        t_end_s: Back in guard.
        confidence: 0-1, how sure the detector is.
        peak_speed_mps: Strikes only: the hand's top speed relative to the shoulders, in metres per second.
        side: Slips only: to the boxer's left or right.
        features: The measured values that decided the stamp (name -> number), for explanations and tuning.
    """

    kind: StampKind = attrs.field(converter=StampKind)
    hand: Hand = attrs.field(converter=Hand)
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    confidence: float
    peak_speed_mps: float | None = None
    side: Side | None = attrs.field(default=None, converter=attrs.converters.optional(Side))
    features: Mapping[str, float] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        _check(self)

    @property
    def category(self) -> Category:
        """Strike, defence or fault."""
        return self.kind.category

    @property
    def duration_s(self) -> float:
        """From start to end, in seconds."""
        return self.t_end_s - self.t_start_s

    def to_dict(self) -> dict[str, Any]:
        """The stamp as the report's JSON object (docs/formats.md)."""
        return {
            "kind": self.kind.value,
            "category": self.category.value,
            "hand": self.hand.value,
            "side": None if self.side is None else self.side.value,
            "t_start_s": round(self.t_start_s, 3),
            "t_peak_s": round(self.t_peak_s, 3),
            "t_end_s": round(self.t_end_s, 3),
            "confidence": round(self.confidence, 3),
            "peak_speed_mps": None if self.peak_speed_mps is None else round(self.peak_speed_mps, 2),
            "features": {name: _json_feature(value) for name, value in sorted(self.features.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stamp:
        """Read a stamp written by :meth:`to_dict`.

        Raises:
            TrackFormatError: if a field is missing or invalid.
        """
        try:
            stamp = cls(
                kind=data["kind"],
                hand=data["hand"],
                side=data.get("side"),
                t_start_s=float(data["t_start_s"]),
                t_peak_s=float(data["t_peak_s"]),
                t_end_s=float(data["t_end_s"]),
                confidence=float(data["confidence"]),
                peak_speed_mps=None if data.get("peak_speed_mps") is None else float(data["peak_speed_mps"]),
                features={
                    str(k): math.nan if v is None else float(v) for k, v in dict(data.get("features") or {}).items()
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrackFormatError(f"invalid stamp {dict(data)!r}: {exc}") from exc
        if data.get("category") not in (None, stamp.category.value):
            raise TrackFormatError(f"stamp category {data.get('category')!r} does not match kind {stamp.kind}")
        return stamp


def _json_feature(value: float) -> float | None:
    """A feature for JSON: rounded, or null where it could not be measured (NaN), not a plausible-looking 0."""
    return round(float(value), 4) if math.isfinite(value) else None
