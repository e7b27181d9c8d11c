"""The repository ports on SQL (SQLite or PostgreSQL): one class per port, one transaction per method.

Writes that read first (merging upload ranges, replacing stamps, saving a report) lock what they read: on
PostgreSQL with ``SELECT ... FOR UPDATE`` (``FOR NO KEY UPDATE`` on a parent analysis, which still lets other
rows reference it), on SQLite with ``BEGIN IMMEDIATE`` (see ``engine.WRITE_TRANSACTION``). Single-row state changes
that must happen once (``mark_used``, revocations) are conditional ``UPDATE``s whose row count says who won.
Driver errors leave as core errors (``errors.translated``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

import attrs
from sqlalchemy import CursorResult, Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Delete, Update

from punch_adapters.sql.encryption import seal, unseal
from punch_adapters.sql.engine import WRITE_TRANSACTION, make_engine
from punch_adapters.sql.errors import translated
from punch_adapters.sql.models import (
    AnalysisRow,
    IdentityRow,
    RefreshTokenRow,
    ReportRow,
    ShareLinkRow,
    StampRow,
    UploadRow,
    UserRow,
    VideoRow,
)
from punch_core.errors import NotFoundError
from punch_core.ports.crypto import FieldCipher
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

# FOR NO KEY UPDATE on PostgreSQL: serialises writers of one analysis's derived rows without blocking inserts
# that merely reference the analysis (share links, stamps) or readers. SQLite ignores it.
_LOCK_PARENT: dict[str, Any] = {"key_share": True}


class _SqlRepository:
    """Holds the sessions of one engine: reads in plain transactions, writes in write transactions."""

    def __init__(self, engine: Engine) -> None:
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(engine.execution_options(**{WRITE_TRANSACTION: True}), expire_on_commit=False)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with translated(), self._reads.begin() as session:
            yield session

    @contextmanager
    def _writing(self, *, conflict: str = "this record already exists") -> Iterator[Session]:
        # translated() is outermost so that errors raised by the COMMIT itself are translated too.
        with translated(conflict=conflict), self._writes.begin() as session:
            yield session


def _rowcount(session: Session, statement: Update | Delete) -> int:
    # A DML statement's result is a CursorResult; Session.execute is typed with the general Result.
    result = cast("CursorResult[Any]", session.execute(statement, execution_options={"synchronize_session": False}))
    return result.rowcount


def _require_analysis(session: Session, analysis_id: str) -> None:
    if session.get(AnalysisRow, analysis_id, with_for_update=_LOCK_PARENT) is None:
        raise NotFoundError(f"no analysis with id {analysis_id!r}")


class SqlUserRepository(_SqlRepository, UserRepository):
    """Users and their sign-in identities in SQL; email and name encrypted by ``cipher`` (``sql/encryption.py``).

    Without a cipher (tools and tests only: the composition root always gives one) values are stored as they are.
    Reading a value the cipher cannot decrypt raises the cipher's error rather than returning ciphertext.
    """

    def __init__(self, engine: Engine, cipher: FieldCipher | None = None) -> None:
        super().__init__(engine)
        self._cipher = cipher

    def add(self, user: User, identity: Identity) -> None:
        """Store a new user with their first identity. Raises ``ConflictError`` if the id or identity exists."""
        with self._writing(conflict="a user with this id, or this sign-in identity, already exists") as session:
            session.add(UserRow(id=user.id, created_at=user.created_at, **self._sealed(user)))
            session.flush()  # the user row first: the identity references it
            session.add(IdentityRow(provider=identity.provider, subject=identity.subject, user_id=user.id))

    def get(self, user_id: str) -> User:
        """One user. Raises ``NotFoundError``."""
        with self._reading() as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"no user with id {user_id!r}")
            return self._user(row)

    def find_by_identity(self, provider: str, subject: str) -> User | None:
        """The user signed in with this provider and subject, if any."""
        query = (
            select(UserRow)
            .join(IdentityRow, IdentityRow.user_id == UserRow.id)
            .where(IdentityRow.provider == provider, IdentityRow.subject == subject)
        )
        with self._reading() as session:
            row = session.scalars(query).one_or_none()
            return None if row is None else self._user(row)

    def update(self, user: User) -> None:
        """Replace a user's fields (email, name). Raises ``NotFoundError``."""
        statement = update(UserRow).where(UserRow.id == user.id).values(**self._sealed(user))
        with self._writing() as session:
            if _rowcount(session, statement) == 0:
                raise NotFoundError(f"no user with id {user.id!r}")

    def delete(self, user_id: str) -> None:
        """Remove a user with their identities and refresh tokens (by cascade); missing is not an error."""
        with self._writing() as session:
            _rowcount(session, delete(UserRow).where(UserRow.id == user_id))

    def _sealed(self, user: User) -> dict[str, str | None]:
        return {
            "email": seal(self._cipher, user.email, table="users", column="email", row_key=user.id),
            "name": seal(self._cipher, user.name, table="users", column="name", row_key=user.id),
        }

    def _user(self, row: UserRow) -> User:
        return User(
            id=row.id,
            email=unseal(self._cipher, row.email, table="users", column="email", row_key=row.id),
            name=unseal(self._cipher, row.name, table="users", column="name", row_key=row.id),
            created_at=row.created_at,
        )


class SqlRefreshTokenRepository(_SqlRepository, RefreshTokenRepository):
    """Refresh tokens by hash in SQL."""

    def add(self, token: RefreshToken) -> None:
        """Store a new token. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` if the user does not."""
        with self._writing(conflict="this refresh token already exists") as session:
            if session.get(UserRow, token.user_id) is None:
                raise NotFoundError(f"no user with id {token.user_id!r}")
            session.add(RefreshTokenRow(**attrs.asdict(token, recurse=False)))

    def get(self, token_hash: str) -> RefreshToken | None:
        """The token with this hash, if any."""
        with self._reading() as session:
            row = session.get(RefreshTokenRow, token_hash)
            return None if row is None else _refresh_token(row)

    def mark_used(self, token_hash: str, at: datetime) -> bool:
        """Mark a token used, atomically: True if this call did it, False if it was already used or revoked.

        One conditional UPDATE: concurrent callers queue on the row lock and re-check the condition, so exactly
        one of them changes the row.
        """
        statement = (
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.token_hash == token_hash,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(used_at=at)
        )
        with self._writing() as session:
            return _rowcount(session, statement) == 1

    def revoke_family(self, family_id: str, at: datetime) -> int:
        """Revoke every token of a family that is not yet revoked; returns how many."""
        return self._revoke(RefreshTokenRow.family_id == family_id, at)

    def revoke_user(self, user_id: str, at: datetime) -> int:
        """Revoke every token of a user that is not yet revoked; returns how many."""
        return self._revoke(RefreshTokenRow.user_id == user_id, at)

    def family_revoked(self, family_id: str) -> bool:
        """Whether a token of the family was revoked (sign-out, reuse, account removal)."""
        statement = (
            select(RefreshTokenRow.token_hash)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_not(None))
            .limit(1)
        )
        with self._reading() as session:
            return session.execute(statement).first() is not None

    def _revoke(self, condition: Any, at: datetime) -> int:  # noqa: ANN401 - a SQL boolean expression
        statement = update(RefreshTokenRow).where(condition, RefreshTokenRow.revoked_at.is_(None)).values(revoked_at=at)
        with self._writing() as session:
            return _rowcount(session, statement)


class SqlUploadRepository(_SqlRepository, UploadRepository):
    """Resumable uploads and their received byte ranges in SQL."""

    def add(self, upload: Upload) -> None:
        """Store a new upload. Raises ``ConflictError`` if the id exists."""
        with self._writing(conflict=f"an upload with id {upload.id!r} already exists") as session:
            session.add(UploadRow(**_upload_values(upload)))

    def get(self, upload_id: str, *, owner_id: str) -> Upload:
        """One upload of this owner. Raises ``NotFoundError`` (also for another owner's id)."""
        query = select(UploadRow).where(UploadRow.id == upload_id, UploadRow.owner_id == owner_id)
        with self._reading() as session:
            row = session.scalars(query).one_or_none()
            if row is None:
                raise NotFoundError(f"no upload with id {upload_id!r}")
            return _upload(row)

    def add_range(self, upload_id: str, start: int, end: int) -> Upload:
        """Record bytes ``[start, end)`` as received, merged with the others, atomically; returns the upload.

        The row is locked from read to write, so concurrent chunks of one upload merge one after another.

        Raises:
            NotFoundError: if the upload does not exist.
            ValidationError: if the range is outside the declared size.
        """
        with self._writing() as session:
            row = session.get(UploadRow, upload_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no upload with id {upload_id!r}")
            updated = _upload(row).with_range(start, end)
            row.received = [[lo, hi] for lo, hi in updated.received]
            return updated

    def set_status(self, upload_id: str, status: UploadStatus, *, error: str | None = None) -> None:
        """Change the status (and the error message). Raises ``NotFoundError``."""
        statement = update(UploadRow).where(UploadRow.id == upload_id).values(status=status.value, error=error)
        with self._writing() as session:
            if _rowcount(session, statement) == 0:
                raise NotFoundError(f"no upload with id {upload_id!r}")

    def receiving_bytes(self, owner_id: str) -> int:
        """The declared sizes of the owner's uploads still receiving, added up."""
        query = select(func.coalesce(func.sum(UploadRow.size_bytes), 0)).where(
            UploadRow.owner_id == owner_id, UploadRow.status == UploadStatus.RECEIVING.value
        )
        with self._reading() as session:
            return int(session.execute(query).scalar_one())

    def stale(self, *, started_before: datetime, limit: int) -> list[Upload]:
        """Up to ``limit`` uploads still receiving that were started before ``started_before``, oldest first."""
        query = (
            select(UploadRow)
            .where(UploadRow.status == UploadStatus.RECEIVING.value, UploadRow.created_at < started_before)
            .order_by(UploadRow.created_at, UploadRow.id)
            .limit(limit)
        )
        with self._reading() as session:
            return [_upload(row) for row in session.scalars(query)]

    def delete(self, upload_id: str) -> None:
        """Remove an upload; missing is not an error."""
        with self._writing() as session:
            _rowcount(session, delete(UploadRow).where(UploadRow.id == upload_id))


class SqlVideoRepository(_SqlRepository, VideoRepository):
    """Validated videos in SQL."""

    def add(self, video: Video) -> None:
        """Store a new video. Raises ``ConflictError`` if the id exists."""
        with self._writing(conflict=f"a video with id {video.id!r} already exists") as session:
            session.add(VideoRow(**attrs.asdict(video, recurse=False)))

    def total_bytes(self, owner_id: str) -> int:
        """The sizes of the owner's videos, added up."""
        query = select(func.coalesce(func.sum(VideoRow.size_bytes), 0)).where(VideoRow.owner_id == owner_id)
        with self._reading() as session:
            return int(session.execute(query).scalar_one())

    def get(self, video_id: str, *, owner_id: str | None = None) -> Video:
        """One video (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        query = select(VideoRow).where(VideoRow.id == video_id)
        if owner_id is not None:
            query = query.where(VideoRow.owner_id == owner_id)
        with self._reading() as session:
            row = session.scalars(query).one_or_none()
            if row is None:
                raise NotFoundError(f"no video with id {video_id!r}")
            return Video(**{name: getattr(row, name) for name in attrs.fields_dict(Video)})

    def delete(self, video_id: str) -> None:
        """Remove a video record; missing is not an error."""
        with self._writing() as session:
            _rowcount(session, delete(VideoRow).where(VideoRow.id == video_id))


class SqlAnalysisRepository(_SqlRepository, AnalysisRepository):
    """Analyses and their processing state in SQL."""

    def add(self, analysis: Analysis) -> None:
        """Store a new analysis. Raises ``ConflictError`` if the id exists."""
        with self._writing(conflict=f"an analysis with id {analysis.id!r} already exists") as session:
            session.add(AnalysisRow(**_analysis_values(analysis)))

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> Analysis:
        """One analysis (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        query = select(AnalysisRow).where(AnalysisRow.id == analysis_id)
        if owner_id is not None:
            query = query.where(AnalysisRow.owner_id == owner_id)
        with self._reading() as session:
            row = session.scalars(query).one_or_none()
            if row is None:
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            return _analysis(row)

    def save(self, analysis: Analysis) -> None:
        """Replace an analysis's fields. Raises ``NotFoundError``."""
        values = _analysis_values(analysis)
        statement = update(AnalysisRow).where(AnalysisRow.id == values.pop("id")).values(**values)
        with self._writing() as session:
            if _rowcount(session, statement) == 0:
                raise NotFoundError(f"no analysis with id {analysis.id!r}")

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Analysis]:
        """This owner's analyses, newest first (ties broken by id, descending)."""
        query = (
            select(AnalysisRow)
            .where(AnalysisRow.owner_id == owner_id)
            .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._reading() as session:
            return [_analysis(row) for row in session.scalars(query)]

    def patch(self, analysis_id: str, **fields: Any) -> Analysis:  # noqa: ANN401 - record fields of any type
        """Change only these fields in one locked read-modify-write (FOR UPDATE; BEGIN IMMEDIATE on SQLite)."""
        with self._writing() as session:
            row = session.scalars(
                select(AnalysisRow).where(AnalysisRow.id == analysis_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"no analysis with id {analysis_id!r}")
            updated = attrs.evolve(_analysis(row), **fields)
            values = _analysis_values(updated)
            values.pop("id")
            session.execute(update(AnalysisRow).where(AnalysisRow.id == analysis_id).values(**values))
            return updated

    def list_unfinished(self, *, limit: int = 1000) -> list[Analysis]:
        """Analyses that are created, queued or running, oldest first."""
        unfinished = [s.value for s in (AnalysisStatus.CREATED, AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)]
        query = (
            select(AnalysisRow)
            .where(AnalysisRow.status.in_(unfinished))
            .order_by(AnalysisRow.created_at, AnalysisRow.id)
            .limit(limit)
        )
        with self._reading() as session:
            return [_analysis(row) for row in session.scalars(query)]

    def delete(self, analysis_id: str) -> None:
        """Remove an analysis with its stamps, report and share links (by cascade); missing is not an error."""
        with self._writing() as session:
            _rowcount(session, delete(AnalysisRow).where(AnalysisRow.id == analysis_id))


class SqlStampRepository(_SqlRepository, StampRepository):
    """The stamps of each analysis in SQL, one row per stamp."""

    def replace(self, analysis_id: str, stamps: Sequence[Mapping[str, Any]]) -> None:
        """Store the stamps of an analysis, replacing any before, in one transaction.

        Raises:
            NotFoundError: if the analysis does not exist.
        """
        rows = [
            {
                "analysis_id": analysis_id,
                "position": position,
                "t_start_s": float(stamp.get("t_start_s", 0.0)),
                "stamp": dict(stamp),
            }
            for position, stamp in enumerate(stamps)
        ]
        with self._writing() as session:
            _require_analysis(session, analysis_id)  # and lock it: concurrent replaces take turns
            session.execute(delete(StampRow).where(StampRow.analysis_id == analysis_id))
            if rows:
                session.execute(insert(StampRow), rows)

    def list(self, analysis_id: str) -> list[dict[str, Any]]:
        """The stamps of an analysis in time order (ties in the order stored; empty if none)."""
        query = (
            select(StampRow.stamp)
            .where(StampRow.analysis_id == analysis_id)
            .order_by(StampRow.t_start_s, StampRow.position)
        )
        with self._reading() as session:
            return [dict(stamp) for stamp in session.scalars(query)]


class SqlReportRepository(_SqlRepository, ReportRepository):
    """Report documents in SQL, with their summaries in columns."""

    def save(self, analysis_id: str, owner_id: str, report: Mapping[str, Any], *, created_at: datetime) -> None:
        """Store (replace) the report of an analysis. Raises ``NotFoundError`` if the analysis does not exist."""
        document = dict(report)
        summary = ReportSummary.from_report(analysis_id, created_at, document)
        values = {
            "owner_id": owner_id,
            "created_at": created_at,
            "document": document,
            "duration_s": summary.duration_s,
            "strikes_per_minute": summary.strikes_per_minute,
            "mean_hand_speed_mps": summary.mean_hand_speed_mps,
            "guard_discipline": summary.guard_discipline,
            "strikes_total": summary.strikes_total,
        }
        with self._writing() as session:
            _require_analysis(session, analysis_id)  # and lock it, so two saves cannot both insert
            row = session.get(ReportRow, analysis_id)
            if row is None:
                session.add(ReportRow(analysis_id=analysis_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> dict[str, Any]:
        """The report (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        query = select(ReportRow.document).where(ReportRow.analysis_id == analysis_id)
        if owner_id is not None:
            query = query.where(ReportRow.owner_id == owner_id)
        with self._reading() as session:
            document = session.scalars(query).one_or_none()
        if document is None:
            raise NotFoundError(f"no report for analysis {analysis_id!r}")
        return dict(document)

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[ReportSummary]:
        """This owner's report summaries, newest first (ties broken by analysis id); documents are not loaded."""
        query = (
            select(
                ReportRow.analysis_id,
                ReportRow.created_at,
                ReportRow.duration_s,
                ReportRow.strikes_per_minute,
                ReportRow.mean_hand_speed_mps,
                ReportRow.guard_discipline,
                ReportRow.strikes_total,
            )
            .where(ReportRow.owner_id == owner_id)
            .order_by(ReportRow.created_at.desc(), ReportRow.analysis_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self._reading() as session:
            return [ReportSummary(**row._asdict()) for row in session.execute(query)]

    def count_for_owner(self, owner_id: str) -> int:
        """How many reports this owner has."""
        query = select(func.count()).select_from(ReportRow).where(ReportRow.owner_id == owner_id)
        with self._reading() as session:
            return session.scalar(query) or 0


class SqlShareLinkRepository(_SqlRepository, ShareLinkRepository):
    """Share links of reports in SQL."""

    def add(self, link: ShareLink) -> None:
        """Store a new link. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` for a missing analysis."""
        with self._writing(conflict=f"a share link {link.hash!r} already exists") as session:
            if session.get(AnalysisRow, link.analysis_id) is None:
                raise NotFoundError(f"no analysis with id {link.analysis_id!r}")
            session.add(ShareLinkRow(**attrs.asdict(link, recurse=False)))

    def get(self, share_hash: str) -> ShareLink | None:
        """The link with this hash, active or not, if any."""
        with self._reading() as session:
            row = session.get(ShareLinkRow, share_hash)
            return None if row is None else _share_link(row)

    def list_for_analysis(self, analysis_id: str) -> list[ShareLink]:
        """Every link of an analysis, newest first (ties broken by hash, descending)."""
        query = (
            select(ShareLinkRow)
            .where(ShareLinkRow.analysis_id == analysis_id)
            .order_by(ShareLinkRow.created_at.desc(), ShareLinkRow.hash.desc())
        )
        with self._reading() as session:
            return [_share_link(row) for row in session.scalars(query)]

    def revoke(self, share_hash: str, at: datetime) -> None:
        """Revoke a link (revoking twice keeps the first time). Raises ``NotFoundError``."""
        statement = (
            update(ShareLinkRow)
            .where(ShareLinkRow.hash == share_hash, ShareLinkRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        with self._writing() as session:
            if _rowcount(session, statement) == 0 and session.get(ShareLinkRow, share_hash) is None:
                raise NotFoundError(f"no share link {share_hash!r}")


@attrs.frozen(kw_only=True)
class SqlRepositories:
    """One of each SQL repository over one engine (build with :meth:`from_engine` or :meth:`from_url`)."""

    engine: Engine
    users: SqlUserRepository
    refresh_tokens: SqlRefreshTokenRepository
    uploads: SqlUploadRepository
    videos: SqlVideoRepository
    analyses: SqlAnalysisRepository
    stamps: SqlStampRepository
    reports: SqlReportRepository
    share_links: SqlShareLinkRepository

    @classmethod
    def from_engine(cls, engine: Engine, *, cipher: FieldCipher | None = None) -> SqlRepositories:
        """A bundle over an engine (from ``make_engine``; its schema migrated with ``migrate.upgrade``).

        ``cipher`` encrypts PII at rest (users' email and name); without one they are stored in plain text.
        """
        return cls(
            engine=engine,
            users=SqlUserRepository(engine, cipher),
            refresh_tokens=SqlRefreshTokenRepository(engine),
            uploads=SqlUploadRepository(engine),
            videos=SqlVideoRepository(engine),
            analyses=SqlAnalysisRepository(engine),
            stamps=SqlStampRepository(engine),
            reports=SqlReportRepository(engine),
            share_links=SqlShareLinkRepository(engine),
        )

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cipher: FieldCipher | None = None,
        **engine_options: Any,  # noqa: ANN401 - make_engine's options
    ) -> SqlRepositories:
        """A bundle over a new engine for ``url`` (``engine_options`` go to ``make_engine``; ``cipher`` as above)."""
        return cls.from_engine(make_engine(url, **engine_options), cipher=cipher)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()


def _refresh_token(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(**{name: getattr(row, name) for name in attrs.fields_dict(RefreshToken)})


def _share_link(row: ShareLinkRow) -> ShareLink:
    return ShareLink(**{name: getattr(row, name) for name in attrs.fields_dict(ShareLink)})


def _upload_values(upload: Upload) -> dict[str, Any]:
    values = attrs.asdict(upload, recurse=False)
    values["status"] = upload.status.value
    values["received"] = [[lo, hi] for lo, hi in upload.received]
    return values


def _upload(row: UploadRow) -> Upload:
    return Upload(**{name: getattr(row, name) for name in attrs.fields_dict(Upload)})


def _analysis_values(analysis: Analysis) -> dict[str, Any]:
    values = attrs.asdict(analysis, recurse=False)
    values["status"] = analysis.status.value
    values["stage"] = None if analysis.stage is None else analysis.stage.value
    values["done_stages"] = [stage.value for stage in analysis.done_stages]
    return values


def _analysis(row: AnalysisRow) -> Analysis:
    return Analysis(**{name: getattr(row, name) for name in attrs.fields_dict(Analysis)})
