"""An API on shipped in-memory adapters for HTTP tests, and signing in as a user without a provider."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs

from punch_adapters.auth.jwt_signer import JwtSigner
from punch_adapters.http.deps import ApiDeps, HttpConfig
from punch_adapters.http.security import ACCESS_COOKIE
from punch_adapters.inprocess.ids import SecretIds
from punch_adapters.inprocess.jobs import InProcessJobQueue
from punch_adapters.inprocess.progress import MemoryProgress
from punch_adapters.memory.metrics import MemoryMetrics
from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.pose.overlay import OverlayVideoWriter
from punch_adapters.storage import memory_store
from punch_core.coaching import OfflineCoach
from punch_core.service.processing import ProcessingPorts
from punch_core.service.records import Identity, Stage, User

TEST_JWT_KEY = "test-key-" + "x" * 40


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@attrs.define
class RecordingJobs:
    """Records queued stages (a real in-process queue whose handler only writes them down)."""

    queued: list[tuple[Stage, str]] = attrs.field(factory=list)

    async def handle(self, stage: Stage, analysis_id: str, attempt: int) -> float | None:
        self.queued.append((stage, analysis_id))
        return None


def make_deps(
    *,
    config: HttpConfig | None = None,
    source: Any = None,
    pose: Any = None,
    handler: Callable[..., Any] | None = None,
    **overrides: Any,
) -> tuple[ApiDeps, MemoryRepositories]:
    """ApiDeps on memory adapters; ``handler`` runs queued jobs (default: recorded, not run)."""
    repos = MemoryRepositories.create()
    store = memory_store()
    clock = SystemClock()
    queue = InProcessJobQueue(handler or RecordingJobs().handle)
    processing = ProcessingPorts(
        source=source,
        pose=pose,
        coach=OfflineCoach(),
        store=store,
        analyses=repos.analyses,
        videos=repos.videos,
        stamps=repos.stamps,
        reports=repos.reports,
        clock=clock,
        encode_jpeg=lambda frame: b"\xff\xd8jpeg",
        write_overlay=OverlayVideoWriter(source),
    )
    metrics = MemoryMetrics()
    deps = ApiDeps(
        users=repos.users,
        refresh_tokens=repos.refresh_tokens,
        uploads=repos.uploads,
        videos=repos.videos,
        analyses=repos.analyses,
        stamps=repos.stamps,
        reports=repos.reports,
        share_links=repos.share_links,
        store=store,
        queue=queue,
        progress=MemoryProgress(),
        metrics=metrics,
        clock=clock,
        ids=SecretIds(),
        signer=JwtSigner([TEST_JWT_KEY]),
        processing=processing,
        config=config or HttpConfig(),
        **overrides,
    )
    return deps, repos


def add_user(repos: MemoryRepositories, user_id: str, *, email: str | None = None) -> User:
    """A user with a local identity."""
    user = User(id=user_id, email=email or f"{user_id}@example.com", name=user_id, created_at=datetime.now(UTC))
    repos.users.add(user, Identity(provider="local", subject=user_id, user_id=user_id))
    return user


def access_cookie(deps: ApiDeps, user_id: str) -> dict[str, str]:
    """Cookies of a signed-in user (an access token signed directly, as the sign-in flow would)."""
    return {ACCESS_COOKIE: deps.signer.sign({"sub": user_id, "typ": "access"}, expires_in_s=900)}


def bearer(deps: ApiDeps, user_id: str) -> dict[str, str]:
    """An ``Authorization`` header of a signed-in user (for clients that act as several users)."""
    token = deps.signer.sign({"sub": user_id, "typ": "access"}, expires_in_s=900)
    return {"Authorization": f"Bearer {token}"}
