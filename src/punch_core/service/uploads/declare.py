"""Declaring an upload (name, size, type, length limits), its status, and expiring the unfinished ones."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import attrs

from punch_core.errors import (
    PayloadTooLargeError,
    UnsupportedMediaError,
    ValidationError,
)
from punch_core.service.media import SUPPORTED
from punch_core.service.records import Upload, UploadStatus
from punch_core.service.uploads.layout import MIB, UploadLimits, UploadPorts, join_of, parts_prefix

ACCEPTED_TYPES = ("video/mp4", "video/quicktime", "video/webm")
"""Declared content types an upload may start with (what the file really is is checked on completion)."""


MAX_FILENAME_CHARS = 120


@attrs.frozen(kw_only=True)
class UploadRequest:
    """A checked upload declaration: the sanitised file name, its size and its normalised content type."""

    filename: str
    size_bytes: int
    content_type: str


MAX_DECLARED_FILENAME_BYTES = 255
"""The longest file name a declaration may carry (what file systems allow), in UTF-8 bytes."""


def sanitise_filename(filename: object) -> str:
    """A file name safe to store and show: no folders, control characters or runs of spaces, at most 120 chars.

    It is only ever shown back to its owner, never used as a path or key; an empty result becomes ``video``.
    """
    text = filename if isinstance(filename, str) else ""
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text)
    text = " ".join(text.split()).strip(" .")
    if len(text) > MAX_FILENAME_CHARS:
        _stem, dot, ext = text.rpartition(".")
        keep = ext if dot and 0 < len(ext) <= 10 else ""
        text = text[: MAX_FILENAME_CHARS - len(keep) - 1].rstrip(" .") + (f".{keep}" if keep else "")
    return text or "video"


def check_upload_request(
    filename: object, size_bytes: object, content_type: object, *, limits: UploadLimits
) -> UploadRequest:
    """Check an upload declaration before anything is stored.

    Raises:
        ValidationError: if ``size_bytes`` is not a whole number of at least 1.
        PayloadTooLargeError: if the file is larger than ``limits.max_upload_bytes``.
        UnsupportedMediaError: if the declared type is not MP4, MOV or WebM video.
    """
    if (
        isinstance(filename, str)
        and len(filename) > MAX_DECLARED_FILENAME_BYTES // 4
        and (len(filename.encode("utf-8", "surrogatepass")) > MAX_DECLARED_FILENAME_BYTES)
    ):
        # Refused before any work on it: cleaning a name of megabytes costs a second of CPU.
        raise ValidationError(
            "filename", f"{filename[:40]}...", f"a file name of at most {MAX_DECLARED_FILENAME_BYTES} bytes"
        )
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or size_bytes < 1:
        raise ValidationError("size_bytes", size_bytes, "the file's size in bytes (1 or more)")
    if size_bytes > limits.max_upload_bytes:
        raise PayloadTooLargeError(
            f"this video is {-(-size_bytes // MIB)} MB; the most we accept is {limits.max_upload_bytes // MIB} MB"
            " — trim it to the round, or export it at a lower resolution"
        )
    declared = content_type.split(";", 1)[0].strip().lower() if isinstance(content_type, str) else ""
    if declared not in ACCEPTED_TYPES:
        shown = declared or "a file without a type"
        raise UnsupportedMediaError(f"{shown} is not a video we accept: upload {SUPPORTED} (as recorded by a phone)")
    return UploadRequest(filename=sanitise_filename(filename), size_bytes=size_bytes, content_type=declared)


def initiate_upload(
    ports: UploadPorts,
    owner_id: str,
    filename: object,
    size_bytes: object,
    content_type: object,
    *,
    limits: UploadLimits,
) -> Upload:
    """Start a resumable upload of a declared file.

    Raises:
        ValidationError, PayloadTooLargeError, UnsupportedMediaError: see :func:`check_upload_request`.
        PayloadTooLargeError: also when the file would take the owner past ``limits.storage_quota_bytes``.
    """
    request = check_upload_request(filename, size_bytes, content_type, limits=limits)
    used = ports.videos.total_bytes(owner_id) + ports.uploads.receiving_bytes(owner_id)
    if used + request.size_bytes > limits.storage_quota_bytes:
        raise PayloadTooLargeError(
            f"your storage is full: {used / 1024 / MIB:.1f} of {limits.storage_quota_bytes / 1024 / MIB:.1f} GB "
            f"are in use and this video needs {-(-request.size_bytes // MIB)} MB more; delete old reports (their "
            "videos go with them) or wait for unfinished uploads to expire, then try again"
        )
    upload_id = ports.ids.new_id()
    upload = Upload(
        id=upload_id,
        owner_id=owner_id,
        filename=request.filename,
        size_bytes=request.size_bytes,
        content_type=request.content_type,
        object_key=parts_prefix(upload_id),
        created_at=ports.clock.now(),
    )
    ports.uploads.add(upload)
    return upload


UPLOAD_EXPIRY = timedelta(hours=24)
"""An upload not completed this long after it started is abandoned: its bytes are removed."""


EXPIRED_MESSAGE = "this upload was not finished within 24 hours and its bytes were removed: upload the video again"


def expire_uploads(ports: UploadPorts, *, older_than: timedelta = UPLOAD_EXPIRY, batch: int = 100) -> int:
    """Remove the bytes of uploads abandoned for longer than ``older_than``; returns how many were expired.

    Each one's chunks and pieces go (an unfinished S3 multipart upload is aborted, which frees its parts), and it
    is marked rejected with ``EXPIRED_MESSAGE``, so a client that comes back learns why. Safe to run in several
    processes at once: every step is idempotent.
    """
    started_before = ports.clock.now() - older_than
    expired = 0
    seen: set[str] = set()
    while stale := [u for u in ports.uploads.stale(started_before=started_before, limit=batch) if u.id not in seen]:
        for upload in stale:
            seen.add(upload.id)
            join = join_of(ports.store, upload.id)
            if join is not None:
                ports.store.abort_join(join.key, join.join_id)
            ports.store.delete_prefix(parts_prefix(upload.id))
            ports.uploads.set_status(upload.id, UploadStatus.REJECTED, error=EXPIRED_MESSAGE)
            expired += 1
    return expired


def upload_status(ports: UploadPorts, upload_id: str, owner_id: str) -> Upload:
    """An upload of this owner: where to resume (``received_offset``), its status and any error.

    Raises:
        NotFoundError: for a missing upload or another owner's.
    """
    return ports.uploads.get(upload_id, owner_id=owner_id)
