"""The initial schema: users, identities, refresh tokens, uploads, videos, analyses, stamps, reports, share links.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    # Timezone-aware: timestamptz on PostgreSQL; SQLite stores naive UTC text (models.UTCDateTime).
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "users",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "identities",
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_identities_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("provider", "subject", name="pk_identities"),
    )
    op.create_index("ix_identities_user_id", "identities", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("family_id", sa.String(), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_refresh_tokens_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_refresh_tokens"),
    )
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("object_key", sa.String(), nullable=False),
        _time("created_at"),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("received", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_uploads"),
    )
    op.create_index("ix_uploads_owner_id_created_at", "uploads", ["owner_id", "created_at"])
    op.create_table(
        "videos",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.Column("object_key", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("container", sa.String(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("fps", sa.Double(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_videos"),
    )
    op.create_index("ix_videos_owner_id_created_at", "videos", ["owner_id", "created_at"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.Column("video_id", sa.String(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=True),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("done_stages", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("specs", sa.JSON(), nullable=True),
        sa.Column("subject", sa.JSON(), nullable=True),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        _time("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_analyses"),
    )
    op.create_index("ix_analyses_owner_id_created_at", "analyses", ["owner_id", "created_at"])
    op.create_table(
        "stamps",
        sa.Column("analysis_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("t_start_s", sa.Double(), nullable=False),
        sa.Column("stamp", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name="fk_stamps_analysis_id_analyses", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("analysis_id", "position", name="pk_stamps"),
    )
    op.create_table(
        "reports",
        sa.Column("analysis_id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        _time("created_at"),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("strikes_per_minute", sa.Double(), nullable=True),
        sa.Column("mean_hand_speed_mps", sa.Double(), nullable=True),
        sa.Column("guard_discipline", sa.Double(), nullable=True),
        sa.Column("strikes_total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name="fk_reports_analysis_id_analyses", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("analysis_id", name="pk_reports"),
    )
    op.create_index("ix_reports_owner_id_created_at", "reports", ["owner_id", "created_at"])
    op.create_table(
        "share_links",
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("analysis_id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        _time("created_at"),
        _time("expires_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name="fk_share_links_analysis_id_analyses", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("hash", name="pk_share_links"),
    )
    op.create_index("ix_share_links_analysis_id_created_at", "share_links", ["analysis_id", "created_at"])


def downgrade() -> None:
    """Drop every table (children first); their indexes go with them."""
    for table in (
        "share_links",
        "reports",
        "stamps",
        "analyses",
        "videos",
        "uploads",
        "refresh_tokens",
        "identities",
        "users",
    ):
        op.drop_table(table)
