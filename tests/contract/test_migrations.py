"""The shipped Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL, and undo it all."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from punch_adapters.sql import migrate
from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.models import Base
from tests.contract.sql_databases import postgres_schema
from tests.support.services import POSTGRES_URL, require_service


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A URL of an empty database (a new SQLite file, or a new PostgreSQL schema dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    with postgres_schema(POSTGRES_URL, "migrations") as url:
        yield url


def schema_diff(url, metadata):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()


def table_names(url):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_the_scripts_ship_with_the_package_and_have_one_head():
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (migrate.MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert migrate.head() == "0001"


def test_upgrade_builds_exactly_the_models_schema_and_downgrade_drops_it(empty_database_url):
    url = empty_database_url
    assert migrate.current(url) is None

    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    assert schema_diff(url, Base.metadata) == []
    assert table_names(url) == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}

    migrate.upgrade(url)  # already at head: nothing to do
    assert migrate.current(url) == migrate.head()

    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert table_names(url) == {"alembic_version"}  # Alembic keeps its (now empty) version table

    migrate.upgrade(url)  # and the way back up works again
    assert schema_diff(url, Base.metadata) == []


def test_the_schema_comparison_notices_a_difference(tmp_path):
    # Guards the test above against passing vacuously (e.g. if comparison of some table were switched off).
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["reports"].append_column(Column("extra_column", Integer, nullable=True))
    diff = schema_diff(url, changed)
    assert [(op[0], op[2], op[3].name) for op in diff] == [("add_column", "reports", "extra_column")]
