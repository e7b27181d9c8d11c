"""Hypothesis strategies for property tests of detection logic (needs ``hypothesis``, a test dependency).

The project's own property tests draw from these, and so can yours::

    from hypothesis import given
    from punch_core import detect_stamps
    from punch_core.testing import specs_of, track_of
    from punch_core.testing.strategies import one_strike_rounds

    @given(one_strike_rounds(kinds=("jab", "cross")))
    def test_one_straight_is_one_strike(round_):
        stamps = detect_stamps(track_of(round_), specs_of(round_)).stamps
        assert [s.kind.value for s in stamps if s.category.value == "strike"] == [round_.actions[0].kind]
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from punch_core.body import BodySpecs, Stance
from punch_core.testing.synthetic import STRIKE_KINDS, Camera, SyntheticRound, make_round

__all__ = ["body_specs", "cameras", "mixed_rounds", "one_strike_rounds", "turns_deg"]

STANCES = ("orthodox", "southpaw")
FRAME_RATES = (25.0, 30.0, 60.0)


def cameras(*, yaw_deg: tuple[float, float] = (-60.0, 100.0)) -> st.SearchStrategy[Camera]:
    """Cameras at chest height, anywhere from ``yaw_deg[0]`` to ``yaw_deg[1]`` around the boxer (0: in front)."""
    return st.builds(Camera, yaw_deg=st.floats(*yaw_deg))


def body_specs() -> st.SearchStrategy[BodySpecs]:
    """Any body specs a boxer may give: 150-205 cm, 45-130 kg or none, either stance."""
    return st.builds(
        BodySpecs,
        height_cm=st.floats(150.0, 205.0),
        weight_kg=st.none() | st.floats(45.0, 130.0),
        stance=st.sampled_from(list(Stance)),
    )


def turns_deg() -> st.SearchStrategy[float]:
    """A turn about the vertical axis, in degrees (for rotating a world skeleton: another camera angle)."""
    return st.floats(-180.0, 180.0)


def one_strike_rounds(
    *,
    kinds: Sequence[str] = STRIKE_KINDS,
    yaw_deg: tuple[float, float] = (85.0, 95.0),
    fps: Sequence[float] = FRAME_RATES,
    stances: Sequence[str] = STANCES,
    noise_px: float = 0.5,
) -> st.SearchStrategy[SyntheticRound]:
    """3.5 s rounds of one strike at 1.2 s, of any of ``kinds``, filmed from ``yaw_deg``, with some pixel noise."""
    return st.builds(
        lambda kind, yaw, rate, stance, seed: make_round(
            actions=[(kind, 1.2)],
            duration_s=3.5,
            fps=rate,
            stance=stance,
            camera=Camera(yaw_deg=yaw),
            noise_px=noise_px,
            seed=seed,
        ),
        st.sampled_from(list(kinds)),
        st.floats(*yaw_deg),
        st.sampled_from(list(fps)),
        st.sampled_from(list(stances)),
        st.integers(0, 10_000),
    )


def mixed_rounds(
    *, n: int = 3, kinds: Sequence[str] = STRIKE_KINDS, yaw_deg: tuple[float, float] = (-60.0, 100.0)
) -> st.SearchStrategy[SyntheticRound]:
    """Rounds of ``n`` strikes 1.5 s apart, drawn from ``kinds``, at 30 fps, from any camera in ``yaw_deg``."""
    return st.builds(
        lambda chosen, yaw, seed: make_round(
            actions=[(k, 1.0 + 1.5 * i) for i, k in enumerate(chosen)],
            duration_s=1.0 + 1.5 * n + 0.5,
            fps=30,
            camera=Camera(yaw_deg=yaw),
            seed=seed,
        ),
        st.lists(st.sampled_from(list(kinds)), min_size=n, max_size=n),
        st.floats(*yaw_deg),
        st.integers(0, 10_000),
    )
