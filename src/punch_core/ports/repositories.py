"""Where the service's records live (SQL in production, memory in tests): one repository per record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from punch_core.service.records import (
        Analysis,
        Identity,
        RefreshToken,
        ReportSummary,
        ShareLink,
        Upload,
        UploadStatus,
        User,
        Video,
    )


class UserRepository(Protocol):
    """Users and their sign-in identities."""

    def add(self, user: User, identity: Identity) -> None:
        """Store a new user with their first identity. Raises ``ConflictError`` if the id or identity exists."""
        ...

    def get(self, user_id: str) -> User:
        """One user. Raises ``NotFoundError``."""
        ...

    def find_by_identity(self, provider: str, subject: str) -> User | None:
        """The user signed in with this provider and subject, if any."""
        ...

    def update(self, user: User) -> None:
        """Replace a user's fields (email, name). Raises ``NotFoundError``."""
        ...

    def delete(self, user_id: str) -> None:
        """Remove a user with their identities and refresh tokens; missing is not an error."""
        ...


class RefreshTokenRepository(Protocol):
    """Refresh tokens, by hash (the token itself is never stored)."""

    def add(self, token: RefreshToken) -> None:
        """Store a new token. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` if the user does not."""
        ...

    def get(self, token_hash: str) -> RefreshToken | None:
        """The token with this hash, if any."""
        ...

    def mark_used(self, token_hash: str, at: datetime) -> bool:
        """Mark a token used, atomically: True if this call did it, False if it was already used or revoked.

        Two concurrent refreshes with one token: exactly one gets True (the other is a reuse).
        """
        ...

    def revoke_family(self, family_id: str, at: datetime) -> int:
        """Revoke every token of a family that is not yet revoked; returns how many."""
        ...

    def revoke_user(self, user_id: str, at: datetime) -> int:
        """Revoke every token of a user that is not yet revoked; returns how many."""
        ...

    def family_revoked(self, family_id: str) -> bool:
        """Whether a sign-in has ended: a token of the family was revoked (sign-out, reuse, account removal)."""
        ...


class UploadRepository(Protocol):
    """Resumable uploads and the byte ranges received."""

    def add(self, upload: Upload) -> None:
        """Store a new upload. Raises ``ConflictError`` if the id exists."""
        ...

    def get(self, upload_id: str, *, owner_id: str) -> Upload:
        """One upload of this owner. Raises ``NotFoundError`` (also for another owner's id)."""
        ...

    def add_range(self, upload_id: str, start: int, end: int) -> Upload:
        """Record bytes ``[start, end)`` as received (merged with the others, atomically); returns the upload.

        Recording a range twice is harmless. Raises ``NotFoundError``, or ``ValidationError`` for a range outside
        ``0..size_bytes`` (``Upload.with_range``).
        """
        ...

    def set_status(self, upload_id: str, status: UploadStatus, *, error: str | None = None) -> None:
        """Change the status. Raises ``NotFoundError``."""
        ...

    def receiving_bytes(self, owner_id: str) -> int:
        """The declared sizes of the owner's uploads still receiving, added up."""
        ...

    def stale(self, *, started_before: datetime, limit: int) -> list[Upload]:
        """Up to ``limit`` uploads still receiving that were started before ``started_before``, oldest first."""
        ...

    def delete(self, upload_id: str) -> None:
        """Remove an upload; missing is not an error."""
        ...


class VideoRepository(Protocol):
    """Validated videos."""

    def add(self, video: Video) -> None:
        """Store a new video. Raises ``ConflictError`` if the id exists."""
        ...

    def total_bytes(self, owner_id: str) -> int:
        """The sizes of the owner's videos, added up."""
        ...

    def get(self, video_id: str, *, owner_id: str | None = None) -> Video:
        """One video (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        ...

    def delete(self, video_id: str) -> None:
        """Remove a video record; missing is not an error."""
        ...


class AnalysisRepository(Protocol):
    """Analyses and their processing state."""

    def add(self, analysis: Analysis) -> None:
        """Store a new analysis. Raises ``ConflictError`` if the id exists."""
        ...

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> Analysis:
        """One analysis (of this owner when ``owner_id`` is given; workers pass None). Raises ``NotFoundError``."""
        ...

    def save(self, analysis: Analysis) -> None:
        """Replace an analysis's fields. Raises ``NotFoundError``."""
        ...

    def patch(self, analysis_id: str, **fields: Any) -> Analysis:  # noqa: ANN401 - record fields of any type
        """Change only these fields, atomically (read and write in one locked step); returns the result.

        Two writers changing different fields (the stage thread and a request) never undo each other.
        Raises ``NotFoundError``.
        """
        ...

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Analysis]:
        """This owner's analyses, newest first."""
        ...

    def list_unfinished(self, *, limit: int = 1000) -> list[Analysis]:
        """Analyses that are created, queued or running (what a restarted job runner looks at), oldest first."""
        ...

    def delete(self, analysis_id: str) -> None:
        """Remove an analysis with its stamps, report and share links; missing is not an error."""
        ...


class StampRepository(Protocol):
    """The stamps of each analysis, one row per stamp (``Stamp.to_dict`` form)."""

    def replace(self, analysis_id: str, stamps: Sequence[Mapping[str, Any]]) -> None:
        """Store the stamps of an analysis, replacing any stored before, atomically (a rerun never duplicates).

        Raises ``NotFoundError`` if the analysis does not exist.
        """
        ...

    def list(self, analysis_id: str) -> list[dict[str, Any]]:
        """The stamps of an analysis in time order (empty if none)."""
        ...


class ReportRepository(Protocol):
    """Report documents (docs/formats.md), one per analysis."""

    def save(self, analysis_id: str, owner_id: str, report: Mapping[str, Any], *, created_at: datetime) -> None:
        """Store (replace) the report of an analysis. Raises ``NotFoundError`` if the analysis does not exist."""
        ...

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> dict[str, Any]:
        """The report (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        ...

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[ReportSummary]:
        """This owner's report summaries, newest first."""
        ...

    def count_for_owner(self, owner_id: str) -> int:
        """How many reports this owner has."""
        ...


class ShareLinkRepository(Protocol):
    """Share links of reports."""

    def add(self, link: ShareLink) -> None:
        """Store a new link. Raises ``ConflictError`` if the hash exists (the caller draws another).

        Raises ``NotFoundError`` if the analysis does not exist.
        """
        ...

    def get(self, share_hash: str) -> ShareLink | None:
        """The link with this hash, active or not, if any."""
        ...

    def list_for_analysis(self, analysis_id: str) -> list[ShareLink]:
        """Every link of an analysis, newest first."""
        ...

    def revoke(self, share_hash: str, at: datetime) -> None:
        """Revoke a link (revoking twice keeps the first time). Raises ``NotFoundError``."""
        ...
