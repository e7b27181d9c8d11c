"""Engines for SQLite (embedded default) and PostgreSQL (production), built on request, never at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, QueuePool, create_engine, event
from sqlalchemy.engine import Connection, make_url

#: Execution option that marks a transaction which writes. On SQLite such a transaction starts with
#: ``BEGIN IMMEDIATE`` so that it holds the write lock from its first read: a read-modify-write (merging upload
#: ranges) is then one atomic step, and a waiting writer queues on the busy timeout instead of failing with
#: "database is locked" when it upgrades a stale read snapshot. PostgreSQL ignores the option.
WRITE_TRANSACTION = "punch_write_transaction"


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout_s: float = 30.0,
    busy_timeout_s: float = 30.0,
    echo: bool = False,
) -> Engine:
    """An engine for ``url``: ``sqlite:///path/to/punch.db`` or ``postgresql+psycopg://user@host:5432/db``.

    SQLite gets write-ahead logging (readers never block the writer), foreign keys enforced (cascading deletes
    depend on them), a busy timeout, and real transactions around reads too (the stdlib driver otherwise
    starts none before a SELECT). PostgreSQL gets a checked pool (``pool_pre_ping`` drops connections the server
    closed). Other URL query arguments go to the driver, e.g. ``?options=-csearch_path%3Dmyschema``.

    Args:
        url: The database URL.
        pool_size: Connections kept open in the pool.
        max_overflow: Connections opened beyond ``pool_size`` under load.
        pool_timeout_s: How long a request waits for a free connection before failing.
        busy_timeout_s: SQLite only: how long a writer waits for another writer's lock.
        echo: Log every statement (debugging).

    Raises:
        ValueError: for an in-memory SQLite URL (each pooled connection would see its own empty database) or a
            database other than SQLite and PostgreSQL.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout_s}
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            raise ValueError(
                f"in-memory SQLite ({url!r}) vanishes with its connection; give a file path such as "
                "sqlite:///punch.db, or use the memory adapters"
            )
        engine = create_engine(parsed, echo=echo, **pool)
        _configure_sqlite(engine, busy_timeout_ms=round(busy_timeout_s * 1000))
        return engine
    if backend == "postgresql":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, **pool)
    raise ValueError(f"unsupported database {backend!r} in {url!r}: use sqlite:/// or postgresql+psycopg://")


def pool_capacity(engine: Engine) -> int | None:
    """How many connections the engine's pool hands out at once (``pool_size + max_overflow``).

    None when the pool has no such limit: ``NullPool`` or ``StaticPool`` (which tests and tools may use), or a
    ``QueuePool`` with unlimited overflow. The ``db_pool_connections_*`` gauges and their alert exist only for a
    bounded pool, where running out makes requests wait ``pool_timeout_s`` and then fail with 503.
    """
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    max_overflow = pool._max_overflow  # QueuePool keeps its overflow limit only in this attribute
    return None if max_overflow < 0 else pool.size() + max_overflow


def pool_in_use(engine: Engine) -> int:
    """Connections checked out of the engine's pool now (0 for a pool that does not count them)."""
    pool = engine.pool  # read each time: ``engine.dispose()`` replaces the pool
    return pool.checkedout() if isinstance(pool, QueuePool) else 0


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401 - a DBAPI connection
        # Take BEGIN away from the sqlite3 driver (which skips it before SELECT); _on_begin emits it instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, and much faster than FULL
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
