"""What the HTTP adapter needs from the rest of the system: ports and settings, given by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs

from punch_adapters.http.media_cache import MediaCache
from punch_core.ports.identity import IdentityProvider, TokenSigner
from punch_core.ports.jobs import JobQueue, ProgressSink
from punch_core.ports.metrics import Metrics
from punch_core.ports.repositories import (
    AnalysisRepository,
    RefreshTokenRepository,
    ReportRepository,
    ShareLinkRepository,
    StampRepository,
    UploadRepository,
    UserRepository,
    VideoRepository,
)
from punch_core.ports.scan import MalwareScanner
from punch_core.ports.storage import ObjectStore
from punch_core.ports.system import Clock, IdGenerator
from punch_core.service.processing import ProcessingPorts

ACCESS_TOKEN_TTL_S = 15 * 60
REFRESH_TOKEN_TTL_S = 7 * 24 * 3600
MAX_UPLOAD_BYTES = 500 * 1024 * 1024


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback_url(url: str) -> bool:
    """Whether the URL's host is this machine's loopback (exactly; ``localhost.example.com`` is not)."""
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


@attrs.frozen(kw_only=True)
class HttpConfig:
    """Deployment facts the API needs.

    Attributes:
        public_url: Where users reach the app (``http://127.0.0.1:8000``); OAuth redirect URIs and share links
            are built from it. Cookies are ``Secure`` unless it is plain http on localhost.
        local_login: Whether the one-account local login is offered (the embedded default; never in production).
        uploads_per_hour: Upload initiations allowed per user per hour.
        coaching_runs_per_hour: Coaching re-runs allowed per user per hour (each is a paid LLM call in production).
        overlays_per_hour: Overlay videos (skeleton and stamps drawn) a user may have made per hour (each decodes
            and encodes the whole video on a worker).
        api_calls_per_minute: API calls allowed per user (or per address for anonymous calls) per minute; a
            WebSocket handshake counts as one.
        live_views_per_user: Live status views (WebSockets and event streams) one user may hold open at once in
            one server process.
        share_lookups_per_minute: Anonymous share-hash lookups allowed per address per minute (guessing).
        max_upload_bytes: Largest accepted upload.
        storage_quota_bytes: Most bytes one user may keep (videos and unfinished uploads).
        min_duration_s: Shortest accepted video.
        max_duration_s: Longest accepted video.
        frontend_dir: A built web app to serve at ``/`` (``index.html`` for every unknown non-API path), if any.
        media_origin: Set when browsers read videos straight from the object store (``PUNCH_MEDIA_DIRECT``): the
            store's origin (``https://bucket.s3.eu-west-1.amazonaws.com``), which the content security policy
            lets videos play from. The video routes then check access and redirect to a signed URL.
    """

    public_url: str = "http://127.0.0.1:8000"
    local_login: bool = False
    uploads_per_hour: int = 5
    coaching_runs_per_hour: int = 5
    overlays_per_hour: int = 10
    api_calls_per_minute: int = 100
    live_views_per_user: int = 8
    share_lookups_per_minute: int = 30
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    storage_quota_bytes: int = 10 * 1024 * 1024 * 1024
    min_duration_s: float = 60.0
    max_duration_s: float = 180.0
    frontend_dir: str | None = None
    media_origin: str | None = None

    @property
    def secure_cookies(self) -> bool:
        """``Secure`` cookies everywhere except plain http on the local machine."""
        return not (urlsplit(self.public_url).scheme == "http" and is_loopback_url(self.public_url))


@attrs.frozen(kw_only=True)
class ApiDeps:
    """Every port the routes use. ``processing`` holds the ports the stage use cases take."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    uploads: UploadRepository
    videos: VideoRepository
    analyses: AnalysisRepository
    stamps: StampRepository
    reports: ReportRepository
    share_links: ShareLinkRepository
    store: ObjectStore
    queue: JobQueue
    progress: ProgressSink
    metrics: Metrics
    clock: Clock
    ids: IdGenerator
    signer: TokenSigner
    processing: ProcessingPorts
    providers: Mapping[str, IdentityProvider] = attrs.field(factory=dict)
    rate_limit_store: Any = None
    """A ``litestar.stores.base.Store`` for rate-limit counters (Redis in production; memory when None)."""
    metrics_exposition: Callable[[], bytes] | None = None
    """The Prometheus text for ``/metrics``."""
    report_page: Callable[[Mapping[str, Any], Sequence[tuple[float, bytes]]], str] | None = None
    """Renders a report as a self-contained HTML page (the shared page without the web app)."""
    scanner: MalwareScanner | None = None
    """Scans every completed upload before it is decoded; None = not scanned (the embedded default only)."""
    config: HttpConfig = attrs.field(factory=HttpConfig)
    media_cache: MediaCache = attrs.field(factory=MediaCache)
    """This process's memory of pose views and video sizes (immutable once written)."""
