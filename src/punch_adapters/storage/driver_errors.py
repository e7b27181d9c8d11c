"""Translate fsspec, s3fs, botocore and OS errors into the core's errors, at the storage boundary.

The messages are written for the person using the app (they may reach the HTTP API's error body): they name the
kind of store that failed, never its bucket, an object key, an endpoint, a path or a credential. Those go to the
``punch.storage`` log (``storage.unavailable``) for the operators, and the driver's own exception stays attached
as ``__cause__``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    NoCredentialsError,
    PartialCredentialsError,
)

from punch_core.errors import ConflictError, NotFoundError, StorageUnavailableError

Action = Literal["reading", "writing", "deleting", "listing"]

logger = logging.getLogger("punch.storage")

_RETRY_LATER = "try again in a few minutes"
_TELL_OPERATORS = "please tell the site's operators"
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_REFUSED_CODES = frozenset({"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


@contextmanager
def translate_errors(store: str, key: str, action: Action) -> Iterator[None]:
    """Re-raise driver errors raised inside the block as core errors (``raise ... from exc``).

    A store that is unavailable gets a message a user may read: it says what kind of store failed, never its
    bucket or object key (those are logged on ``punch.storage`` for the operators).

    Args:
        store: What the store is (``S3 bucket 'punch-videos'``); only its kind reaches user messages.
        key: The object key (or prefix) the operation is about.
        action: What the block does; a missing file means "no such object" only when ``reading``.

    Raises:
        NotFoundError: Not ``writing``, and the key does not exist (or names a folder of objects, not an object).
        ConflictError: ``writing`` a key whose path crosses an existing object (local folders only).
        StorageUnavailableError: The store cannot be reached, refuses access, lacks its bucket or fails.
    """
    try:
        yield
    except (OSError, BotoCoreError, ClientError) as exc:
        error = _translated(exc, store, key, action)
        if isinstance(error, StorageUnavailableError):  # what the user message leaves out, for the operators
            logger.warning(
                "storage.unavailable",
                extra={"store": store, "key": key, "action": action, "error": f"{type(exc).__name__}: {exc}"},
            )
        raise error from exc


def _translated(exc: OSError | BotoCoreError | ClientError, store: str, key: str, action: Action) -> Exception:  # noqa: PLR0911 - one answer per kind of failure
    """The core error for a driver error (see :func:`translate_errors`)."""
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError)):
        if _is_missing_bucket(exc):
            return _missing_bucket(store)
        if action != "writing":
            return NotFoundError(f"there is no stored file {key!r}")
        if isinstance(exc, FileNotFoundError):
            return StorageUnavailableError(
                f"file storage failed while {action}: the {_kind(store)} has gone away; {_RETRY_LATER}"
            )
        return ConflictError(
            f"cannot store {key!r}: part of its path is already a stored file, or it names a folder of files"
        )
    if isinstance(exc, PermissionError):
        return _refused(store, action)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)):
        return StorageUnavailableError(
            "file storage is not set up correctly: there are no usable credentials for the "
            f"{_kind(store)}; {_TELL_OPERATORS}"
        )
    if isinstance(exc, ClientError):
        return _from_client_error(exc, store, key, action)
    if isinstance(exc, (BotoCoreError, ConnectionError, TimeoutError)):
        return StorageUnavailableError(
            f"file storage is unavailable right now: the {_kind(store)} cannot be reached; {_RETRY_LATER}"
        )
    return StorageUnavailableError(f"file storage failed while {action} in the {_kind(store)}; {_RETRY_LATER}")


def _kind(store: str) -> str:
    """The store's kind without its name: ``S3 bucket 'punch-videos'`` -> ``S3 bucket``."""
    return store.split(" '", 1)[0]


def _missing_bucket(store: str) -> StorageUnavailableError:
    return StorageUnavailableError(
        f"file storage is not set up correctly: the {_kind(store)} does not exist; {_TELL_OPERATORS}"
    )


def _refused(store: str, action: Action) -> StorageUnavailableError:
    return StorageUnavailableError(
        f"file storage refused {action}: the {_kind(store)} denies access (check its credentials and "
        f"permissions); {_RETRY_LATER}"
    )


def _from_client_error(exc: ClientError, store: str, key: str, action: Action) -> Exception:
    # s3fs turns most ClientErrors into OSErrors itself; this catches the few paths that let one through.
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code == "NoSuchBucket":
        return _missing_bucket(store)
    if code in _NOT_FOUND_CODES and action != "writing":
        return NotFoundError(f"there is no stored file {key!r}")
    if code in _REFUSED_CODES:
        return _refused(store, action)
    return StorageUnavailableError(f"file storage failed while {action} in the {_kind(store)}; {_RETRY_LATER}")


def _is_missing_bucket(exc: BaseException) -> bool:
    """Whether an error (or one it was raised from) is S3's ``NoSuchBucket``: a setup fault, not a missing key."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ClientError) and current.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return True
        current = current.__cause__ or current.__context__
    return False
