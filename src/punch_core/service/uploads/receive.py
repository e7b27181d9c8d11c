"""Receiving an upload's chunks by byte offset: repeats dropped, parts or 8 MiB join pieces stored as they come."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator

import attrs

from punch_core.errors import (
    BadRequestError,
    ConflictError,
    MediaError,
    NotFoundError,
)
from punch_core.ports.storage import ObjectStore
from punch_core.service.media import SNIFF_BYTES, sniff_container
from punch_core.service.records import Upload, UploadStatus
from punch_core.service.uploads.layout import (
    JOIN_PIECE_BYTES,
    MIB,
    Join,
    UploadPorts,
    join_marker_key,
    join_of,
    part_key,
    video_key,
    wind_back,
)


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
    join = join_of(ports.store, upload_id)
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


def _start_join(store: ObjectStore, upload_id: str, head: bytes) -> Join:
    """Start the join the upload's pieces go to, into the video's key (named from the first bytes)."""
    try:
        container = sniff_container(head[:SNIFF_BYTES])
    except MediaError:
        container = "unknown"  # completing refuses it, saying what it is
    key = video_key(upload_id, container)
    join = Join(key=key, join_id=store.start_join(key))
    store.put(join_marker_key(upload_id), json.dumps(attrs.asdict(join)).encode())
    return join


def _receive_pieces(ports: UploadPorts, upload: Upload, join: Join, resume: int, chunks: Iterator[bytes]) -> Upload:
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
            f"of {JOIN_PIECE_BYTES} bytes or at the end of the file (we suggest {JOIN_PIECE_BYTES // MIB} MB); "
            f"send the rest starting at byte {start}"
        )
    return upload


def _store_piece(ports: UploadPorts, upload: Upload, join: Join, start: int, data: bytes | bytearray) -> Upload:
    try:
        ports.store.put_piece(join.key, join.join_id, start // JOIN_PIECE_BYTES + 1, data)
    except NotFoundError:
        # The join is gone (only a store that lost it gets here): the upload starts again from its first byte.
        ports.store.delete(join_marker_key(upload.id))
        wind_back(ports, ports.uploads.get(upload.id, owner_id=upload.owner_id), 0)
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
