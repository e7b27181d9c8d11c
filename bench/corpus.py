"""The labelled corpus: every clip in ../shared/media (holdout/ left out), its source (fold), its labels and its
cached pose track.

A *source* is a fold of the leave-one-source-out figures: clips that share a person, a camera and a setting, so
that nothing fitted on one of them says anything about how the detector does on the others. Labels live in
``bench/labels/<source>/<clip stem>.json`` (format: docs/formats.md, "Labels"); the media stay in ../shared.

Pose tracks are made once per clip (video -> thumbnails -> subject -> MediaPipe pose -> subject tracking, as
``punch analyze`` does, without the quality gate so a refused clip still has a track to look at) and cached under
``.bench_cache/corpus/<clip path>.npz``; ``python bench/corpus.py tracks`` makes the missing ones. The tracks are
made at one pose rate (``PUNCH_POSE_RATE``, issue 27): ``full`` (every frame, the default here: the training and
labelling tools read these) in ``corpus/``, ``adaptive`` in ``corpus-adaptive/`` (:func:`use_pose_rate`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs

from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.video import OpenCvFrameSource
from punch_core.formats import track_from_landmarks_csv, track_from_npz_bytes, track_to_npz_bytes
from punch_core.service.thumbnails import MAX_PEOPLE, auto_subject, count_people, make_thumbnails, parse_subject
from punch_core.subject import follow_subject
from punch_core.track import PoseTrack

ROOT = Path(__file__).resolve().parents[1]

MEDIA = ROOT.parent / "shared" / "media"
LABELS = ROOT / "bench" / "labels"
CACHE = ROOT / ".bench_cache" / "corpus"
POSE_RATES = ("full", "adaptive")
_pose_rate = ["full"]


def use_pose_rate(rate: str) -> None:
    """Make and read the cached tracks of this pose rate from now on (``full`` or ``adaptive``)."""
    if rate not in POSE_RATES:
        raise ValueError(f"pose rate {rate!r}: full or adaptive")
    _pose_rate[0] = rate


def cache_dir() -> Path:
    """Where the tracks of the current pose rate are cached."""
    return CACHE if _pose_rate[0] == "full" else CACHE.with_name(f"corpus-{_pose_rate[0]}")


VIDEO_SUFFIXES = {".mp4", ".mov"}
LABELS_FORMAT = "punch-labels"
LABELS_VERSION = 1
THAI_FRAME_SIZE = (1280, 720)
"""The thai-boxing landmark files give no frame size; landscape 16:9 fits the body proportions best (shared/)."""
SHADOWCOACH_FRAME_SIZE = (464, 832)


@attrs.frozen(kw_only=True)
class Clip:
    """One clip of the corpus.

    Attributes:
        path: The clip's path relative to ../shared/media (``compubox/jab_cross.mp4``), as label files name it.
        source: Its fold (``shadowcoach-jab``, ``abt-session1``, ``thai-boxing`` ...).
    """

    path: str
    source: str

    @property
    def media(self) -> Path:
        """The clip's file in ../shared/media."""
        return MEDIA / self.path

    @property
    def is_video(self) -> bool:
        """A video (else a landmarks CSV)."""
        return Path(self.path).suffix.lower() in VIDEO_SUFFIXES

    @property
    def label_file(self) -> Path:
        """Where its labels live."""
        return LABELS / self.source / f"{Path(self.path).stem}.json"

    @property
    def track_file(self) -> Path:
        """Where its pose track is cached."""
        return cache_dir() / f"{self.path}.npz"

    @property
    def subject_file(self) -> Path:
        """Beside the cached track: the ``--subject`` it was made with (a changed label remakes the track)."""
        return cache_dir() / f"{self.path}.subject"


def source_of(path: str) -> str:
    """The fold a clip (path relative to ../shared/media) belongs to."""
    parts = Path(path).parts
    folder = parts[0]
    if folder == "shadowcoach":
        return f"shadowcoach-{parts[1]}"
    if folder == "ai-boxing-trainer":
        return f"abt-{Path(path).stem}"
    if folder == "hard":
        return f"hard-{Path(path).stem}"
    return folder


def clips() -> list[Clip]:
    """Every clip the corpus labels: all videos outside holdout/, and the thai-boxing landmark files (their videos
    are not available). The shadowcoach landmark files are the shadowcoach videos' poses at 15 fps: they share
    those clips' labels (see :func:`landmark_variants`)."""
    found: list[Clip] = []
    if not MEDIA.is_dir():
        return found
    for file in sorted(MEDIA.rglob("*")):
        rel = file.relative_to(MEDIA).as_posix()
        if rel.startswith(("holdout/", "shadowcoach/landmarks/")) or not file.is_file():
            continue
        if file.suffix.lower() in VIDEO_SUFFIXES or (rel.startswith("thai-boxing/") and rel.endswith(".csv")):
            found.append(Clip(path=rel, source=source_of(rel)))
    return found


def landmark_variants() -> Iterator[tuple[Clip, Path]]:
    """(video clip, its 15 fps landmarks CSV) for the shadowcoach clips."""
    folder = MEDIA / "shadowcoach" / "landmarks"
    for csv_file in sorted(folder.glob("*_landmarks.csv")):
        kind, _, stem = csv_file.name.removesuffix("_landmarks.csv").partition("_")
        path = f"shadowcoach/{kind}/{stem}.mp4"
        if (MEDIA / path).is_file():
            yield Clip(path=path, source=source_of(path)), csv_file


def subject_arg(clip: Clip) -> str:
    """The ``--subject`` of ``punch analyze`` for the clip's labelled boxer: ``auto`` or ``X,Y,W,H@T``.

    Only that field is read here; ``bench/labels.py`` checks the whole file.
    """
    if not clip.label_file.is_file():
        return "auto"
    doc = json.loads(clip.label_file.read_text(encoding="utf-8"))
    return str(doc.get("subject") or "auto") if isinstance(doc, dict) else "auto"


def read_track(clip: Clip) -> PoseTrack | None:
    """The clip's pose track: the cached one for a video, the file itself for a landmarks CSV."""
    if not clip.is_video:
        width, height = THAI_FRAME_SIZE
        return track_from_landmarks_csv(clip.media.read_text(encoding="utf-8"), width=width, height=height)
    if not clip.track_file.is_file():
        return None
    return track_from_npz_bytes(clip.track_file.read_bytes())


def make_track(clip: Clip, subject: str) -> PoseTrack:
    """Run pose on a video as ``punch analyze`` does (thumbnails, subject, pose, tracking), without the gate."""
    source = OpenCvFrameSource()
    info = source.probe(str(clip.media))
    with MediaPipePoseEstimator(rate=_pose_rate[0]) as pose:
        thumbs = make_thumbnails(source, pose, str(clip.media), info)
        choice = parse_subject(subject) or auto_subject(thumbs)
        max_people = 1 if count_people(thumbs) <= 1 else MAX_PEOPLE
        people = pose.people_track(str(clip.media), info, max_people=max_people)
    return follow_subject(people, choice).track


def _has_world(track_file: Path) -> bool:
    """A cached track made before world landmarks were kept (npz format 1) is made again."""
    with zipfile.ZipFile(track_file) as archive:
        return "world_landmarks.npy" in archive.namelist()


def ensure_tracks(selected: list[Clip], *, redo: bool = False, verbose: bool = True) -> list[str]:
    """Make every missing cached track (or all with ``redo``); returns the failures."""
    failures: list[str] = []
    made, started_all = 0, time.perf_counter()
    for clip in selected:
        if not clip.is_video:
            continue
        subject = subject_arg(clip)
        made_with = clip.subject_file.read_text().strip() if clip.subject_file.exists() else "auto"
        if clip.track_file.exists() and made_with == subject and not redo and _has_world(clip.track_file):
            continue
        started = time.perf_counter()
        try:
            track = make_track(clip, subject)
        except Exception as exc:
            failures.append(f"{clip.path}: {exc}")
            continue
        clip.track_file.parent.mkdir(parents=True, exist_ok=True)
        clip.track_file.write_bytes(track_to_npz_bytes(track))
        clip.subject_file.write_text(subject + "\n")
        made += 1
        if verbose:
            print(f"{clip.path}: {track.n_frames} frames in {time.perf_counter() - started:.1f} s", flush=True)
    if made:
        print(f"pose tracks made: {made} in {time.perf_counter() - started_all:.0f} s", flush=True)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    tracks = sub.add_parser("tracks", help="make the missing cached pose tracks")
    tracks.add_argument("--redo", action="store_true", help="make them all again")
    tracks.add_argument("--only", default="", help="only clips whose path contains this")
    tracks.add_argument("--pose-rate", choices=POSE_RATES, default="full", help="which frames get a pose")
    sub.add_parser("list", help="list the clips, their sources and whether they are labelled")
    args = parser.parse_args()
    if not MEDIA.is_dir():
        sys.exit(f"needs the clips in {MEDIA} (the ../shared folder beside the project)")
    if args.command == "list":
        for clip in clips():
            print(f"{clip.source:28} {clip.path:70} {'labelled' if clip.label_file.exists() else '-'}")
        return 0
    use_pose_rate(args.pose_rate)
    failures = ensure_tracks([c for c in clips() if args.only in c.path], redo=args.redo)
    for failure in failures:
        print(f"failed: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
