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

Modules, in the order an upload meets them: :mod:`.declare`, :mod:`.receive`, :mod:`.inspect`, :mod:`.complete`;
:mod:`.layout` holds what they share (ports, limits, keys).
"""

from punch_core.service.uploads.complete import complete_upload
from punch_core.service.uploads.declare import (
    ACCEPTED_TYPES,
    EXPIRED_MESSAGE,
    MAX_DECLARED_FILENAME_BYTES,
    MAX_FILENAME_CHARS,
    UPLOAD_EXPIRY,
    UploadRequest,
    check_upload_request,
    expire_uploads,
    initiate_upload,
    sanitise_filename,
    upload_status,
)
from punch_core.service.uploads.layout import (
    JOIN_PIECE_BYTES,
    UploadLimits,
    UploadPorts,
    VideoLengthError,
    duration_window,
    join_marker_key,
    part_key,
    parts_prefix,
    video_key,
)
from punch_core.service.uploads.receive import receive_chunk

__all__ = [
    "ACCEPTED_TYPES",
    "EXPIRED_MESSAGE",
    "JOIN_PIECE_BYTES",
    "MAX_DECLARED_FILENAME_BYTES",
    "MAX_FILENAME_CHARS",
    "UPLOAD_EXPIRY",
    "UploadLimits",
    "UploadPorts",
    "UploadRequest",
    "VideoLengthError",
    "check_upload_request",
    "complete_upload",
    "duration_window",
    "expire_uploads",
    "initiate_upload",
    "join_marker_key",
    "part_key",
    "parts_prefix",
    "receive_chunk",
    "sanitise_filename",
    "upload_status",
    "video_key",
]
