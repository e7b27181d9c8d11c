"""What only the SQL adapter has: engine set-up per database, and driver errors translated at the boundary."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from punch_adapters.sql import migrate
from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.repositories import SqlRepositories
from punch_core.errors import ConflictError, StorageUnavailableError
from tests.contract import records_factory as make

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/test"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://db/punch"])
def test_make_engine_refuses_what_it_cannot_serve(url):
    with pytest.raises(ValueError, match=r"memory|unsupported"):
        make_engine(url)


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'punch.db'}", busy_timeout_s=2.5)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 2500
    finally:
        engine.dispose()


def test_a_duplicate_becomes_a_conflict_chained_to_the_driver_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'punch.db'}"
    migrate.upgrade(url)
    repositories = SqlRepositories.from_url(url)
    try:
        repositories.uploads.add(make.upload("up1"))
        with pytest.raises(ConflictError, match="up1") as caught:
            repositories.uploads.add(make.upload("up1"))
        assert isinstance(caught.value.__cause__, sa_exc.IntegrityError)
    finally:
        repositories.dispose()


def test_an_unreachable_database_is_storage_unavailable():
    repositories = SqlRepositories.from_url(UNREACHABLE_POSTGRES, pool_timeout_s=1.0)
    try:
        with pytest.raises(StorageUnavailableError) as caught:
            repositories.analyses.get("a1")
        assert isinstance(caught.value.__cause__, sa_exc.OperationalError)
        with pytest.raises(StorageUnavailableError):
            repositories.refresh_tokens.mark_used("h1", make.T0)
    finally:
        repositories.dispose()
    with pytest.raises(StorageUnavailableError):
        migrate.current(UNREACHABLE_POSTGRES)
    with pytest.raises(StorageUnavailableError):
        migrate.upgrade(UNREACHABLE_POSTGRES)
