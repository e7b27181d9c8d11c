"""Stamp detection: strikes, defensive moves and guard faults from body kinematics."""

from punch_core.detection.pipeline import DetectionResult, detect_stamps

__all__ = ["DetectionResult", "detect_stamps"]
