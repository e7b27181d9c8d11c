"""In-memory repositories: every repository port held in dicts behind one lock.

These are real adapters (the embedded default without a database, and the fakes tests use instead of mocks), so
they keep the same contract as the SQL ones: copies in and out (a caller mutating a returned dict changes nothing
stored), the same errors, the same orderings, and cascading deletes. One :class:`MemoryStore` holds all state;
repositories built on the same store see each other's data, as tables in one database do.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from punch_core.errors import ConflictError, NotFoundError
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
from punch_core.service.records import (
    Analysis,
    AnalysisStatus,
    Identity,
    RefreshToken,
    ReportSummary,
    ShareLink,
    Upload,
    UploadStatus,
    User,
    Video,
)


@attrs.define(eq=False)
class _StoredReport:
    owner_id: str
    created_at: datetime
    document: dict[str, Any]
    summary: ReportSummary


@attrs.define(eq=False)
class MemoryStore:
    """The state every memory repository of one bundle shares, guarded by one lock.

    One lock for all of it keeps cross-repository steps (deleting an analysis with its stamps, report and links)
    atomic; contention does not matter at the scale an in-memory store serves.
    """

    lock: threading.Lock = attrs.field(factory=threading.Lock)
    users: dict[str, User] = attrs.field(factory=dict)
    identities: dict[tuple[str, str], Identity] = attrs.field(factory=dict)
    refresh_tokens: dict[str, RefreshToken] = attrs.field(factory=dict)
    uploads: dict[str, Upload] = attrs.field(factory=dict)
    videos: dict[str, Video] = attrs.field(factory=dict)
    analyses: dict[str, Analysis] = attrs.field(factory=dict)
    stamps: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    reports: dict[str, _StoredReport] = attrs.field(factory=dict)
    share_links: dict[str, ShareLink] = attrs.field(factory=dict)


def _newest_first(created_at: datetime, key: str) -> tuple[datetime, str]:
    # The id breaks ties the same way the SQL adapters' ORDER BY created_at DESC, id DESC does.
    return (created_at, key)


def _copy_analysis(analysis: Analysis) -> Analysis:
    return attrs.evolve(analysis, specs=copy.deepcopy(analysis.specs), subject=copy.deepcopy(analysis.subject))


class MemoryUserRepository(UserRepository):
    """Users and their sign-in identities, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, user: User, identity: Identity) -> None:
        """Store a new user with their first identity. Raises ``ConflictError`` if the id or identity exists."""
        s = self._store
        with s.lock:
            if user.id in s.users:
                raise ConflictError(f"a user with id {user.id!r} already exists")
            key = (identity.provider, identity.subject)
            if key in s.identities:
                raise ConflictError(f"this {identity.provider} account is already linked to a user")
            s.users[user.id] = user
            s.identities[key] = attrs.evolve(identity, user_id=user.id)

    def get(self, user_id: str) -> User:
        """One user. Raises ``NotFoundError``."""
        with self._store.lock:
            user = self._store.users.get(user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id!r}")
        return user

    def find_by_identity(self, provider: str, subject: str) -> User | None:
        """The user signed in with this provider and subject, if any."""
        s = self._store
        with s.lock:
            identity = s.identities.get((provider, subject))
            return None if identity is None else s.users.get(identity.user_id)

    def update(self, user: User) -> None:
        """Replace a user's fields (email, name). Raises ``NotFoundError``."""
        s = self._store
        with s.lock:
            stored = s.users.get(user.id)
            if stored is None:
                raise NotFoundError(f"no user with id {user.id!r}")
            s.users[user.id] = attrs.evolve(stored, email=user.email, name=user.name)

    def delete(self, user_id: str) -> None:
        """Remove a user with their identities and refresh tokens; missing is not an error."""
        s = self._store
        with s.lock:
            s.users.pop(user_id, None)
            for key in [k for k, identity in s.identities.items() if identity.user_id == user_id]:
                del s.identities[key]
            for token_hash in [h for h, token in s.refresh_tokens.items() if token.user_id == user_id]:
                del s.refresh_tokens[token_hash]


class MemoryRefreshTokenRepository(RefreshTokenRepository):
    """Refresh tokens by hash, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, token: RefreshToken) -> None:
        """Store a new token. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` if the user does not."""
        s = self._store
        with s.lock:
            if token.user_id not in s.users:
                raise NotFoundError(f"no user with id {token.user_id!r}")
            if token.token_hash in s.refresh_tokens:
                raise ConflictError("this refresh token already exists")
            s.refresh_tokens[token.token_hash] = token

    def get(self, token_hash: str) -> RefreshToken | None:
        """The token with this hash, if any."""
        with self._store.lock:
            return self._store.refresh_tokens.get(token_hash)

    def mark_used(self, token_hash: str, at: datetime) -> bool:
        """Mark a token used, atomically: True if this call did it, False if it was already used or revoked."""
        s = self._store
        with s.lock:
            token = s.refresh_tokens.get(token_hash)
            if token is None or token.used_at is not None or token.revoked_at is not None:
                return False
            s.refresh_tokens[token_hash] = attrs.evolve(token, used_at=at)
            return True

    def revoke_family(self, family_id: str, at: datetime) -> int:
        """Revoke every token of a family that is not yet revoked; returns how many."""
        return self._revoke_where(lambda token: token.family_id == family_id, at)

    def revoke_user(self, user_id: str, at: datetime) -> int:
        """Revoke every token of a user that is not yet revoked; returns how many."""
        return self._revoke_where(lambda token: token.user_id == user_id, at)

    def family_revoked(self, family_id: str) -> bool:
        """Whether a token of the family was revoked (sign-out, reuse, account removal)."""
        with self._store.lock:
            return any(
                t.family_id == family_id and t.revoked_at is not None for t in self._store.refresh_tokens.values()
            )

    def _revoke_where(self, matches: Callable[[RefreshToken], bool], at: datetime) -> int:
        s = self._store
        with s.lock:
            hashes = [h for h, t in s.refresh_tokens.items() if t.revoked_at is None and matches(t)]
            for token_hash in hashes:
                s.refresh_tokens[token_hash] = attrs.evolve(s.refresh_tokens[token_hash], revoked_at=at)
            return len(hashes)


class MemoryUploadRepository(UploadRepository):
    """Resumable uploads and their received byte ranges, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, upload: Upload) -> None:
        """Store a new upload. Raises ``ConflictError`` if the id exists."""
        s = self._store
        with s.lock:
            if upload.id in s.uploads:
                raise ConflictError(f"an upload with id {upload.id!r} already exists")
            s.uploads[upload.id] = upload

    def get(self, upload_id: str, *, owner_id: str) -> Upload:
        """One upload of this owner. Raises ``NotFoundError`` (also for another owner's id)."""
        with self._store.lock:
            upload = self._store.uploads.get(upload_id)
        if upload is None or upload.owner_id != owner_id:
            raise NotFoundError(f"no upload with id {upload_id!r}")
        return upload

    def add_range(self, upload_id: str, start: int, end: int) -> Upload:
        """Record bytes ``[start, end)`` as received, merged with the others; returns the upload.

        Raises:
            NotFoundError: if the upload does not exist.
            ValidationError: if the range is outside the declared size.
        """
        s = self._store
        with s.lock:
            upload = s.uploads.get(upload_id)
            if upload is None:
                raise NotFoundError(f"no upload with id {upload_id!r}")
            updated = upload.with_range(start, end)
            s.uploads[upload_id] = updated
            return updated

    def set_status(self, upload_id: str, status: UploadStatus, *, error: str | None = None) -> None:
        """Change the status (and the error message). Raises ``NotFoundError``."""
        s = self._store
        with s.lock:
            upload = s.uploads.get(upload_id)
            if upload is None:
                raise NotFoundError(f"no upload with id {upload_id!r}")
            s.uploads[upload_id] = attrs.evolve(upload, status=status, error=error)

    def receiving_bytes(self, owner_id: str) -> int:
        """The declared sizes of the owner's uploads still receiving, added up."""
        with self._store.lock:
            uploads = list(self._store.uploads.values())
        return sum(u.size_bytes for u in uploads if u.owner_id == owner_id and u.status is UploadStatus.RECEIVING)

    def stale(self, *, started_before: datetime, limit: int) -> list[Upload]:
        """Up to ``limit`` uploads still receiving that were started before ``started_before``, oldest first."""
        with self._store.lock:
            uploads = list(self._store.uploads.values())
        old = [u for u in uploads if u.status is UploadStatus.RECEIVING and u.created_at < started_before]
        return sorted(old, key=lambda u: (u.created_at, u.id))[:limit]

    def delete(self, upload_id: str) -> None:
        """Remove an upload; missing is not an error."""
        with self._store.lock:
            self._store.uploads.pop(upload_id, None)


class MemoryVideoRepository(VideoRepository):
    """Validated videos, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, video: Video) -> None:
        """Store a new video. Raises ``ConflictError`` if the id exists."""
        s = self._store
        with s.lock:
            if video.id in s.videos:
                raise ConflictError(f"a video with id {video.id!r} already exists")
            s.videos[video.id] = video

    def total_bytes(self, owner_id: str) -> int:
        """The sizes of the owner's videos, added up."""
        with self._store.lock:
            return sum(v.size_bytes for v in self._store.videos.values() if v.owner_id == owner_id)

    def get(self, video_id: str, *, owner_id: str | None = None) -> Video:
        """One video (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        with self._store.lock:
            video = self._store.videos.get(video_id)
        if video is None or (owner_id is not None and video.owner_id != owner_id):
            raise NotFoundError(f"no video with id {video_id!r}")
        return video

    def delete(self, video_id: str) -> None:
        """Remove a video record; missing is not an error."""
        with self._store.lock:
            self._store.videos.pop(video_id, None)


class MemoryAnalysisRepository(AnalysisRepository):
    """Analyses and their processing state, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, analysis: Analysis) -> None:
        """Store a new analysis. Raises ``ConflictError`` if the id exists."""
        s = self._store
        with s.lock:
            if analysis.id in s.analyses:
                raise ConflictError(f"an analysis with id {analysis.id!r} already exists")
            s.analyses[analysis.id] = _copy_analysis(analysis)

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> Analysis:
        """One analysis (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        with self._store.lock:
            analysis = self._store.analyses.get(analysis_id)
            if analysis is None or (owner_id is not None and analysis.owner_id != owner_id):
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            return _copy_analysis(analysis)

    def save(self, analysis: Analysis) -> None:
        """Replace an analysis's fields. Raises ``NotFoundError``."""
        s = self._store
        with s.lock:
            if analysis.id not in s.analyses:
                raise NotFoundError(f"no analysis with id {analysis.id!r}")
            s.analyses[analysis.id] = _copy_analysis(analysis)

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Analysis]:
        """This owner's analyses, newest first (ties broken by id, descending)."""
        with self._store.lock:
            mine = [a for a in self._store.analyses.values() if a.owner_id == owner_id]
            mine.sort(key=lambda a: _newest_first(a.created_at, a.id), reverse=True)
            return [_copy_analysis(a) for a in mine[offset : offset + limit]]

    def patch(self, analysis_id: str, **fields: Any) -> Analysis:  # noqa: ANN401 - record fields of any type
        """Change only these fields under the store's lock."""
        s = self._store
        with s.lock:
            current = s.analyses.get(analysis_id)
            if current is None:
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            updated = attrs.evolve(current, **fields)
            s.analyses[analysis_id] = _copy_analysis(updated)
            return _copy_analysis(updated)

    def list_unfinished(self, *, limit: int = 1000) -> list[Analysis]:
        """Analyses that are created, queued or running, oldest first."""
        unfinished = (AnalysisStatus.CREATED, AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)
        with self._store.lock:
            found = [a for a in self._store.analyses.values() if a.status in unfinished]
            found.sort(key=lambda a: (a.created_at, a.id))
            return [_copy_analysis(a) for a in found[:limit]]

    def delete(self, analysis_id: str) -> None:
        """Remove an analysis with its stamps, report and share links; missing is not an error."""
        s = self._store
        with s.lock:
            s.analyses.pop(analysis_id, None)
            s.stamps.pop(analysis_id, None)
            s.reports.pop(analysis_id, None)
            for share_hash in [h for h, link in s.share_links.items() if link.analysis_id == analysis_id]:
                del s.share_links[share_hash]


class MemoryStampRepository(StampRepository):
    """The stamps of each analysis, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def replace(self, analysis_id: str, stamps: Sequence[Mapping[str, Any]]) -> None:
        """Store the stamps of an analysis, replacing any before. Raises ``NotFoundError`` for a missing analysis."""
        rows = [copy.deepcopy(dict(stamp)) for stamp in stamps]
        # A stable sort keeps the given order among stamps that start together, as the SQL position column does.
        rows.sort(key=lambda stamp: float(stamp.get("t_start_s", 0.0)))
        s = self._store
        with s.lock:
            if analysis_id not in s.analyses:
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            s.stamps[analysis_id] = rows

    def list(self, analysis_id: str) -> list[dict[str, Any]]:
        """The stamps of an analysis in time order (empty if none)."""
        with self._store.lock:
            return copy.deepcopy(self._store.stamps.get(analysis_id, []))


class MemoryReportRepository(ReportRepository):
    """Report documents, one per analysis, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def save(self, analysis_id: str, owner_id: str, report: Mapping[str, Any], *, created_at: datetime) -> None:
        """Store (replace) the report of an analysis. Raises ``NotFoundError`` if the analysis does not exist."""
        document = copy.deepcopy(dict(report))
        summary = ReportSummary.from_report(analysis_id, created_at, document)
        s = self._store
        with s.lock:
            if analysis_id not in s.analyses:
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            s.reports[analysis_id] = _StoredReport(
                owner_id=owner_id, created_at=created_at, document=document, summary=summary
            )

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> dict[str, Any]:
        """The report (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        with self._store.lock:
            stored = self._store.reports.get(analysis_id)
            if stored is None or (owner_id is not None and stored.owner_id != owner_id):
                raise NotFoundError(f"no report for analysis {analysis_id!r}")
            return copy.deepcopy(stored.document)

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[ReportSummary]:
        """This owner's report summaries, newest first (ties broken by analysis id, descending)."""
        with self._store.lock:
            mine = [r.summary for r in self._store.reports.values() if r.owner_id == owner_id]
        mine.sort(key=lambda r: _newest_first(r.created_at, r.analysis_id), reverse=True)
        return mine[offset : offset + limit]

    def count_for_owner(self, owner_id: str) -> int:
        """How many reports this owner has."""
        with self._store.lock:
            return sum(1 for r in self._store.reports.values() if r.owner_id == owner_id)


class MemoryShareLinkRepository(ShareLinkRepository):
    """Share links of reports, in memory."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store if store is not None else MemoryStore()

    def add(self, link: ShareLink) -> None:
        """Store a new link. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` for a missing analysis."""
        s = self._store
        with s.lock:
            if link.analysis_id not in s.analyses:
                raise NotFoundError(f"no analysis with id {link.analysis_id!r}")
            if link.hash in s.share_links:
                raise ConflictError(f"a share link {link.hash!r} already exists")
            s.share_links[link.hash] = link

    def get(self, share_hash: str) -> ShareLink | None:
        """The link with this hash, active or not, if any."""
        with self._store.lock:
            return self._store.share_links.get(share_hash)

    def list_for_analysis(self, analysis_id: str) -> list[ShareLink]:
        """Every link of an analysis, newest first (ties broken by hash, descending)."""
        with self._store.lock:
            links = [link for link in self._store.share_links.values() if link.analysis_id == analysis_id]
        links.sort(key=lambda link: _newest_first(link.created_at, link.hash), reverse=True)
        return links

    def revoke(self, share_hash: str, at: datetime) -> None:
        """Revoke a link (revoking twice keeps the first time). Raises ``NotFoundError``."""
        s = self._store
        with s.lock:
            link = s.share_links.get(share_hash)
            if link is None:
                raise NotFoundError(f"no share link {share_hash!r}")
            if link.revoked_at is None:
                s.share_links[share_hash] = attrs.evolve(link, revoked_at=at)


@attrs.frozen(kw_only=True)
class MemoryRepositories:
    """One of each memory repository, sharing one :class:`MemoryStore` (build with :meth:`create`)."""

    store: MemoryStore
    users: MemoryUserRepository
    refresh_tokens: MemoryRefreshTokenRepository
    uploads: MemoryUploadRepository
    videos: MemoryVideoRepository
    analyses: MemoryAnalysisRepository
    stamps: MemoryStampRepository
    reports: MemoryReportRepository
    share_links: MemoryShareLinkRepository

    @classmethod
    def create(cls, store: MemoryStore | None = None) -> MemoryRepositories:
        """A bundle over ``store`` (a new, empty one by default)."""
        shared = store if store is not None else MemoryStore()
        return cls(
            store=shared,
            users=MemoryUserRepository(shared),
            refresh_tokens=MemoryRefreshTokenRepository(shared),
            uploads=MemoryUploadRepository(shared),
            videos=MemoryVideoRepository(shared),
            analyses=MemoryAnalysisRepository(shared),
            stamps=MemoryStampRepository(shared),
            reports=MemoryReportRepository(shared),
            share_links=MemoryShareLinkRepository(shared),
        )
