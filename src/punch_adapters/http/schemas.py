"""The shapes of the API's JSON requests and answers, as TypedDicts.

They document the OpenAPI schema (and so the web app's generated client) while the handlers return plain dicts.
Request bodies are checked against them before a handler runs (a field of the wrong JSON type is a 422 naming
it); every field is optional there, so the handler's own checks say what a missing or out-of-range field needs.
"""

from __future__ import annotations

from typing import Any, TypedDict


class StatusDoc(TypedDict):
    """Where an analysis stands (also each message of the live status streams)."""

    analysis_id: str
    status: str
    stage: str | None
    percent: float
    error: str | None
    done_stages: list[str]
    video_id: str
    specs: dict[str, Any] | None
    subject: dict[str, float] | None
    language: str
    created_at: str
    updated_at: str


class StatusList(TypedDict):
    """A page of analyses."""

    items: list[StatusDoc]
    limit: int
    offset: int


class BoxDoc(TypedDict):
    """A person's box on a thumbnail, in pixels of the upright frame."""

    x: float
    y: float
    w: float
    h: float
    score: float


class ThumbnailDoc(TypedDict):
    """One thumbnail and the people on it."""

    index: int
    t_s: float
    width: int
    height: int
    boxes: list[BoxDoc]
    url: str


class ThumbnailsDoc(TypedDict):
    """The thumbnails of an analysis and the video's facts."""

    video: dict[str, Any]
    thumbnails: list[ThumbnailDoc]


class StampDoc(TypedDict):
    """A punch, defensive move or guard fault (docs/formats.md)."""

    kind: str
    category: str
    hand: str
    side: str | None
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    confidence: float
    peak_speed_mps: float | None
    features: dict[str, float | None]


class CoachingPointDoc(TypedDict):
    """A strength or improvement with the times that show it."""

    text: str
    evidence_t_s: list[float]


class DrillDoc(TypedDict):
    """A drill to practise."""

    name: str
    description: str


class CoachingDoc(TypedDict):
    """The coach's written advice."""

    source: str
    language: str
    model: str | None
    fallback_reason: str | None
    summary: str
    strengths: list[CoachingPointDoc]
    improvements: list[CoachingPointDoc]
    drills: list[DrillDoc]
    next_session_goal: str


class CorrectionsDoc(TypedDict, total=False):
    """What the boxer changed: stamps deleted, changed and added; whether the coaching predates it."""

    deleted: int
    changed: int
    added: int
    coaching_outdated: bool


class _PatternRequired(TypedDict):
    pattern: str
    count: int


class PatternDoc(_PatternRequired, total=False):
    """A combination pattern (``1-2``: jab, cross) with how often it came, its mean punch speed and where."""

    mean_speed_mps: float | None
    t_peak_s: list[float]


class CombinationsDoc(TypedDict):
    """Runs of strikes each within ``max_gap_s`` of the previous."""

    max_gap_s: float
    total: int
    strikes_in_combinations_share: float | None
    patterns: list[PatternDoc]


class _WorkRateRequired(TypedDict):
    t_start_s: float
    strikes: int


class WorkRateDoc(_WorkRateRequired, total=False):
    """Strikes in one 10 s bin, the time the boxer was seen in it and the rate per minute of that time."""

    seen_s: float
    strikes_per_minute: float | None


class RoundDoc(TypedDict):
    """One round of the video (split at rests) with its own figures."""

    index: int
    t_start_s: float
    t_end_s: float
    strikes: int
    strikes_per_minute: float | None
    mean_hand_speed_mps: float | None
    guard_discipline: float | None


class FatigueDoc(TypedDict):
    """The last third of the round against the first."""

    first_third_strikes_per_minute: float | None
    last_third_strikes_per_minute: float | None
    rate_change_pct: float | None
    first_third_mean_speed_mps: float | None
    last_third_mean_speed_mps: float | None
    speed_change_pct: float | None


class _MetricsRequired(TypedDict):
    duration_s: float
    counts: dict[str, int]
    strikes_total: int
    strikes_per_minute: float | None
    lead_share: float | None
    rear_share: float | None
    combinations: CombinationsDoc
    work_rate: list[WorkRateDoc]
    mean_hand_speed_mps: float | None
    peak_hand_speed_mps: float | None
    mean_return_to_guard_s: float | None
    guard_discipline: float | None
    guard_drops: int
    head_movements_per_minute: float | None
    active_time_s: float
    idle_time_s: float
    fatigue: FatigueDoc


class MetricsDoc(_MetricsRequired, total=False):
    """Every metric of a report (docs/formats.md); the fields here are absent from reports made before them."""

    seen_s: float | None
    rounds: list[RoundDoc]


class _ReportVideoRequired(TypedDict):
    duration_s: float
    fps: float
    width: int
    height: int
    n_frames: int


class ReportVideoDoc(_ReportVideoRequired, total=False):
    """The analysed video's facts; ``source`` (the file name) only in the owner's report."""

    container: str
    rotation_deg: int
    source: str
    people_max: int
    subject: dict[str, float] | None
    pose_frames: int


class _QualityRequired(TypedDict):
    pose_coverage: float
    mean_px_per_m: float | None
    warnings: list[str]


class QualityDoc(_QualityRequired, total=False):
    """How well the boxer was seen, and what the report leaves out."""

    lost_spans_s: list[list[float]]
    coach_min_confidence: float


class _BodyRequired(TypedDict):
    height_cm: float
    stance: str
    experience: str


class BodyDoc(_BodyRequired, total=False):
    """The boxer's body specs; ``weight_kg`` only in the owner's report."""

    weight_kg: float | None


class _ReportRequired(TypedDict):
    schema_version: str
    analysis_id: str
    video: ReportVideoDoc
    quality: QualityDoc
    body: BodyDoc
    stamps: list[StampDoc]
    metrics: MetricsDoc
    coaching: CoachingDoc


class ReportDoc(_ReportRequired, total=False):
    """A report (docs/formats.md); the corrections are there once the boxer corrected the stamps."""

    detected_stamps: list[StampDoc]
    corrections: CorrectionsDoc


class OverlayDoc(TypedDict):
    """Where the video with the skeleton and stamps drawn stands: ``POST`` asks for it, ``GET`` follows it.

    ``status`` is ``none`` (never asked for), ``queued``, ``rendering`` (``percent`` drawn so far), ``ready`` or
    ``failed`` (``error`` says why). ``outdated``: ready, but drawn before the stamps were corrected (ask again).
    ``url`` downloads it once ready.
    """

    status: str
    percent: float
    error: str | None
    outdated: bool
    size_bytes: int | None
    url: str | None


class ReportSummaryDoc(TypedDict):
    """One dashboard row."""

    analysis_id: str
    created_at: str
    duration_s: float
    strikes_total: int
    strikes_per_minute: float | None
    mean_hand_speed_mps: float | None
    guard_discipline: float | None


class ReportList(TypedDict):
    """A page of report summaries and how many there are."""

    items: list[ReportSummaryDoc]
    total: int
    limit: int
    offset: int


class ShareLinkDoc(TypedDict):
    """A share link."""

    hash: str
    url: str
    analysis_id: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    active: bool


class ShareLinkList(TypedDict):
    """Every link of a report."""

    items: list[ShareLinkDoc]


class PoseDoc(TypedDict):
    """The subject's pose track: per frame, 33 ``[x, y, visibility]`` (normalised 0-1), or null where lost."""

    fps: float
    width: int
    height: int
    t_s: list[float]
    landmarks: list[list[list[float]] | None]


class UploadDoc(TypedDict):
    """An upload: what a client needs to resume or follow it."""

    id: str
    filename: str
    content_type: str
    size_bytes: int
    received_offset: int
    status: str
    error: str | None
    chunk_size_hint: int
    max_chunk_bytes: int


class CompleteDoc(TypedDict):
    """A completed upload: the checked video and the analysis made for it."""

    video_id: str
    analysis_id: str
    duration_s: float
    container: str
    width: int
    height: int


class UserDoc(TypedDict):
    """The signed-in user."""

    id: str
    email: str | None
    name: str | None


class RefreshDoc(TypedDict):
    """A refreshed sign-in: the new access token (in its cookie) lasts this many seconds."""

    access_expires_in_s: int


# --- Request bodies ---


class UploadRequestBody(TypedDict, total=False):
    """Declare a video to upload (MP4, MOV or WebM)."""

    filename: str
    size_bytes: int
    content_type: str


class SubjectBody(TypedDict, total=False):
    """Pick yourself: a detected box (``thumbnail`` and ``box`` indexes) or your own box in pixels at ``t_s``."""

    thumbnail: int
    box: int
    x: float
    y: float
    w: float
    h: float
    t_s: float


class SpecsBody(TypedDict, total=False):
    """Body specs (numbers or numeric text, as a form sends them) and the coaching language."""

    height_cm: float | str
    weight_kg: float | str | None
    stance: str
    experience: str
    language: str


class ShareRequestBody(TypedDict, total=False):
    """A share link's lifetime: whole days 1-365 (``7`` or ``7.0``), or none for a link that lasts until revoked."""

    expires_in_days: float | None


class CoachingRequestBody(TypedDict, total=False):
    """Write the coaching again, in this language from now on (``en`` or ``ko``)."""

    language: str


class StampEditBody(TypedDict, total=False):
    """One stamp of a corrected list.

    ``detected`` is the index in ``detected_stamps`` (in ``stamps`` before the first correction) for a stamp the
    detector found, kept or changed; null for one the boxer adds.
    """

    detected: int | None
    kind: str
    hand: str
    side: str | None
    t_start_s: float
    t_peak_s: float
    t_end_s: float


class StampsBody(TypedDict):
    """The boxer's whole corrected list of stamps (a stamp left out is deleted)."""

    stamps: list[StampEditBody]
