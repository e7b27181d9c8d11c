"""Alembic's environment for the PunchAnalytics schema, configured from code (no alembic.ini needed).

``punch_adapters.sql.migrate`` hands over an open connection in ``config.attributes["connection"]``; the Alembic
command line works too, given ``-x url=...`` or ``sqlalchemy.url`` in an ini file of one's own. Offline mode
(``--sql``) writes the SQL for the URL's dialect instead of running it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters a table by copying it; batch mode does that for later revisions' ALTERs.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the migration SQL for the configured URL's dialect."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the connection given, or on a new engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
