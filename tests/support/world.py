"""A small, complete world for HTTP tests: an owner with an analysed round (video, thumbnails, pose track,
report), a share link and an unfinished upload; and another user who owns nothing.

Ids: user ``owner`` and ``other``, analysis ``a1``, video ``v1``, share hash ``Abc12345``, upload ``u1``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np

from punch_core.formats import track_to_npz_bytes
from punch_core.ports.video import VideoInfo
from punch_core.service.artifacts import AnalysisArtifacts, ThumbnailEntry, ThumbnailIndex
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, ShareLink, Upload, Video
from punch_core.subject import PersonBox
from punch_core.track import PoseTrack
from tests.support.api import add_user

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
REPORT = {
    "schema_version": "1.0",
    "video": {"duration_s": 120.0},
    "quality": {"warnings": []},
    "body": {"height_cm": 175, "weight_kg": 70, "stance": "orthodox", "experience": "intermediate"},
    "stamps": [],
    "metrics": {"strikes_total": 0, "strikes_per_minute": 0.0, "guard_discipline": 0.9},
    "coaching": {"summary": "Keep the guard up.", "language": "en", "source": "offline"},
}


def seed(repos: Any, deps: Any) -> None:
    """Add the world to ``repos`` and ``deps.store``."""
    add_user(repos, "owner")
    add_user(repos, "other")
    repos.videos.add(
        Video(
            id="v1",
            owner_id="owner",
            object_key="videos/v1/source.mp4",
            filename="round.mp4",
            container="mp4",
            duration_s=120.0,
            fps=30.0,
            width=640,
            height=360,
            size_bytes=10,
            created_at=NOW,
        )
    )
    deps.store.put("videos/v1/source.mp4", b"video")
    repos.analyses.add(
        Analysis(
            id="a1",
            owner_id="owner",
            video_id="v1",
            created_at=NOW,
            updated_at=NOW,
            status=AnalysisStatus.COMPLETED,
            done_stages=PIPELINE,
            progress=100.0,
            specs={"height_cm": 175, "weight_kg": 70, "stance": "orthodox", "experience": "intermediate"},
        )
    )
    index = ThumbnailIndex(
        video=VideoInfo(
            container="mp4", duration_s=60.0, fps=30.0, width=640, height=360, rotation_deg=0, n_frames=1800
        ),
        thumbnails=(
            ThumbnailEntry(
                index=0,
                t_s=0.5,
                key=AnalysisArtifacts("a1").thumbnail(0),
                width=640,
                height=360,
                boxes=(PersonBox(x=1, y=2, w=3, h=4),),
            ),
        ),
    )
    deps.store.put(AnalysisArtifacts("a1").thumbnails_index, json.dumps(index.to_dict()).encode())
    deps.store.put(AnalysisArtifacts("a1").thumbnail(0), b"\xff\xd8jpeg")
    track = PoseTrack(t_s=np.array([0.0, 0.1]), landmarks=np.full((2, 33, 4), 0.5, np.float32), width=640, height=360)
    deps.store.put(AnalysisArtifacts("a1").pose_track, track_to_npz_bytes(track))
    repos.reports.save("a1", "owner", REPORT, created_at=NOW)
    # What the stamps stage stored (the report's parts): corrections and the overlay read it.
    round_doc = {k: REPORT[k] for k in ("video", "quality", "stamps", "metrics")}
    deps.store.put(AnalysisArtifacts("a1").round, json.dumps(round_doc).encode())
    repos.share_links.add(ShareLink(hash="Abc12345", analysis_id="a1", owner_id="owner", created_at=NOW))
    repos.uploads.add(
        Upload(
            id="u1",
            owner_id="owner",
            filename="round.mp4",
            size_bytes=1_000_000,
            content_type="video/mp4",
            object_key="uploads/u1",
            created_at=NOW,
        )
    )
