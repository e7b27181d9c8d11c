"""The one error hierarchy of the domain.

Every error a user can cause derives from :class:`PunchError` and carries a message a boxer understands.
Adapters translate driver errors into these (``raise ... from exc``); the HTTP adapter maps types to status
codes in one table.
"""

from __future__ import annotations

MAX_SHOWN_VALUE = 60


def _short_repr(value: object) -> str:
    """``repr`` of a user's value, cut so that a huge input does not come back in every message."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "a number with too many digits"
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 1] + "…"


class PunchError(Exception):
    """Base class of every error the domain raises on purpose."""

    @property
    def user_message(self) -> str:
        """The message to show the user (the exception text)."""
        return str(self)


class ValidationError(PunchError, ValueError):
    """A value given by the user is out of its allowed range.

    Attributes:
        field: The field's name, as the user typed it (``height_cm``).
        value: The rejected value.
        allowed: The allowed values or range, in words (``100-250``).
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = _short_repr(value)
        super().__init__(f"{field} must be {allowed}, got {shown}")


class TrackFormatError(PunchError, ValueError):
    """A pose-track file or array does not have the documented layout (docs/formats.md)."""


class PoseQualityError(PunchError):
    """The video does not show the subject well enough to analyse it."""


class NotFoundError(PunchError, LookupError):
    """A resource does not exist, or is not visible to the caller."""


class ConflictError(PunchError):
    """The request conflicts with the current state of a resource."""


class MediaError(PunchError, ValueError):
    """A video file cannot be used: unsupported container, corrupt or unreadable data, no video stream."""


class StorageUnavailableError(PunchError):
    """The object store, database or queue cannot be reached right now; the request can be retried later."""


class ScannerUnavailableError(PunchError):
    """The malware scanner cannot be reached or did not answer in time; nothing was decided about the file.

    The upload keeps its bytes, so completing it again once the scanner is back succeeds.
    """


class MalwareRejectedError(MediaError):
    """The malware scan found a threat in an upload, or could not check it; the file has been deleted.

    Attributes:
        reason: What the scan said: the signature it found (``Eicar-Test-Signature``) or why the file could not
            be checked.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


class CoachingAnswerError(PunchError, ValueError):
    """An LLM coach's answer cannot be used: not JSON, the wrong structure, or nothing checkable left in it.

    Attributes:
        reason: What was wrong, in words (``evidence times match no stamp``); never contains the answer itself.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the coach's answer could not be used: {reason}")


class BadRequestError(PunchError, ValueError):
    """A request is malformed in a way no single field explains (a chunk beyond the declared size, say)."""


class AuthError(PunchError):
    """The caller is not signed in, or their session has expired or was revoked: sign in again."""


class ForbiddenError(PunchError):
    """The caller is signed in but may not do this (a failed OAuth state check, a disabled login)."""


class PayloadTooLargeError(PunchError, ValueError):
    """An upload is larger than allowed."""


class UnsupportedMediaError(MediaError):
    """An upload is not a video type we accept (MP4, MOV or WebM)."""


class RateLimitedError(PunchError):
    """Too many requests; ``retry_after_s`` says when to try again."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
