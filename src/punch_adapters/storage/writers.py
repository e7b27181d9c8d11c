"""All-or-nothing writers: an object appears whole when the writer commits, or not at all.

Each writer takes chunks one at a time and keeps at most one block in memory (except the memory store, whose
objects live in memory anyway). ``abort`` throws away everything written so far.
"""

from __future__ import annotations

import io
import os
import secrets
from contextlib import suppress
from typing import Protocol

from fsspec.spec import AbstractFileSystem

from punch_adapters.storage.keys import TEMPORARY_MARK

# A temporary name keeps this much of the target's name, so that `ls` shows what is being written while the name
# stays under the usual 255-byte limit of a file name.
_NAME_HINT_LENGTH = 100


class AtomicWriter(Protocol):
    """Receives an object's bytes in order and publishes them at once."""

    def write(self, chunk: bytes) -> None:
        """Append one chunk (nothing is visible under the key yet)."""
        ...

    def commit(self) -> None:
        """Publish the object under its key, replacing any previous one."""
        ...

    def abort(self) -> None:
        """Throw away what was written; the key keeps its previous object, if any."""
        ...


class LocalFileWriter:
    """Writes a temporary file in the target's own folder, then renames it over the target.

    ``os.replace`` within one folder is atomic on POSIX, so readers see the old file or the whole new one. The
    temporary name holds ``~``, which no key may contain, so it never collides with an object.
    """

    def __init__(self, path: str) -> None:
        directory, name = os.path.split(path)
        os.makedirs(directory, exist_ok=True)
        self._path = path
        self._temporary = os.path.join(
            directory, f".{name[:_NAME_HINT_LENGTH]}.{secrets.token_hex(8)}{TEMPORARY_MARK}partial"
        )
        # os.open with mode 0o666 lets the umask decide permissions, as for any other file the service writes
        # (tempfile.mkstemp would make it owner-only, which a worker running as another user could not read).
        descriptor = os.open(self._temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        self._file = os.fdopen(descriptor, "wb")

    def write(self, chunk: bytes) -> None:
        """Append one chunk to the temporary file."""
        self._file.write(chunk)

    def commit(self) -> None:
        """Flush to disk, then rename over the target."""
        self._file.flush()
        # Without fsync a crash soon after the rename can leave an empty or short file under the final name.
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temporary, self._path)

    def abort(self) -> None:
        """Close and remove the temporary file."""
        self._file.close()
        with suppress(FileNotFoundError):
            os.unlink(self._temporary)


class WholeObjectWriter:
    """Assembles the object in memory and stores it in one call (for the in-memory filesystem)."""

    def __init__(self, fs: AbstractFileSystem, path: str) -> None:
        self._fs = fs
        self._path = path
        self._buffer = io.BytesIO()

    def write(self, chunk: bytes) -> None:
        """Append one chunk to the buffer."""
        self._buffer.write(chunk)

    def commit(self) -> None:
        """Store the assembled bytes under the key."""
        self._fs.pipe_file(self._path, self._buffer.getvalue())

    def abort(self) -> None:
        """Drop the buffer."""
        self._buffer = io.BytesIO()


class BufferedFileWriter:
    """Writes through an fsspec file that publishes on close (S3's multipart upload, or one PUT when small).

    s3fs uploads one part each time ``block_size`` bytes are buffered; S3 shows the object only when the upload
    completes. ``abort`` aborts the multipart upload, so no object and no dangling upload remain (unless the
    store is unreachable at that moment: a bucket lifecycle rule ``AbortIncompleteMultipartUpload`` cleans those).
    """

    def __init__(self, fs: AbstractFileSystem, path: str, *, block_size: int | None) -> None:
        options = {} if block_size is None else {"block_size": block_size}
        self._file = fs.open(path, "wb", **options)

    def write(self, chunk: bytes) -> None:
        """Buffer one chunk; uploads a part whenever a block is full."""
        self._file.write(chunk)

    def commit(self) -> None:
        """Upload the last part and complete the upload (or PUT a small object)."""
        self._file.close()

    def abort(self) -> None:
        """Abort the multipart upload and make the file unusable."""
        try:
            discard = getattr(self._file, "discard", None)
            if callable(discard):
                discard()
        finally:
            # fsspec's file closes itself when garbage-collected, and closing commits: mark it closed so what
            # was just discarded can never be published by the garbage collector.
            with suppress(AttributeError):
                self._file.closed = True
