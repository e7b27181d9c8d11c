"""MediaPipe Pose's 33 landmarks: indices, left/right pairs and the mirror permutation."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

N_LANDMARKS = 33


class Landmark(IntEnum):
    """Index of each landmark in MediaPipe Pose's output. Left/right are the person's anatomical sides."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


LANDMARK_NAMES: tuple[str, ...] = tuple(lm.name.lower() for lm in Landmark)


def _mirror_permutation() -> npt.NDArray[np.intp]:
    perm = np.arange(N_LANDMARKS)
    for lm in Landmark:
        if lm.name.startswith("LEFT_"):
            other = Landmark[lm.name.replace("LEFT_", "RIGHT_", 1)]
            perm[lm], perm[other] = other, lm
    return perm


MIRROR_PERMUTATION: npt.NDArray[np.intp] = _mirror_permutation()
"""``landmarks[:, MIRROR_PERMUTATION]`` swaps every left landmark with its right partner."""
