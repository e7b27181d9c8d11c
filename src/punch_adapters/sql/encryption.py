"""Which columns hold encrypted PII, how each value is bound to its row, and re-encryption under the newest key.

Encrypted values are ``FieldCipher`` text in ordinary string columns, so switching encryption on needs no schema
change: rows written before it read as plain text, and :func:`rotate_keys` encrypts them. Each value's context is
``<table>.<column>:<primary key>``; primary keys never change, so a value stays readable where it was written and
nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import Engine, Table, bindparam, select, update

from punch_adapters.sql.engine import WRITE_TRANSACTION
from punch_adapters.sql.errors import translated
from punch_adapters.sql.models import UserRow
from punch_core.ports.crypto import ENCRYPTED_PREFIX, FieldCipher


@attrs.frozen(kw_only=True)
class EncryptedColumns:
    """The encrypted columns of one table, with the primary key that binds each value to its row."""

    table: Table
    key: str
    columns: tuple[str, ...]


#: Every column whose values are encrypted at rest. Identities and refresh tokens are not here: a provider's
#: subject id is a lookup key, and refresh tokens are stored only as SHA-256 hashes.
ENCRYPTED_COLUMNS: tuple[EncryptedColumns, ...] = (
    EncryptedColumns(table=UserRow.__table__, key="id", columns=("email", "name")),  # type: ignore[arg-type]
)


def field_context(table: str, column: str, row_key: str) -> str:
    """Where a value is stored, as the cipher's associated data: ``users.email:<user id>``."""
    return f"{table}.{column}:{row_key}"


def seal(cipher: FieldCipher | None, value: str | None, *, table: str, column: str, row_key: str) -> str | None:
    """The stored form of ``value`` (unchanged without a cipher, or for None)."""
    if value is None or cipher is None:
        return value
    return cipher.encrypt(value, context=field_context(table, column, row_key))


def unseal(cipher: FieldCipher | None, stored: str | None, *, table: str, column: str, row_key: str) -> str | None:
    """The plaintext of a stored value (legacy plain text as it is).

    Raises:
        RuntimeError: for an encrypted value when no cipher was given (the repositories were built without one).
        Whatever the cipher raises for a value it cannot decrypt (``DecryptionError``).
    """
    if stored is None:
        return None
    context = field_context(table, column, row_key)
    if cipher is None:
        if stored.startswith(ENCRYPTED_PREFIX):
            raise RuntimeError(
                f"the value of {context} is encrypted but these repositories have no cipher: build them with "
                "SqlRepositories.from_engine(engine, cipher=...)"
            )
        return stored
    return cipher.decrypt(stored, context=context)


@attrs.frozen(kw_only=True)
class RotationCounts:
    """What :func:`rotate_keys` did.

    Attributes:
        rows: Rows read.
        reencrypted: Values moved from an older key to the newest.
        encrypted: Plain-text values (written before encryption) now encrypted.
        current: Values already under the newest key, left alone.
        seconds: Wall time.
    """

    rows: int = 0
    reencrypted: int = 0
    encrypted: int = 0
    current: int = 0
    seconds: float = 0.0

    @property
    def rewritten(self) -> int:
        """Values written by the rotation."""
        return self.reencrypted + self.encrypted


def rotate_keys(
    engine: Engine,
    cipher: FieldCipher,
    *,
    batch_size: int = 500,
    on_batch: Callable[[str, RotationCounts], None] | None = None,
) -> RotationCounts:
    """Re-encrypt every encrypted column's values under the cipher's newest key, and encrypt plain-text ones.

    Works through each table in primary-key order, ``batch_size`` rows per transaction, locking the rows of a
    batch (``FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite) so a concurrent write is not lost. Idempotent: values
    already under the newest key are not rewritten, so a second run (or a run resumed after an interruption)
    only finishes what is left. Safe while the service runs, provided every process already has the new key
    ring (their own writes then use the newest key too).

    Args:
        engine: The database.
        cipher: The cipher with the full key ring (newest first; every key still in use).
        batch_size: Rows per transaction.
        on_batch: Called after each batch with the table name and the running counts (progress output).

    Raises:
        ValueError: for a batch size below 1.
        StorageUnavailableError: if the database cannot be reached.
        Whatever the cipher raises for a value it cannot decrypt (``DecryptionError``, naming the row and column);
            batches before it stay committed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    tally = {"rows": 0, "reencrypted": 0, "encrypted": 0, "current": 0}
    writes = engine.execution_options(**{WRITE_TRANSACTION: True})
    for spec in ENCRYPTED_COLUMNS:
        key = spec.table.c[spec.key]
        columns = [spec.table.c[name] for name in spec.columns]
        statement = (
            update(spec.table)
            .where(key == bindparam("row_key"))
            .values({name: bindparam(f"new_{name}") for name in spec.columns})
        )
        last: Any = None
        while True:
            query = select(key, *columns).order_by(key).limit(batch_size).with_for_update()
            if last is not None:
                query = query.where(key > last)
            with translated(), writes.begin() as connection:
                rows = connection.execute(query).all()
                if not rows:
                    break
                changes: list[dict[str, Any]] = []
                for row_key, *stored in rows:
                    change = _rotate_row(cipher, spec, row_key, dict(zip(spec.columns, stored, strict=True)), tally)
                    if change is not None:
                        changes.append(change)
                if changes:
                    connection.execute(statement, changes)
            last = rows[-1][0]
            tally["rows"] += len(rows)
            if on_batch is not None:
                on_batch(spec.table.name, RotationCounts(**tally))
    return RotationCounts(**tally, seconds=time.perf_counter() - started)


def _rotate_row(
    cipher: FieldCipher, spec: EncryptedColumns, row_key: str, stored: dict[str, str | None], tally: dict[str, int]
) -> dict[str, Any] | None:
    """The UPDATE parameters for one row, or None when every value is already under the newest key."""
    values: dict[str, Any] = {"row_key": row_key}
    changed = False
    for name, value in stored.items():
        values[f"new_{name}"] = value
        if value is None:
            continue
        if cipher.is_current(value):
            tally["current"] += 1
            continue
        context = field_context(spec.table.name, name, row_key)
        values[f"new_{name}"] = cipher.encrypt(cipher.decrypt(value, context=context), context=context)
        changed = True
        tally["reencrypted" if value.startswith(ENCRYPTED_PREFIX) else "encrypted"] += 1
    return values if changed else None
