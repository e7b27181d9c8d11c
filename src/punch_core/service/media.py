"""What a video file is, told from its first bytes (never from its name or a client's claim)."""

from __future__ import annotations

from collections.abc import Callable

from punch_core.errors import MediaError

SNIFF_BYTES = 64
# ISO base media (MP4, MOV) files start with a box: 4-byte size then the box type.
_ISO_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")
_QUICKTIME_BRANDS = (b"qt  ",)
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SUPPORTED = "MP4, MOV or WebM"


def sniff_container(head: bytes) -> str:
    """The container of a video from its first bytes: ``mp4``, ``mov`` or ``webm``.

    Args:
        head: The file's first bytes (at least 12; :data:`SNIFF_BYTES` is plenty).

    Raises:
        MediaError: for empty files and anything that is not MP4, MOV or WebM, with what to do about it.
    """
    if not head:
        raise MediaError(f"the file is empty: choose a video file ({SUPPORTED})")
    if len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES:
        if head[4:8] == b"ftyp" and len(head) >= 12:
            return "mov" if head[8:12] in _QUICKTIME_BRANDS else "mp4"
        return "mov"
    if head[:4] == _EBML_MAGIC:
        # Matroska and WebM share EBML; the doctype says which. Phones and browsers record WebM.
        if b"webm" in head[:SNIFF_BYTES]:
            return "webm"
        raise MediaError(f"this is a Matroska (.mkv) file; convert it to {SUPPORTED} first")
    raise MediaError(f"this file is not a video we can read: use {SUPPORTED} (as recorded by a phone)")


PROBE_HEAD_BYTES = 4 * 1024 * 1024
"""Bytes from the start of an MP4 or MOV file a probe gets: its header boxes and first frames, with room to spare
(a phone's 4K keyframe is one or two megabytes)."""

PROBE_TAIL_BYTES = 1024 * 1024
"""Bytes from the end a probe gets: where a phone writes the ``moov`` box (the index) after recording."""

# Box headers are read this much at a time (the boxes themselves are not read), and no more reads than this are
# made before giving up: a file with many boxes at its ends is rare, and then the whole file is probed anyway.
_HEADER_READ_BYTES = 64 * 1024
_MAX_HEADER_READS = 8


def probe_ranges(size: int, read: Callable[[int, int], bytes]) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges of an MP4 or MOV file a probe needs, when its top-level boxes tell them; else None.

    A probe (container, tracks, duration, frame rate, the first frame) reads the boxes other than ``mdat`` and
    the first frames at the start of ``mdat``. This walks the top-level boxes, reading only their headers; when
    every box but ``mdat`` lies in the first :data:`PROBE_HEAD_BYTES` or the last :data:`PROBE_TAIL_BYTES`, and
    the boxes end exactly at ``size``, those two ranges hold all a probe reads (the first frames with them),
    and the media data between them need not be fetched.

    Args:
        size: The file's size in bytes.
        read: Returns bytes ``[start, end)`` of the file (called a few times, for small spans).

    Returns:
        The ranges, as ``[start, end)`` pairs; None when they cannot be told this way (a file too small for the
        distinction to matter, a box in the middle, a malformed chain, no ``moov``, too many boxes): then the
        whole file is needed.
    """
    head_end, tail_start = PROBE_HEAD_BYTES, size - PROBE_TAIL_BYTES
    if tail_start <= head_end:
        return None
    headers = _BoxHeaders(read, size)
    position, has_moov = 0, False
    while position < size:
        # A box header between the two ranges cannot be read; a box other than mdat must lie in one of them.
        region_end = head_end if position < head_end else size if position >= tail_start else 0
        box = headers.box_at(position, region_end)
        if box is None or (box[0] != b"mdat" and box[1] > region_end):
            return None
        has_moov = has_moov or box[0] == b"moov"
        position = box[1]
    return ((0, head_end), (tail_start, size)) if has_moov else None


class _BoxHeaders:
    """Reads top-level box headers of a file a block at a time, at most ``_MAX_HEADER_READS`` times."""

    def __init__(self, read: Callable[[int, int], bytes], size: int) -> None:
        self._read = read
        self._size = size
        self._block_start = 0
        self._block = b""
        self._reads = 0

    def box_at(self, position: int, region_end: int) -> tuple[bytes, int] | None:
        """The type and end of the box at ``position`` (its header read from before ``region_end``), or None."""
        if position + 8 > region_end:
            return None
        if not self._block_start <= position <= self._block_start + len(self._block) - 16:
            self._reads += 1
            if self._reads > _MAX_HEADER_READS:
                return None
            self._block_start = position
            self._block = self._read(position, min(position + _HEADER_READ_BYTES, region_end))
        header = self._block[position - self._block_start : position - self._block_start + 16]
        if len(header) < 8:
            return None
        length, kind, header_length = int.from_bytes(header[:4], "big"), header[4:8], 8
        if length == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                return None
            length, header_length = int.from_bytes(header[8:16], "big"), 16
        elif length == 0:  # the box runs to the end of the file
            length = self._size - position
        if length < header_length or position + length > self._size:
            return None
        return kind, position + length
