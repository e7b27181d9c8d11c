"""Throw-away SQL databases for contract tests: a SQLite file, or a uniquely named PostgreSQL schema.

A PostgreSQL schema of its own (found through ``search_path`` in the URL) keeps parallel test runs and the
developer's own tables out of each other's way; it is dropped with everything in it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import Engine, text

from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.models import Base


def unique_schema_name(purpose: str) -> str:
    """A schema name no other run uses (pid and random suffix)."""
    return f"punch_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every connection's ``search_path`` set to ``schema`` (libpq ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema(base_url: str, purpose: str) -> Iterator[str]:
    """Create a fresh schema, yield a URL that works inside it, drop the schema (CASCADE) afterwards."""
    schema = unique_schema_name(purpose)
    admin = make_engine(base_url, pool_size=1)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield with_search_path(base_url, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def clean_tables(engine: Engine) -> None:
    """Empty every table of the models (between tests; the schema stays)."""
    tables = Base.metadata.sorted_tables
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(tables):  # children first: foreign keys are enforced
                connection.execute(table.delete())
