"""Inspecting a received file before anything decodes it: malware scan, what it really is, its probe."""

from __future__ import annotations

import contextlib

from punch_core.errors import (
    MalwareRejectedError,
    MediaError,
    UnsupportedMediaError,
)
from punch_core.ports.scan import ScanOutcome
from punch_core.ports.storage import ObjectStore
from punch_core.ports.video import VideoInfo
from punch_core.service.media import SNIFF_BYTES, SUPPORTED, probe_ranges, sniff_container
from punch_core.service.uploads.layout import UploadPorts, assembled, close_reader

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


def scan_upload(ports: UploadPorts, parts: list[tuple[str, int]], size_bytes: int) -> None:
    """Stream the whole file through the malware scanner; raises :class:`MalwareRejectedError` unless it is clean.

    The parts are read once for the scan and again for assembling: the scanner answers only at the end, and
    nothing may read the bytes as a video before it has.
    """
    if ports.scanner is None:
        return
    verdict = ports.scanner.scan(assembled(ports.store, parts, size_bytes))
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


def sniff_upload(store: ObjectStore, parts: list[tuple[str, int]]) -> str:
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
            close_reader(reader)
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


def upload_probe_ranges(
    store: ObjectStore, parts: list[tuple[str, int]], size_bytes: int, container: str
) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges a probe of the file needs, when its boxes tell them (MP4 and MOV); else None.

    Only box headers are read, from the parts, after the scan: nothing is decoded here.
    """
    if container not in ("mp4", "mov"):
        return None
    return probe_ranges(size_bytes, lambda start, end: read_span(store, parts, start, end))


def read_span(store: ObjectStore, parts: list[tuple[str, int]], start: int, end: int) -> bytes:
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


def probe_upload(ports: UploadPorts, key: str, ranges: tuple[tuple[int, int], ...] | None) -> VideoInfo:
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
