"""Schema migrations from code: Alembic with the scripts shipped in this package, no alembic.ini needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from punch_adapters.sql.engine import WRITE_TRANSACTION, make_engine
from punch_adapters.sql.errors import translated

#: The Alembic scripts (env.py, versions/), installed as package data beside this module.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# An arbitrary fixed key for PostgreSQL's advisory lock around migrations ("punch" in ASCII).
_MIGRATION_LOCK_KEY = 0x70756E6368


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the shipped scripts (for ``alembic.command`` functions not wrapped here)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation would read a '%' in a URL (an escaped password) as a reference.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (the latest by default), in one transaction.

    Raises:
        StorageUnavailableError: if the database cannot be reached.
    """
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``"base"`` drops every table), in one transaction.

    Raises:
        StorageUnavailableError: if the database cannot be reached.
    """
    _run(url, lambda config: command.downgrade(config, revision))


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at (None for an empty database).

    Raises:
        StorageUnavailableError: if the database cannot be reached.
    """
    engine = make_engine(url)
    try:
        with translated(), engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The latest revision the shipped scripts define."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(url: str, step: Callable[[Config], None]) -> None:
    engine = make_engine(url)
    try:
        # One connection and one write transaction for the whole step: on both SQLite and PostgreSQL DDL is
        # transactional, so a failed migration leaves the schema as it was.
        with translated(), engine.execution_options(**{WRITE_TRANSACTION: True}).begin() as connection:
            if connection.dialect.name == "postgresql":
                # Service replicas starting together migrate one after another instead of racing on CREATE TABLE.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config = alembic_config(url)
            config.attributes["connection"] = connection
            step(config)
    finally:
        engine.dispose()
