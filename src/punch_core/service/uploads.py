"""The upload use cases: start a resumable upload, receive its chunks, complete it into a checked video.

An upload is untrusted from its first byte. It is declared first (name, size, type), then sent in chunks by
byte offset, resent as often as the client likes; the bytes a chunk repeats are dropped before storing. How the
rest is stored depends on the first chunk:

- one that fills a whole piece (``JOIN_PIECE_BYTES``, 8 MiB: the chunk size the API suggests) starts a *join*
  into ``videos/{id}/source.{ext}`` (the container told from those first bytes): every piece but the last holds
  exactly 8 MiB, is gathered in memory and stored as piece ``n`` (on S3 a part of one multipart upload), and is
  recorded as soon as it is stored, so a dropped chunk keeps its whole pieces; later chunks must end on the
  8 MiB grid or at the end of the file. Completing joins the pieces (on S3 by reference: no byte is copied).
- any other first chunk keeps the upload in *parts*: each chunk streams into its own object
  (``uploads/{id}/parts/{offset:015d}``, never held whole in memory) and its range is recorded after it is
  stored; the parts always chain end to start, and completing walks them by their sizes and joins them (S3:
  server-side copies).

Completing streams the file through the malware scanner (when one is configured) before anything reads it as a
video, checks what the file really is (its first bytes, never its name or declared type), probes it (an MP4 or
MOV from its first and last megabytes when its boxes allow, else whole) and checks its length; a refused video
leaves nothing behind and the upload says why.

One id follows a round from upload to video to analysis: completing twice, even at the same time, finds the same
records instead of making new ones. The caller queues the thumbnails stage after :func:`complete_upload`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import timedelta

import attrs

from punch_core.errors import (
    BadRequestError,
    ConflictError,
    MalwareRejectedError,
    MediaError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaError,
    ValidationError,
)
from punch_core.ports.repositories import AnalysisRepository, UploadRepository, VideoRepository
from punch_core.ports.scan import MalwareScanner, ScanOutcome
from punch_core.ports.storage import ObjectStore
from punch_core.ports.system import Clock, IdGenerator
from punch_core.ports.video import FrameSource, VideoInfo
from punch_core.service.media import SNIFF_BYTES, SUPPORTED, probe_ranges, sniff_container
from punch_core.service.records import Analysis, Upload, UploadStatus, Video

ACCEPTED_TYPES = ("video/mp4", "video/quicktime", "video/webm")
"""Declared content types an upload may start with (what the file really is is checked on completion)."""

MAX_FILENAME_CHARS = 120
_MIB = 1 << 20
_COPY_CHUNK_BYTES = _MIB

JOIN_PIECE_BYTES = 8 * _MIB
"""The pieces a large upload is stored in (the chunk size the API suggests; S3's smallest part is 5 MiB)."""

# What a refused file is, told from its first bytes, so the message can say what was sent instead of a video.
_KNOWN_NON_VIDEO: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG photo"),
    (b"GIF8", 0, "a GIF image"),
    (b"%PDF", 0, "a PDF document"),
    (b"PK\x03\x04", 0, "a ZIP archive"),
    (b"ID3", 0, "an MP3 audio file"),
    (b"OggS", 0, "an Ogg audio file"),
    (b"RIFF", 0, "an AVI or WAV file"),
    (b"heic", 8, "a HEIC photo"),
)


@attrs.frozen(kw_only=True)
class UploadPorts:
    """Everything the upload use cases talk to.

    ``scanner`` checks every completed upload for malware before anything reads it as a video; ``None`` (the
    embedded default, on one's own machine) skips the scan, which the composition root says in its start-up log.
    """

    uploads: UploadRepository
    videos: VideoRepository
    analyses: AnalysisRepository
    store: ObjectStore
    source: FrameSource
    ids: IdGenerator
    clock: Clock
    scanner: MalwareScanner | None = None


@attrs.frozen(kw_only=True)
class UploadLimits:
    """What an upload may be.

    Attributes:
        max_upload_bytes: Largest accepted file, in bytes.
        min_duration_s: Shortest accepted video, in seconds.
        max_duration_s: Longest accepted video, in seconds.
        storage_quota_bytes: Most bytes one user may keep (videos and unfinished uploads).
    """

    max_upload_bytes: int = 500 * _MIB
    min_duration_s: float = 60.0
    max_duration_s: float = 180.0
    storage_quota_bytes: int = 10 * 1024 * _MIB
    """What one user may keep: their videos and the declared sizes of their unfinished uploads, added up."""


@attrs.frozen(kw_only=True)
class UploadRequest:
    """A checked upload declaration: the sanitised file name, its size and its normalised content type."""

    filename: str
    size_bytes: int
    content_type: str


class VideoLengthError(ValidationError):
    """The video is shorter or longer than a round we analyse."""

    def __init__(self, duration_s: float, min_s: float, max_s: float) -> None:
        window = duration_window(min_s, max_s)
        super().__init__("duration_s", round(duration_s, 1), window)
        # The generic "field must be ..." text reads badly here; say it as a coach would.
        self.args = (f"the video is {duration_s:.0f} s long; upload a round of {window}",)


def duration_window(min_s: float, max_s: float) -> str:
    """The accepted length in words: ``1 to 3 minutes`` (or seconds when not whole minutes)."""
    if min_s % 60 == 0 and max_s % 60 == 0:
        return f"{min_s / 60:g} to {max_s / 60:g} minutes"
    return f"{min_s:g} to {max_s:g} seconds"


def parts_prefix(upload_id: str) -> str:
    """Where an upload's chunks are stored until it completes."""
    return f"uploads/{upload_id}/parts"


def part_key(upload_id: str, offset: int) -> str:
    """The object holding the part of an upload that starts at byte ``offset``."""
    return f"{parts_prefix(upload_id)}/{offset:015d}"


def join_marker_key(upload_id: str) -> str:
    """The object naming the join a large upload's pieces go to (with its parts, so removed with them)."""
    return f"{parts_prefix(upload_id)}/join.json"


def video_key(video_id: str, container: str) -> str:
    """Where a validated video's file lives."""
    return f"videos/{video_id}/source.{container}"


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
            f"this video is {-(-size_bytes // _MIB)} MB; the most we accept is {limits.max_upload_bytes // _MIB} MB"
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
            f"your storage is full: {used / 1024 / _MIB:.1f} of {limits.storage_quota_bytes / 1024 / _MIB:.1f} GB "
            f"are in use and this video needs {-(-request.size_bytes // _MIB)} MB more; delete old reports (their "
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
            join = _join_of(ports.store, upload.id)
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


def _check_receiving(upload: Upload) -> None:
    if upload.status is UploadStatus.COMPLETE:
        raise ConflictError("this upload is already complete; its video is being prepared")
    if upload.status is UploadStatus.REJECTED:
        raise ConflictError(f"this upload was refused ({upload.error}); start a new upload")


def receive_chunk(ports: UploadPorts, upload_id: str, owner_id: str, offset: int, chunks: Iterable[bytes]) -> Upload:
    """Store one chunk of an upload that starts at byte ``offset``; returns the upload with its range recorded.

    ``chunks`` is consumed once, as it arrives, with bounded memory. Bytes already received are dropped (so
    resending a chunk, whole or overlapping, changes nothing); only the new bytes are stored, as the part that
    starts at the current ``received_offset``, and recorded after they are safely stored. If ``chunks`` fails
    (the connection drops) nothing is recorded and the client resumes from ``received_offset``.

    Raises:
        NotFoundError: for a missing upload or another owner's.
        ConflictError: if the upload is complete or refused, or ``offset`` is past ``received_offset`` (a gap:
            the message says where to resume).
        BadRequestError: for a negative offset, or a chunk that runs past the declared size.
    """
    upload = ports.uploads.get(upload_id, owner_id=owner_id)
    _check_receiving(upload)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadRequestError(f"the chunk offset must be a byte position of 0 or more, got {offset!r}")
    if offset > upload.size_bytes:
        raise BadRequestError(
            f"this chunk starts at byte {offset}, past the end of the {upload.size_bytes}-byte file you declared"
        )
    resume = upload.received_offset
    if offset > resume:
        raise ConflictError(
            f"bytes {resume} to {offset} have not arrived yet: send the chunk that starts at byte {resume}"
        )
    fresh = _new_bytes(chunks, skip=resume - offset, room=upload.size_bytes - offset, offset=offset, upload=upload)
    # Peek at the first new byte: a chunk that only repeats what arrived stores nothing (an empty part would
    # break the chain of parts), and a chunk that fails before any new byte leaves the stored part untouched.
    first = next(fresh, None)
    if first is None:
        return ports.uploads.get(upload_id, owner_id=owner_id)
    stream: Iterator[bytes] = itertools.chain((first,), fresh)
    join = _join_of(ports.store, upload_id)
    if join is None and resume == 0:
        # The first chunk decides: one that fills a whole piece starts a join, a smaller one stays a part.
        head = _take(stream, JOIN_PIECE_BYTES)
        held = sum(len(chunk) for chunk in head)
        if held < JOIN_PIECE_BYTES:
            written = ports.store.put_stream(part_key(upload_id, 0), head)
            return ports.uploads.add_range(upload_id, 0, written)
        join = _start_join(ports.store, upload_id, _first_bytes(head, SNIFF_BYTES))
        stream = itertools.chain(_handed_over(head), stream)
    if join is None:
        written = ports.store.put_stream(part_key(upload_id, resume), stream)
        return ports.uploads.add_range(upload_id, resume, resume + written)
    return _receive_pieces(ports, upload, join, resume, stream)


def _take(chunks: Iterator[bytes], least: int) -> list[bytes]:
    """Chunks from ``chunks`` until they hold at least ``least`` bytes (or it ends); the rest stays in it."""
    taken: list[bytes] = []
    held = 0
    for chunk in chunks:
        taken.append(chunk)
        held += len(chunk)
        if held >= least:
            break
    return taken


def _handed_over(chunks: list[bytes]) -> Iterator[bytes]:
    """The chunks in order, each let go of as it is handed over (the list holds up to a piece)."""
    chunks.reverse()
    while chunks:
        yield chunks.pop()


def _first_bytes(chunks: list[bytes], count: int) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk[: count - len(head)]
        if len(head) >= count:
            break
    return head


@attrs.frozen
class _Join:
    """Where the pieces of a large upload go: the video's key and the store's join into it."""

    key: str
    join_id: str


def _join_of(store: ObjectStore, upload_id: str) -> _Join | None:
    """The upload's join, when its first chunk started one."""
    try:
        found = json.loads(store.get(join_marker_key(upload_id)))
    except (NotFoundError, ValueError):
        return None
    if not isinstance(found, dict) or not all(isinstance(found.get(name), str) for name in ("key", "join_id")):
        return None
    return _Join(key=found["key"], join_id=found["join_id"])


def _start_join(store: ObjectStore, upload_id: str, head: bytes) -> _Join:
    """Start the join the upload's pieces go to, into the video's key (named from the first bytes)."""
    try:
        container = sniff_container(head[:SNIFF_BYTES])
    except MediaError:
        container = "unknown"  # completing refuses it, saying what it is
    key = video_key(upload_id, container)
    join = _Join(key=key, join_id=store.start_join(key))
    store.put(join_marker_key(upload_id), json.dumps(attrs.asdict(join)).encode())
    return join


def _receive_pieces(ports: UploadPorts, upload: Upload, join: _Join, resume: int, chunks: Iterator[bytes]) -> Upload:
    """Store the new bytes of a chunk as whole pieces of the join, recording each as soon as it is stored.

    Every piece but the file's last holds exactly ``JOIN_PIECE_BYTES``, so piece ``n`` always holds the same
    bytes and a resent one replaces it with the same. A chunk that stops short of a piece's end (the connection
    dropped, or it was not a multiple of the piece size) keeps the whole pieces before it.
    """
    if resume % JOIN_PIECE_BYTES:
        raise ConflictError(  # only a store that lost what it recorded gets here
            f"this upload is stored in pieces of {JOIN_PIECE_BYTES} bytes; start a new upload"
        )
    # Each piece is gathered in a buffer of its own, handed to the store as it is (never changed afterwards).
    start, piece, held = resume, bytearray(), 0
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            if not piece:
                piece = bytearray(JOIN_PIECE_BYTES)
            taken = view[: JOIN_PIECE_BYTES - held]
            piece[held : held + len(taken)] = taken
            held += len(taken)
            view = view[len(taken) :]
            if held == JOIN_PIECE_BYTES:
                upload = _store_piece(ports, upload, join, start, piece)
                start, piece, held = start + JOIN_PIECE_BYTES, bytearray(), 0
    if held and start + held == upload.size_bytes:
        return _store_piece(ports, upload, join, start, bytes(memoryview(piece)[:held]))
    if held:
        raise BadRequestError(
            f"this upload is stored in pieces of {JOIN_PIECE_BYTES} bytes: send chunks that end on a multiple "
            f"of {JOIN_PIECE_BYTES} bytes or at the end of the file (we suggest {JOIN_PIECE_BYTES // _MIB} MB); "
            f"send the rest starting at byte {start}"
        )
    return upload


def _store_piece(ports: UploadPorts, upload: Upload, join: _Join, start: int, data: bytes | bytearray) -> Upload:
    try:
        ports.store.put_piece(join.key, join.join_id, start // JOIN_PIECE_BYTES + 1, data)
    except NotFoundError:
        # The join is gone (only a store that lost it gets here): the upload starts again from its first byte.
        ports.store.delete(join_marker_key(upload.id))
        _wind_back(ports, ports.uploads.get(upload.id, owner_id=upload.owner_id), 0)
        raise ConflictError("part of your upload was lost on our side; send it again, starting at byte 0") from None
    return ports.uploads.add_range(upload.id, start, start + len(data))


def _new_bytes(chunks: Iterable[bytes], *, skip: int, room: int, offset: int, upload: Upload) -> Iterator[bytes]:
    """The non-empty pieces of ``chunks`` after its first ``skip`` bytes; raises once more than ``room`` arrive."""
    seen = 0
    for chunk in chunks:
        if not chunk:
            continue
        seen += len(chunk)
        if seen > room:
            raise BadRequestError(
                f"this chunk runs past the end of the {upload.size_bytes}-byte file you declared "
                f"(it starts at byte {offset} and holds more than {room} bytes); start a new upload with the "
                "file's real size"
            )
        if seen <= skip:
            continue
        yield chunk[len(chunk) - (seen - skip) :] if seen - len(chunk) < skip else chunk


def complete_upload(
    ports: UploadPorts, upload_id: str, owner_id: str, *, limits: UploadLimits
) -> tuple[Video, Analysis]:
    """Turn a fully received upload into a checked video and a new analysis (status ``created``).

    The parts are first streamed through the malware scanner (when there is one), before anything reads them
    as a video; then they are assembled in order into ``videos/{id}/source.{container}`` (streamed), the
    container is told from the first bytes, the file is probed and its length checked. A refused file (infected,
    unscannable or not a usable video) is deleted with its parts and the upload is marked ``rejected`` with the
    reason, so nothing half-written stays visible. On success
    the parts are deleted and the upload is marked ``complete``. Completing again returns the same records.
    The caller queues the thumbnails stage.

    Raises:
        NotFoundError: for a missing upload or another owner's (or a completed upload whose video was deleted).
        ConflictError: if bytes are missing (the message says where to resume) or the upload was refused.
        MalwareRejectedError: if the scan finds malware in the file or cannot check it (the file is deleted).
        ScannerUnavailableError: if the scanner is down or does not answer (nothing is refused; completing
            later works).
        UnsupportedMediaError: if the file is not MP4, MOV or WebM (the message says what it is).
        MediaError: if the video is corrupt or cut short.
        ValidationError: if the video is shorter or longer than allowed (:class:`VideoLengthError`).
        StorageUnavailableError: if the store is down (nothing is refused; completing later works).
    """
    upload = ports.uploads.get(upload_id, owner_id=owner_id)
    if upload.status is UploadStatus.COMPLETE:
        return _completed(ports, upload)
    if upload.status is UploadStatus.REJECTED:
        raise ConflictError(f"this upload was refused ({upload.error}); start a new upload")
    if upload.received_offset < upload.size_bytes:
        raise ConflictError(
            f"only {upload.received_offset} of {upload.size_bytes} bytes have arrived: "
            f"send the rest, starting at byte {upload.received_offset}"
        )
    join = _join_of(ports.store, upload.id)
    try:
        # A joined upload is one stored object already: its "parts" are that object.
        parts = (
            _walk_parts(ports.store, upload)
            if join is None
            else [(_finish_join(ports.store, upload, join), upload.size_bytes)]
        )
    except _MissingPartError as missing:
        return _after_missing_part(ports, upload, missing.offset)

    key: str | None = None if join is None else join.key
    try:
        _scan(ports, parts, upload.size_bytes)
        container = _sniff(ports.store, parts)
        key = video_key(upload.id, container) if join is None else join.key
        ranges = _probe_ranges(ports.store, parts, upload.size_bytes, container)
        size_bytes = upload.size_bytes if join is not None else _assemble(ports.store, key, parts, upload.size_bytes)
        info = _probe(ports, key, ranges)
        if not limits.min_duration_s <= info.duration_s <= limits.max_duration_s:
            raise VideoLengthError(info.duration_s, limits.min_duration_s, limits.max_duration_s)
    except NotFoundError as exc:
        return _after_vanished(ports, upload, exc, join=join, key=key)
    except (MediaError, ValidationError) as exc:
        _discard(ports.store, key)
        ports.store.delete_prefix(parts_prefix(upload.id))
        ports.uploads.set_status(upload.id, UploadStatus.REJECTED, error=exc.user_message)
        raise
    except BaseException:
        # The store, the scanner or the decoder failed, not the file: keep the parts (or the joined video) so
        # that completing again can succeed.
        if join is None:
            _discard(ports.store, key)
        raise

    return _record_video(ports, upload, key=key, container=container, size_bytes=size_bytes, info=info)


def _record_video(
    ports: UploadPorts, upload: Upload, *, key: str, container: str, size_bytes: int, info: VideoInfo
) -> tuple[Video, Analysis]:
    """The checked video's records (found instead when a completion beside this one made them first)."""
    now = ports.clock.now()
    video = Video(
        id=upload.id,
        owner_id=upload.owner_id,
        object_key=key,
        filename=upload.filename,
        container=container,
        duration_s=info.duration_s,
        fps=info.fps,
        width=info.width,
        height=info.height,
        size_bytes=size_bytes,
        created_at=now,
    )
    try:
        ports.videos.add(video)
    except ConflictError:
        video = ports.videos.get(upload.id, owner_id=upload.owner_id)
    analysis = Analysis(id=upload.id, owner_id=upload.owner_id, video_id=video.id, created_at=now, updated_at=now)
    try:
        ports.analyses.add(analysis)
    except ConflictError:
        analysis = ports.analyses.get(upload.id, owner_id=upload.owner_id)
    # Marked complete before the parts go: a crash in between leaves only garbage, never a completed video
    # whose upload would ask for its bytes again.
    ports.uploads.set_status(upload.id, UploadStatus.COMPLETE)
    ports.store.delete_prefix(parts_prefix(upload.id))
    return video, analysis


def _after_vanished(
    ports: UploadPorts, upload: Upload, error: NotFoundError, *, join: _Join | None, key: str | None
) -> tuple[Video, Analysis]:
    """What was being checked went away mid-way.

    A completion beside this one finished (its records are ours) or refused it, or the store lost part of it
    (the client resends from the first byte missing); otherwise ``error`` stands.
    """
    again = ports.uploads.get(upload.id, owner_id=upload.owner_id)
    if again.status is UploadStatus.COMPLETE:
        return _completed(ports, again)
    if join is not None:
        if again.status is UploadStatus.REJECTED:
            raise ConflictError(f"this upload was refused ({again.error}); start a new upload") from None
        ports.store.delete(join_marker_key(upload.id))
        return _after_missing_part(ports, again, 0)
    _discard(ports.store, key)
    try:
        _walk_parts(ports.store, again)
    except _MissingPartError as missing:
        return _after_missing_part(ports, again, missing.offset)
    raise error


def _completed(ports: UploadPorts, upload: Upload) -> tuple[Video, Analysis]:
    try:
        video = ports.videos.get(upload.id, owner_id=upload.owner_id)
        analysis = ports.analyses.get(upload.id, owner_id=upload.owner_id)
    except NotFoundError as exc:
        raise NotFoundError("the video of this upload has been deleted; upload it again") from exc
    # Parts left by a crash after the upload was marked complete.
    ports.store.delete_prefix(parts_prefix(upload.id))
    return video, analysis


class _MissingPartError(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset
        super().__init__(offset)


def _walk_parts(store: ObjectStore, upload: Upload) -> list[tuple[str, int]]:
    """The parts in order with their sizes, following the chain from byte 0 to the declared size.

    The sizes come from one listing of the parts, not a request per part (a 500 MB upload has 60 or more).
    """
    stored = store.sizes(parts_prefix(upload.id))
    parts: list[tuple[str, int]] = []
    position = 0
    while position < upload.size_bytes:
        key = part_key(upload.id, position)
        size = stored.get(key, 0)
        if size <= 0:
            raise _MissingPartError(position)
        parts.append((key, size))
        position += size
    return parts


def _finish_join(store: ObjectStore, upload: Upload, join: _Join) -> str:
    """Join the upload's pieces into the video's key (S3: by reference, no byte copied); returns the key.

    Raises:
        _MissingPartError: at the first piece that is missing or not of its size (the join stays, so the
            client resends from there); at byte 0 when the join itself is lost (it starts again).
    """
    count = max(1, -(-upload.size_bytes // JOIN_PIECE_BYTES))
    try:
        stored = store.piece_sizes(join.key, join.join_id)
    except NotFoundError:
        return _joined_before(store, upload, join)
    for number in range(1, count + 1):
        start = (number - 1) * JOIN_PIECE_BYTES
        if stored.get(number) != min(JOIN_PIECE_BYTES, upload.size_bytes - start):
            raise _MissingPartError(start)
    try:
        store.finish_join(join.key, join.join_id, list(range(1, count + 1)))
    except NotFoundError:
        return _joined_before(store, upload, join)
    return join.key


def _joined_before(store: ObjectStore, upload: Upload, join: _Join) -> str:
    """The key of a finished join's video; the join is forgotten (the upload starts again) if it is not there.

    A completion beside this one, or one that failed after joining, finished it.
    """
    if store.exists(join.key):
        return join.key
    store.delete(join_marker_key(upload.id))
    raise _MissingPartError(0)


def _after_missing_part(ports: UploadPorts, upload: Upload, offset: int) -> tuple[Video, Analysis]:
    """A part is missing although its bytes were recorded (two chunks raced for one offset, or it was lost).

    Unless a completion beside this one has just finished (and removed the parts), the recorded ranges are
    wound back to the bytes that really are stored, so that the client can resend the rest.
    """
    again = ports.uploads.get(upload.id, owner_id=upload.owner_id)
    if again.status is UploadStatus.COMPLETE:
        return _completed(ports, again)
    _wind_back(ports, again, offset)
    raise ConflictError(f"part of your upload was lost on our side; send the rest again, starting at byte {offset}")


def _wind_back(ports: UploadPorts, upload: Upload, offset: int) -> None:
    """Record only bytes ``[0, offset)`` as received (the repository cannot forget a range: it is stored again)."""
    ports.uploads.delete(upload.id)
    ports.uploads.add(attrs.evolve(upload, received=((0, offset),) if offset else ()))


def _scan(ports: UploadPorts, parts: list[tuple[str, int]], size_bytes: int) -> None:
    """Stream the whole file through the malware scanner; raises :class:`MalwareRejectedError` unless it is clean.

    The parts are read once for the scan and again for assembling: the scanner answers only at the end, and
    nothing may read the bytes as a video before it has.
    """
    if ports.scanner is None:
        return
    verdict = ports.scanner.scan(_assembled(ports.store, parts, size_bytes))
    if verdict.outcome is ScanOutcome.CLEAN:
        return
    if verdict.outcome is ScanOutcome.INFECTED:
        message = (
            f"this file was rejected by the malware scan ({verdict.detail}) and has been deleted; "
            "upload the video straight from the phone or camera that recorded it"
        )
    else:
        message = (
            f"this file could not be checked by the malware scan ({verdict.detail}), so it has been deleted; "
            "export the video again from the phone or camera that recorded it and upload that"
        )
    raise MalwareRejectedError(message, reason=verdict.detail)


def _sniff(store: ObjectStore, parts: list[tuple[str, int]]) -> str:
    """The container, from the first bytes of the file; what the file is instead when it is not a video."""
    head = b""
    for key, _size in parts:
        reader = store.open_read(key, chunk_size=SNIFF_BYTES)
        try:
            for chunk in reader:
                head += chunk
                if len(head) >= SNIFF_BYTES:
                    break
        finally:
            _close(reader)
        if len(head) >= SNIFF_BYTES:
            break
    try:
        return sniff_container(head)
    except MediaError as exc:
        found = _describe(head)
        message = exc.user_message if found is None else f"this is {found}, not a video: upload {SUPPORTED}"
        raise UnsupportedMediaError(message) from exc


def _describe(head: bytes) -> str | None:
    for magic, at, what in _KNOWN_NON_VIDEO:
        if head[at : at + len(magic)] == magic:
            return what
    return None


def _probe_ranges(
    store: ObjectStore, parts: list[tuple[str, int]], size_bytes: int, container: str
) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges a probe of the file needs, when its boxes tell them (MP4 and MOV); else None.

    Only box headers are read, from the parts, after the scan: nothing is decoded here.
    """
    if container not in ("mp4", "mov"):
        return None
    return probe_ranges(size_bytes, lambda start, end: _read_span(store, parts, start, end))


def _read_span(store: ObjectStore, parts: list[tuple[str, int]], start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of the file the parts make, read from each part they overlap."""
    pieces = []
    offset = 0
    for key, size in parts:
        if offset >= end:
            break
        low, high = max(start, offset), min(end, offset + size)
        if low < high:
            pieces.append(store.read_range(key, low - offset, high - offset))
        offset += size
    return b"".join(pieces)


def _probe(ports: UploadPorts, key: str, ranges: tuple[tuple[int, int], ...] | None) -> VideoInfo:
    """Probe the assembled video: from only ``ranges`` when they are known, else (or if that fails) all of it.

    A store that copies the file for the decoder then fetches a few megabytes instead of the whole video. Only
    a probe of the whole file refuses it: when the probe of the ranges fails, something the decoder wanted may
    lie between them, so the whole file decides.
    """
    if ranges is not None:
        with contextlib.suppress(MediaError), ports.store.local_path(key, ranges=ranges) as path:
            return ports.source.probe(path)
    with ports.store.local_path(key) as path:
        return ports.source.probe(path)


def _assemble(store: ObjectStore, key: str, parts: list[tuple[str, int]], size_bytes: int) -> int:
    """Write the video from its parts; returns its size.

    The parts chain exactly to the declared size (the usual case): the store joins them, on its own side where
    it can (S3 copies them without a byte passing through here). Otherwise they are streamed, cut at the size.
    """
    if sum(size for _, size in parts) == size_bytes:
        return store.concat(key, [part for part, _ in parts])
    return store.put_stream(key, _assembled(store, parts, size_bytes))


def _assembled(store: ObjectStore, parts: list[tuple[str, int]], size_bytes: int) -> Iterator[bytes]:
    """The bytes of the parts in order, one chunk in memory at a time, cut at the declared size."""
    remaining = size_bytes
    for key, _size in parts:
        reader = store.open_read(key, chunk_size=_COPY_CHUNK_BYTES)
        try:
            for chunk in reader:
                if remaining <= 0:
                    break
                piece = chunk[:remaining]
                remaining -= len(piece)
                yield piece
        finally:
            _close(reader)


def _close(reader: Iterator[bytes]) -> None:
    # A generator holds a file or connection open until it is closed; other iterators need nothing.
    close = getattr(reader, "close", None)
    if callable(close):
        close()


def _discard(store: ObjectStore, key: str | None) -> None:
    if key is not None:
        with contextlib.suppress(Exception):
            # Best effort while another error is on its way to the user; a leftover file is only garbage.
            store.delete(key)
