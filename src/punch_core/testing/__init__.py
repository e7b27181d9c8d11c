"""Test data for detection logic: synthetic boxers with ground truth, and helpers to turn them into pose tracks.

- :mod:`punch_core.testing.synthetic`: a 3-D skeleton shadow-boxing a scripted or random round, filmed by a
  pinhole camera anywhere around it, in MediaPipe's 33-landmark layout, with the true actions (numpy only).
- :mod:`punch_core.testing.strategies`: hypothesis strategies over those rounds, cameras and body specs (needs
  ``hypothesis``; the project's own property tests use them).

The helpers here turn a round into what the detector reads: :func:`track_of`, :func:`specs_of`, and
:func:`with_world` / :func:`turned` for tests of the boxer's 3-D frame.
"""

from __future__ import annotations

import attrs
import numpy as np

from punch_core.body import BodySpecs
from punch_core.landmarks import Landmark
from punch_core.testing.synthetic import Camera, SyntheticRound, make_round, mirror, random_round
from punch_core.track import PoseTrack

__all__ = [
    "Camera",
    "SyntheticRound",
    "make_round",
    "mirror",
    "random_round",
    "specs_of",
    "track_of",
    "turned",
    "with_world",
]


def track_of(round_: SyntheticRound) -> PoseTrack:
    """The round's image landmarks as a pose track (no world landmarks: see :func:`with_world`)."""
    return PoseTrack(t_s=round_.t_s, landmarks=round_.landmarks, width=round_.width, height=round_.height)


def specs_of(round_: SyntheticRound) -> BodySpecs:
    """The body specs of the synthetic boxer (height and stance)."""
    return BodySpecs(height_cm=round_.height_cm, stance=round_.stance)


def with_world(round_: SyntheticRound) -> PoseTrack:
    """The round as a pose track whose world landmarks are its image landmarks in metres, centred between the hips.

    The image of a camera far away is close to an orthographic view, so this is the skeleton as MediaPipe's world
    landmarks would give it, up to a turn about the vertical axis.
    """
    lm = round_.landmarks.astype(np.float64)
    xyz = lm[:, :, :3] * np.array([round_.width, round_.height, round_.width]) / round_.height * 2.0
    hips = 0.5 * (xyz[:, Landmark.LEFT_HIP] + xyz[:, Landmark.RIGHT_HIP])
    world = (xyz - hips[:, None, :]).astype(np.float32)
    return attrs.evolve(track_of(round_), world_m=world)


def turned(track: PoseTrack, degrees: float, scale: float = 1.0) -> PoseTrack:
    """The world skeleton turned about the vertical axis (MediaPipe's y, pointing down) and scaled.

    Raises:
        ValueError: if the track has no world landmarks.
    """
    if track.world_m is None:
        raise ValueError("the track has no world landmarks to turn")
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])
    world = (track.world_m.astype(np.float64) @ rot.T * scale).astype(np.float32)
    return attrs.evolve(track, world_m=world)
