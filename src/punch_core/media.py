"""What a video file is, told from its first bytes (never from its name or a client's claim)."""

from __future__ import annotations

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
