"""Driver errors become core errors here, at the adapter's boundary, always chained (``raise ... from exc``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from punch_core.errors import ConflictError, StorageUnavailableError

_UNAVAILABLE = "the database cannot be reached right now; try again in a moment"


@contextmanager
def translated(*, conflict: str = "this record already exists") -> Iterator[None]:
    """Run a block, turning SQLAlchemy errors into core errors.

    Args:
        conflict: The message of the ``ConflictError`` raised for an integrity violation (a duplicate key).

    Raises:
        ConflictError: for ``IntegrityError`` (unique or foreign key violations).
        StorageUnavailableError: for connection and lock errors (``OperationalError``, ``InterfaceError``, a pool
            timeout or a dropped connection), which a retry later may not hit.
    """
    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise ConflictError(conflict) from exc
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError) as exc:
        raise StorageUnavailableError(_UNAVAILABLE) from exc
