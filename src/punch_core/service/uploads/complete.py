"""Completing an upload: the parts joined into one checked video and its analysis, once, whatever the retries."""

from __future__ import annotations

from punch_core.errors import (
    ConflictError,
    MediaError,
    NotFoundError,
    ValidationError,
)
from punch_core.ports.storage import ObjectStore
from punch_core.ports.video import VideoInfo
from punch_core.service.records import Analysis, Upload, UploadStatus, Video
from punch_core.service.uploads.inspect import probe_upload, scan_upload, sniff_upload, upload_probe_ranges
from punch_core.service.uploads.layout import (
    JOIN_PIECE_BYTES,
    Join,
    UploadLimits,
    UploadPorts,
    VideoLengthError,
    assembled,
    discard,
    join_marker_key,
    join_of,
    part_key,
    parts_prefix,
    video_key,
    wind_back,
)


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
    join = join_of(ports.store, upload.id)
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
        scan_upload(ports, parts, upload.size_bytes)
        container = sniff_upload(ports.store, parts)
        key = video_key(upload.id, container) if join is None else join.key
        ranges = upload_probe_ranges(ports.store, parts, upload.size_bytes, container)
        size_bytes = upload.size_bytes if join is not None else _assemble(ports.store, key, parts, upload.size_bytes)
        info = probe_upload(ports, key, ranges)
        if not limits.min_duration_s <= info.duration_s <= limits.max_duration_s:
            raise VideoLengthError(info.duration_s, limits.min_duration_s, limits.max_duration_s)
    except NotFoundError as exc:
        return _after_vanished(ports, upload, exc, join=join, key=key)
    except (MediaError, ValidationError) as exc:
        discard(ports.store, key)
        ports.store.delete_prefix(parts_prefix(upload.id))
        ports.uploads.set_status(upload.id, UploadStatus.REJECTED, error=exc.user_message)
        raise
    except BaseException:
        # The store, the scanner or the decoder failed, not the file: keep the parts (or the joined video) so
        # that completing again can succeed.
        if join is None:
            discard(ports.store, key)
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
    ports: UploadPorts, upload: Upload, error: NotFoundError, *, join: Join | None, key: str | None
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
    discard(ports.store, key)
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


def _finish_join(store: ObjectStore, upload: Upload, join: Join) -> str:
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


def _joined_before(store: ObjectStore, upload: Upload, join: Join) -> str:
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
    wind_back(ports, again, offset)
    raise ConflictError(f"part of your upload was lost on our side; send the rest again, starting at byte {offset}")


def _assemble(store: ObjectStore, key: str, parts: list[tuple[str, int]], size_bytes: int) -> int:
    """Write the video from its parts; returns its size.

    The parts chain exactly to the declared size (the usual case): the store joins them, on its own side where
    it can (S3 copies them without a byte passing through here). Otherwise they are streamed, cut at the size.
    """
    if sum(size for _, size in parts) == size_bytes:
        return store.concat(key, [part for part, _ in parts])
    return store.put_stream(key, assembled(store, parts, size_bytes))
