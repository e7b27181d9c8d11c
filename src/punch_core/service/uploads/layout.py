"""Where an upload's bytes live while it arrives: the ports, the limits, the keys, a large upload's join."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import attrs

from punch_core.errors import (
    NotFoundError,
    ValidationError,
)
from punch_core.ports.repositories import AnalysisRepository, UploadRepository, VideoRepository
from punch_core.ports.scan import MalwareScanner
from punch_core.ports.storage import ObjectStore
from punch_core.ports.system import Clock, IdGenerator
from punch_core.ports.video import FrameSource
from punch_core.service.records import Upload

MIB = 1 << 20


COPY_CHUNK_BYTES = MIB


JOIN_PIECE_BYTES = 8 * MIB
"""The pieces a large upload is stored in (the chunk size the API suggests; S3's smallest part is 5 MiB)."""


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

    max_upload_bytes: int = 500 * MIB
    min_duration_s: float = 60.0
    max_duration_s: float = 180.0
    storage_quota_bytes: int = 10 * 1024 * MIB
    """What one user may keep: their videos and the declared sizes of their unfinished uploads, added up."""


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


@attrs.frozen
class Join:
    """Where the pieces of a large upload go: the video's key and the store's join into it."""

    key: str
    join_id: str


def join_of(store: ObjectStore, upload_id: str) -> Join | None:
    """The upload's join, when its first chunk started one."""
    try:
        found = json.loads(store.get(join_marker_key(upload_id)))
    except (NotFoundError, ValueError):
        return None
    if not isinstance(found, dict) or not all(isinstance(found.get(name), str) for name in ("key", "join_id")):
        return None
    return Join(key=found["key"], join_id=found["join_id"])


def wind_back(ports: UploadPorts, upload: Upload, offset: int) -> None:
    """Record only bytes ``[0, offset)`` as received (the repository cannot forget a range: it is stored again)."""
    ports.uploads.delete(upload.id)
    ports.uploads.add(attrs.evolve(upload, received=((0, offset),) if offset else ()))


def assembled(store: ObjectStore, parts: list[tuple[str, int]], size_bytes: int) -> Iterator[bytes]:
    """The bytes of the parts in order, one chunk in memory at a time, cut at the declared size."""
    remaining = size_bytes
    for key, _size in parts:
        reader = store.open_read(key, chunk_size=COPY_CHUNK_BYTES)
        try:
            for chunk in reader:
                if remaining <= 0:
                    break
                piece = chunk[:remaining]
                remaining -= len(piece)
                yield piece
        finally:
            close_reader(reader)


def close_reader(reader: Iterator[bytes]) -> None:
    """Close a store's reader: a generator holds a file or connection open until closed; others need nothing."""
    close = getattr(reader, "close", None)
    if callable(close):
        close()


def discard(store: ObjectStore, key: str | None) -> None:
    """Remove ``key`` if there is one, as best it can (another error is on its way to the user)."""
    if key is not None:
        with contextlib.suppress(Exception):
            # Best effort while another error is on its way to the user; a leftover file is only garbage.
            store.delete(key)
