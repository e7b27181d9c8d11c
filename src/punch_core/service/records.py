"""What the service stores: users, sign-in identities, refresh tokens, uploads, videos, analyses, share links.

Frozen records, changed with ``attrs.evolve``. Repositories (``punch_core.ports``) store and return them; every
time is timezone-aware UTC, every id a URL-safe string made by the ``IdGenerator`` port.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from punch_core.errors import ValidationError


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"times must be timezone-aware UTC, got naive {value.isoformat()}")
    return value


def _ranges(values: Any) -> tuple[tuple[int, int], ...]:  # noqa: ANN401 - any iterable of pairs
    return tuple((int(a), int(b)) for a, b in values)


def _stages(values: Any) -> tuple[Stage, ...]:  # noqa: ANN401 - any iterable of stage names
    return tuple(Stage(s) for s in values)


class UploadStatus(StrEnum):
    """Where an upload stands."""

    RECEIVING = "receiving"
    COMPLETE = "complete"
    REJECTED = "rejected"


class AnalysisStatus(StrEnum):
    """Where an analysis stands."""

    CREATED = "created"  # thumbnails queued or done; waiting for the subject and body specs
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Stage(StrEnum):
    """The processing stages, in order (:data:`PIPELINE`), and the overlay video, made on request.

    Each pipeline stage stores its output before the next starts. ``OVERLAY`` is no part of the analysis: it
    draws the skeleton and stamps of a completed report on its video, when the owner asks for it, and its
    failure is the overlay's, never the analysis's.
    """

    THUMBNAILS = "thumbnails"
    POSE = "pose"
    STAMPS = "stamps"
    COACHING = "coaching"
    REPORT = "report"
    OVERLAY = "overlay"

    @property
    def next(self) -> Stage | None:
        """The pipeline stage after this one (None after the report, and for the overlay)."""
        if self not in PIPELINE:
            return None
        index = PIPELINE.index(self)
        return PIPELINE[index + 1] if index + 1 < len(PIPELINE) else None

    @property
    def priority(self) -> int:
        """How soon a queued stage runs, 0 first: the user waits on thumbnails; coaching is the least urgent."""
        return _STAGE_PRIORITY[self]

    @property
    def percent_span(self) -> tuple[float, float]:
        """The share of the whole analysis (percent, start and end) this stage covers; thumbnails count their own."""
        return _STAGE_PERCENT[self]

    @property
    def waits_for_user(self) -> bool:
        """After this stage the analysis waits for the user (to pick the boxer and start) instead of going on."""
        return self is Stage.THUMBNAILS

    def job_id(self, analysis_id: str) -> str:
        """The id of this stage's job for one analysis, the same in every job queue (queuing it twice is one job)."""
        return f"{analysis_id}:{self.value}"


PIPELINE = (Stage.THUMBNAILS, Stage.POSE, Stage.STAMPS, Stage.COACHING, Stage.REPORT)
"""The stages of an analysis, in order."""

LOWEST_PRIORITY = 2
_STAGE_PRIORITY = {
    Stage.THUMBNAILS: 0,
    Stage.POSE: 1,
    Stage.STAMPS: 1,
    Stage.REPORT: 1,
    Stage.COACHING: 2,
    Stage.OVERLAY: 2,
}
_STAGE_PERCENT = {
    Stage.THUMBNAILS: (0.0, 100.0),
    Stage.POSE: (0.0, 85.0),
    Stage.STAMPS: (85.0, 90.0),
    Stage.COACHING: (90.0, 97.0),
    Stage.REPORT: (97.0, 100.0),
    Stage.OVERLAY: (0.0, 100.0),
}


@attrs.frozen(kw_only=True)
class User:
    """A boxer or coach with an account. ``email`` and ``name`` are PII (encrypted at rest by adapters that can)."""

    id: str
    email: str | None
    name: str | None
    created_at: datetime = attrs.field(converter=_utc)


@attrs.frozen(kw_only=True)
class Identity:
    """A sign-in identity: the provider (``google``, ``kakao``, ``local``) and its subject id for the user."""

    provider: str
    subject: str
    user_id: str


@attrs.frozen(kw_only=True)
class RefreshToken:
    """A refresh token, stored only as its hash. Tokens rotated from one sign-in share a ``family_id``."""

    token_hash: str
    user_id: str
    family_id: str
    created_at: datetime = attrs.field(converter=_utc)
    expires_at: datetime = attrs.field(converter=_utc)
    used_at: datetime | None = attrs.field(default=None, converter=_utc)
    revoked_at: datetime | None = attrs.field(default=None, converter=_utc)


@attrs.frozen(kw_only=True)
class Upload:
    """A resumable upload: the declared file and the byte ranges received so far (half-open, sorted, merged)."""

    id: str
    owner_id: str
    filename: str
    size_bytes: int
    content_type: str
    object_key: str
    created_at: datetime = attrs.field(converter=_utc)
    status: UploadStatus = attrs.field(default=UploadStatus.RECEIVING, converter=UploadStatus)
    received: tuple[tuple[int, int], ...] = attrs.field(default=(), converter=_ranges)
    error: str | None = None

    @property
    def received_offset(self) -> int:
        """Bytes received contiguously from the start: where a client resumes."""
        return self.received[0][1] if self.received and self.received[0][0] == 0 else 0

    def with_range(self, start: int, end: int) -> Upload:
        """This upload with bytes ``[start, end)`` recorded as received, merged into ``received``.

        Overlapping and adjacent ranges become one; recording a range twice, or an empty one, changes nothing.
        Repositories call this inside their transaction so that every adapter merges alike.

        Raises:
            ValidationError: if the range is not within ``0..size_bytes`` with ``start <= end``.
        """
        if not 0 <= start <= end <= self.size_bytes:
            raise ValidationError("byte range", (start, end), f"within 0-{self.size_bytes} with start <= end")
        if start == end:
            return self
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted((*self.received, (start, end))):
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return attrs.evolve(self, received=merged)


@attrs.frozen(kw_only=True)
class Video:
    """A validated video in the object store."""

    id: str
    owner_id: str
    object_key: str
    filename: str
    container: str
    duration_s: float
    fps: float
    width: int
    height: int
    size_bytes: int
    created_at: datetime = attrs.field(converter=_utc)


@attrs.frozen(kw_only=True)
class Analysis:
    """One analysis of one video.

    Attributes:
        status: Where it stands (:class:`AnalysisStatus`).
        stage: The stage running or last finished (None before the first).
        progress: Percent done of the whole analysis, 0-100.
        done_stages: Stages whose output is stored (a restarted worker resumes after the last of them).
        attempts: How many times processing was started.
        specs: The body specs (``BodySpecs`` fields), None until the user gives them.
        subject: The chosen box and time (``{"x","y","w","h","t_s"}``), None for automatic choice.
        language: Coaching language.
        error: A message for the user when ``status`` is failed.
    """

    id: str
    owner_id: str
    video_id: str
    created_at: datetime = attrs.field(converter=_utc)
    updated_at: datetime = attrs.field(converter=_utc)
    status: AnalysisStatus = attrs.field(default=AnalysisStatus.CREATED, converter=AnalysisStatus)
    stage: Stage | None = attrs.field(default=None, converter=attrs.converters.optional(Stage))
    progress: float = 0.0
    done_stages: tuple[Stage, ...] = attrs.field(default=(), converter=_stages)
    attempts: int = 0
    specs: dict[str, Any] | None = None
    subject: dict[str, float] | None = None
    language: str = "en"
    error: str | None = None
    finished_at: datetime | None = attrs.field(default=None, converter=_utc)


@attrs.frozen(kw_only=True)
class ShareLink:
    """A read-only link to a report: an 8-character base62 hash, optionally expiring, revocable."""

    hash: str
    analysis_id: str
    owner_id: str
    created_at: datetime = attrs.field(converter=_utc)
    expires_at: datetime | None = attrs.field(default=None, converter=_utc)
    revoked_at: datetime | None = attrs.field(default=None, converter=_utc)

    def is_active(self, now: datetime) -> bool:
        """Whether the link opens the report at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@attrs.frozen(kw_only=True)
class ReportSummary:
    """One row of the dashboard: enough to list a report and plot trends without loading it."""

    analysis_id: str
    created_at: datetime = attrs.field(converter=_utc)
    duration_s: float
    strikes_per_minute: float | None
    mean_hand_speed_mps: float | None
    guard_discipline: float | None
    strikes_total: int

    @classmethod
    def from_report(cls, analysis_id: str, created_at: datetime, report: dict[str, Any]) -> ReportSummary:
        """The summary of a report document (docs/formats.md)."""
        metrics = report.get("metrics", {})
        return cls(
            analysis_id=analysis_id,
            created_at=created_at,
            duration_s=float(report.get("video", {}).get("duration_s", 0.0)),
            strikes_per_minute=metrics.get("strikes_per_minute"),
            mean_hand_speed_mps=metrics.get("mean_hand_speed_mps"),
            guard_discipline=metrics.get("guard_discipline"),
            strikes_total=int(metrics.get("strikes_total", 0)),
        )
