"""Object keys: the one place that decides which keys are allowed (the ``ObjectStore`` contract)."""

from __future__ import annotations

import re

from punch_core.errors import ValidationError

MAX_KEY_LENGTH = 1024
"""S3's limit on a key (in bytes; our keys are ASCII, so characters), applied to every store alike."""

TEMPORARY_MARK = "~"
"""Marks in-flight temporary files; no key can contain it, so a temporary file never shadows an object."""

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_ALLOWED = (
    "a '/'-separated path of segments made of letters A-Z a-z, digits, '.', '_' and '-' "
    f"(no empty, '.' or '..' segment, no leading or trailing '/', at most {MAX_KEY_LENGTH} characters)"
)


def validate_key(key: str, *, field: str = "key") -> str:
    """Check that ``key`` is a storable object key and return it unchanged.

    A key is a ``/``-separated path of ``[A-Za-z0-9._-]`` segments, such as ``videos/abc123/source.mp4``.
    ``.`` and ``..`` segments are refused so that a key can never climb out of the store's root.

    Args:
        key: The key to check.
        field: The name to report in the error (``key`` or ``prefix``).

    Returns:
        The key itself.

    Raises:
        ValidationError: The key is empty, too long, or has an empty, ``.``, ``..`` or ill-formed segment.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(field, key, _ALLOWED)
    for segment in key.split("/"):
        if segment in {".", ".."} or _SEGMENT.fullmatch(segment) is None:
            raise ValidationError(field, key, _ALLOWED)
    return key


def validate_prefix(prefix: str) -> str:
    """Check a store-wide key prefix (``""`` for none) and return it without a trailing ``/``.

    Raises:
        ValidationError: The prefix is not empty and not a valid key (a trailing ``/`` is tolerated).
    """
    trimmed = prefix.removesuffix("/") if isinstance(prefix, str) else prefix
    if trimmed == "":
        return ""
    return validate_key(trimmed, field="prefix")
