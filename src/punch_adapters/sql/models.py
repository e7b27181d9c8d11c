"""The SQL schema as SQLAlchemy 2 declarative models (the Alembic migrations must produce exactly this).

Strings are unbounded (``VARCHAR`` without a length): the domain validates lengths, so SQLite and PostgreSQL accept
the same values. Statuses and stages are stored as their enum values in plain strings, so adding a value needs no
migration. Derived rows (identities and refresh tokens of a user; stamps, report and share links of an analysis)
go with their parent through ``ON DELETE CASCADE``. Owners are plain columns, not foreign keys: the repositories
promise nothing about deleting a user's uploads or analyses, and the memory adapters must behave the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Double, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

#: Constraint and index names follow one pattern, so migrations can name what they create and drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored as naive UTC text and
    read back with UTC attached. Naive datetimes are refused on the way in rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC for SQLite). Raises ``ValueError`` for a naive datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"times must be timezone-aware UTC, got naive {value.isoformat()}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns; convert PostgreSQL's session-zone values to UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(*, nullable: bool) -> JSON:
    # none_as_null: a Python None in a nullable column is SQL NULL, not the JSON text 'null'.
    return JSON(none_as_null=nullable)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UserRow(Base):
    """A user account."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str | None] = mapped_column(String)
    name: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdentityRow(Base):
    """A sign-in identity (provider and subject) of a user."""

    __tablename__ = "identities"

    provider: Mapped[str] = mapped_column(String, primary_key=True)
    subject: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class RefreshTokenRow(Base):
    """A refresh token, by hash."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UploadRow(Base):
    """A resumable upload; ``received`` is the JSON list of merged ``[start, end)`` byte ranges."""

    __tablename__ = "uploads"
    __table_args__ = (Index(None, "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    filename: Mapped[str] = mapped_column(String)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String)
    object_key: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String)
    received: Mapped[list[list[int]]] = mapped_column(_json(nullable=False))
    error: Mapped[str | None] = mapped_column(String)


class VideoRow(Base):
    """A validated video."""

    __tablename__ = "videos"
    __table_args__ = (Index(None, "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    object_key: Mapped[str] = mapped_column(String)
    filename: Mapped[str] = mapped_column(String)
    container: Mapped[str] = mapped_column(String)
    duration_s: Mapped[float] = mapped_column(Double)
    fps: Mapped[float] = mapped_column(Double)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnalysisRow(Base):
    """An analysis and its processing state."""

    __tablename__ = "analyses"
    __table_args__ = (Index(None, "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    video_id: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String)
    stage: Mapped[str | None] = mapped_column(String)
    progress: Mapped[float] = mapped_column(Double)
    done_stages: Mapped[list[str]] = mapped_column(_json(nullable=False))
    attempts: Mapped[int] = mapped_column(Integer)
    specs: Mapped[dict[str, Any] | None] = mapped_column(_json(nullable=True))
    subject: Mapped[dict[str, float] | None] = mapped_column(_json(nullable=True))
    language: Mapped[str] = mapped_column(String)
    error: Mapped[str | None] = mapped_column(String)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StampRow(Base):
    """One stamp of an analysis; ``position`` is its index in the list stored (one row per position: no dupes)."""

    __tablename__ = "stamps"

    analysis_id: Mapped[str] = mapped_column(String, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    t_start_s: Mapped[float] = mapped_column(Double)
    stamp: Mapped[dict[str, Any]] = mapped_column(_json(nullable=False))


class ReportRow(Base):
    """The report document of an analysis, with its summary in columns so listings never load documents."""

    __tablename__ = "reports"
    __table_args__ = (Index(None, "owner_id", "created_at"),)

    analysis_id: Mapped[str] = mapped_column(String, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[dict[str, Any]] = mapped_column(_json(nullable=False))
    duration_s: Mapped[float] = mapped_column(Double)
    strikes_per_minute: Mapped[float | None] = mapped_column(Double)
    mean_hand_speed_mps: Mapped[float | None] = mapped_column(Double)
    guard_discipline: Mapped[float | None] = mapped_column(Double)
    strikes_total: Mapped[int] = mapped_column(Integer)


class ShareLinkRow(Base):
    """A share link of a report; the hash is the primary key, so lookups by hash use its index."""

    __tablename__ = "share_links"
    __table_args__ = (Index(None, "analysis_id", "created_at"),)

    hash: Mapped[str] = mapped_column(String, primary_key=True)
    analysis_id: Mapped[str] = mapped_column(String, ForeignKey("analyses.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
