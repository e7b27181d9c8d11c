"""The boxer's body specs, validated on construction."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TypeVar

import attrs

from punch_core.errors import ValidationError


class Stance(StrEnum):
    """Which hand leads: orthodox leads with the left, southpaw with the right."""

    ORTHODOX = "orthodox"
    SOUTHPAW = "southpaw"

    @property
    def lead_side(self) -> str:
        """The anatomical side (``left``/``right``) of the lead hand."""
        return "left" if self is Stance.ORTHODOX else "right"

    @property
    def rear_side(self) -> str:
        """The anatomical side (``left``/``right``) of the rear hand."""
        return "right" if self is Stance.ORTHODOX else "left"

    @property
    def swapped(self) -> Stance:
        """The other stance (what a mirror image shows)."""
        return Stance.SOUTHPAW if self is Stance.ORTHODOX else Stance.ORTHODOX


class Experience(StrEnum):
    """How long the boxer has trained; tunes the coaching tone and drills."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


E = TypeVar("E", bound=StrEnum)

HEIGHT_CM_RANGE = (100.0, 250.0)
WEIGHT_KG_RANGE = (30.0, 200.0)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


def _in_range(field: str, value: float | None, bounds: tuple[float, float]) -> None:
    if value is None:
        return
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise ValidationError(field, value, f"a number from {low:g} to {high:g}")
    if not low <= value <= high:
        raise ValidationError(field, value, f"from {low:g} to {high:g}")


def _enum_value(field: str, enum: type[E], value: object) -> E:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = " or ".join(member.value for member in enum)
        raise ValidationError(field, value, f"one of {allowed}") from None


def _stance(value: object) -> Stance:
    return _enum_value("stance", Stance, value)


def _experience(value: object) -> Experience:
    return _enum_value("experience", Experience, value)


@attrs.frozen(kw_only=True)
class BodySpecs:
    """What the boxer tells us about themself.

    Attributes:
        height_cm: Standing height, 100-250 cm; sets the metric scale of the analysis.
        weight_kg: Body weight, 30-200 kg, or None when not given.
        stance: Orthodox or southpaw; decides which hand is the lead hand.
        experience: Beginner, intermediate or advanced.

    Raises:
        ValidationError: naming the field, the value and the allowed range.
    """

    height_cm: float
    weight_kg: float | None = None
    stance: Stance = attrs.field(default=Stance.ORTHODOX, converter=_stance)
    experience: Experience = attrs.field(default=Experience.INTERMEDIATE, converter=_experience)

    @classmethod
    def parse(
        cls,
        *,
        height_cm: object,
        weight_kg: object = None,
        stance: object = Stance.ORTHODOX,
        experience: object = Experience.INTERMEDIATE,
    ) -> BodySpecs:
        """Build specs from loosely typed input (CLI flags, JSON), with the same validation errors."""
        return cls(
            height_cm=_number("height_cm", height_cm),  # type: ignore[arg-type]
            weight_kg=None if weight_kg is None else _number("weight_kg", weight_kg),  # type: ignore[arg-type]
            stance=_enum_value("stance", Stance, stance),
            experience=_enum_value("experience", Experience, experience),
        )

    def __attrs_post_init__(self) -> None:
        _in_range("height_cm", self.height_cm, HEIGHT_CM_RANGE)
        _in_range("weight_kg", self.weight_kg, WEIGHT_KG_RANGE)

    @property
    def height_m(self) -> float:
        """Height in metres."""
        return self.height_cm / 100.0


def _number(field: str, value: object) -> float | object:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # rejected by the range check with the field's message
    return value
