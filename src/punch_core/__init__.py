"""punch_core: boxing stamp detection and round analysis from pose tracks, with no framework in the way.

The front door for developers testing detection logic offline (docs/library.md)::

    from punch_core import BodySpecs, analyse_track, compute_metrics, detect_stamps, read_track
    from punch_core.coaching import OfflineCoach

    track = read_track("pose_track.npz")                     # or a landmarks CSV with frame_size=(w, h)
    specs = BodySpecs(height_cm=178, stance="orthodox")
    found = detect_stamps(track, specs)                      # stamps and the kinematics they were found in
    metrics = compute_metrics(found.stamps, found.kinematics)
    report = analyse_track(track, specs, OfflineCoach())     # the whole report, as the app stores it

Synthetic boxers and hypothesis strategies for property tests are in :mod:`punch_core.testing`. The service side
(uploads, accounts, the processing stages) is :mod:`punch_core.service`; ports are in :mod:`punch_core.ports`.
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from punch_core.body import BodySpecs, Experience, Stance
    from punch_core.detection import DetectionResult, detect_stamps
    from punch_core.detection.confidence import COACH_MIN_CONFIDENCE, trusted
    from punch_core.errors import PoseQualityError, PunchError, TrackFormatError
    from punch_core.formats import read_track, track_from_landmarks_csv, track_from_npz_bytes, track_to_npz_bytes
    from punch_core.kinematics import Kinematics, compute_kinematics
    from punch_core.landmarks import Landmark
    from punch_core.metrics import compute_metrics
    from punch_core.report import RoundAnalysis, analyse_round, analyse_track
    from punch_core.stamps import Category, Hand, Side, Stamp, StampKind
    from punch_core.track import PoseTrack

# Each name loads its module when first used (PEP 562): the analysis engine pulls in scipy.signal (about 60 MB and
# a second to import), which a process that only needs ``punch_core.body`` or ``punch_core.subject`` (a pose
# worker, ``punch --help``) should not pay for.
_WHERE = {
    "BodySpecs": "punch_core.body",
    "Experience": "punch_core.body",
    "Stance": "punch_core.body",
    "DetectionResult": "punch_core.detection",
    "detect_stamps": "punch_core.detection",
    "COACH_MIN_CONFIDENCE": "punch_core.detection.confidence",
    "trusted": "punch_core.detection.confidence",
    "PoseQualityError": "punch_core.errors",
    "PunchError": "punch_core.errors",
    "TrackFormatError": "punch_core.errors",
    "read_track": "punch_core.formats",
    "track_from_landmarks_csv": "punch_core.formats",
    "track_from_npz_bytes": "punch_core.formats",
    "track_to_npz_bytes": "punch_core.formats",
    "Kinematics": "punch_core.kinematics",
    "compute_kinematics": "punch_core.kinematics",
    "Landmark": "punch_core.landmarks",
    "compute_metrics": "punch_core.metrics",
    "RoundAnalysis": "punch_core.report",
    "analyse_round": "punch_core.report",
    "analyse_track": "punch_core.report",
    "Category": "punch_core.stamps",
    "Hand": "punch_core.stamps",
    "Side": "punch_core.stamps",
    "Stamp": "punch_core.stamps",
    "StampKind": "punch_core.stamps",
    "PoseTrack": "punch_core.track",
}


if not TYPE_CHECKING:  # type checkers read the imports above, and still flag a name that is not here

    def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the name is
        module = _WHERE.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        elif not name.startswith("_") and importlib.util.find_spec(f"punch_core.{name}") is not None:
            # A submodule (``punch_core.report.analyse_round`` after ``import punch_core``), as when the front
            # door imported them all.
            value = importlib.import_module(f"punch_core.{name}")
        else:
            raise AttributeError(f"module 'punch_core' has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *_WHERE])


__all__ = [
    "COACH_MIN_CONFIDENCE",
    "BodySpecs",
    "Category",
    "DetectionResult",
    "Experience",
    "Hand",
    "Kinematics",
    "Landmark",
    "PoseQualityError",
    "PoseTrack",
    "PunchError",
    "RoundAnalysis",
    "Side",
    "Stamp",
    "StampKind",
    "Stance",
    "TrackFormatError",
    "analyse_round",
    "analyse_track",
    "compute_kinematics",
    "compute_metrics",
    "detect_stamps",
    "read_track",
    "track_from_landmarks_csv",
    "track_from_npz_bytes",
    "track_to_npz_bytes",
    "trusted",
]
