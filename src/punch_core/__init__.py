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
