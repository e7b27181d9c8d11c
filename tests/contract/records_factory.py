"""Records for repository contract tests: valid defaults, any field overridable, fixed tz-aware times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from punch_core.service.records import Analysis, Identity, RefreshToken, ShareLink, Stage, Upload, User, Video

# Microseconds on purpose: time round trips must keep them.
T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``T0`` plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def user(user_id: str = "u1", **changes: Any) -> User:
    fields: dict[str, Any] = {"id": user_id, "email": f"{user_id}@example.com", "name": "Ali", "created_at": T0}
    return User(**(fields | changes))


def identity(user_id: str = "u1", *, provider: str = "google", subject: str | None = None) -> Identity:
    return Identity(provider=provider, subject=subject or f"sub-{user_id}", user_id=user_id)


def refresh_token(
    token_hash: str = "h1",  # noqa: S107 - a made-up hash, not a password
    *,
    user_id: str = "u1",
    family_id: str = "f1",
    **changes: Any,
) -> RefreshToken:
    fields: dict[str, Any] = {
        "token_hash": token_hash,
        "user_id": user_id,
        "family_id": family_id,
        "created_at": T0,
        "expires_at": at(30 * 86400),
    }
    return RefreshToken(**(fields | changes))


def upload(upload_id: str = "up1", *, owner_id: str = "u1", size_bytes: int = 1000, **changes: Any) -> Upload:
    fields: dict[str, Any] = {
        "id": upload_id,
        "owner_id": owner_id,
        "filename": "sparring round 1.mp4",
        "size_bytes": size_bytes,
        "content_type": "video/mp4",
        "object_key": f"uploads/{upload_id}/source.mp4",
        "created_at": T0,
    }
    return Upload(**(fields | changes))


def video(video_id: str = "v1", *, owner_id: str = "u1", **changes: Any) -> Video:
    fields: dict[str, Any] = {
        "id": video_id,
        "owner_id": owner_id,
        "object_key": f"videos/{video_id}/source.mp4",
        "filename": "sparring.mp4",
        "container": "mp4",
        "duration_s": 183.25,
        "fps": 29.97,
        "width": 1920,
        "height": 1080,
        "size_bytes": 5_000_000_000,  # past 2**31: the column must be 64-bit
        "created_at": T0,
    }
    return Video(**(fields | changes))


def analysis(analysis_id: str = "a1", *, owner_id: str = "u1", created_at: datetime = T0, **changes: Any) -> Analysis:
    fields: dict[str, Any] = {
        "id": analysis_id,
        "owner_id": owner_id,
        "video_id": "v1",
        "created_at": created_at,
        "updated_at": created_at,
    }
    return Analysis(**(fields | changes))


def full_analysis(analysis_id: str = "a1") -> Analysis:
    """An analysis with every optional field set."""
    return analysis(
        analysis_id,
        status="running",
        stage=Stage.STAMPS,
        progress=42.5,
        done_stages=(Stage.THUMBNAILS, Stage.POSE),
        attempts=2,
        specs={"height_cm": 178.0, "weight_kg": 72.5, "stance": "orthodox", "notes": {"southpaw_drills": [1, 2]}},
        subject={"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.6, "t_s": 12.5},
        language="ko",
        error=None,
        finished_at=at(3600),
    )


def share_link(share_hash: str = "Ab3dE6gH", *, analysis_id: str = "a1", **changes: Any) -> ShareLink:
    fields: dict[str, Any] = {"hash": share_hash, "analysis_id": analysis_id, "owner_id": "u1", "created_at": T0}
    return ShareLink(**(fields | changes))


def stamp(t_start_s: float, kind: str = "jab", **changes: Any) -> dict[str, Any]:
    """A stamp in ``Stamp.to_dict`` form."""
    fields: dict[str, Any] = {
        "kind": kind,
        "category": "strike",
        "hand": "lead",
        "side": None,
        "t_start_s": t_start_s,
        "t_peak_s": t_start_s + 0.1,
        "t_end_s": t_start_s + 0.3,
        "confidence": 0.91,
        "peak_speed_mps": 7.25,
        "features": {"extension": 0.93, "lost": None},
    }
    return fields | changes


def report(*, duration_s: float = 180.0, strikes_total: int = 42, spm: float | None = 14.0) -> dict[str, Any]:
    """A report document with the parts ``ReportSummary.from_report`` reads."""
    return {
        "format": "punch-report/1",
        "video": {"duration_s": duration_s, "fps": 30.0},
        "metrics": {
            "strikes_per_minute": spm,
            "mean_hand_speed_mps": 6.5,
            "guard_discipline": None,
            "strikes_total": strikes_total,
        },
        "stamps": [stamp(1.0)],
        "coaching": {"summary": "좋은 잽", "points": []},
    }
