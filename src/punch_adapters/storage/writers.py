"""All-or-nothing writers: an object appears whole when the writer commits, or not at all.

Each writer takes chunks one at a time and keeps at most one block in memory (except the memory store, whose
objects live in memory anyway). ``abort`` throws away everything written so far.
"""

from __future__ import annotations

import io
import os
import secrets
from contextlib import suppress
from typing import Any, Protocol

from fsspec.spec import AbstractFileSystem

from punch_adapters.storage.keys import TEMPORARY_MARK

# A temporary name keeps this much of the target's name, so that `ls` shows what is being written while the name
# stays under the usual 255-byte limit of a file name.
_NAME_HINT_LENGTH = 100
# Without a block size, objects up to S3's smallest part go up in one request.
_ONE_PUT_BYTES = 5 * 1024 * 1024


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
    """Writes an object in one PUT when it fits in one block, else through an fsspec file that publishes on close.

    Up to ``block_size`` bytes are held here; an object that ends within them is stored with one request
    (``pipe_file``: S3's PutObject). Past that, the bytes held and every later chunk go to an fsspec file:
    s3fs uploads one part each time ``block_size`` bytes are buffered, and S3 shows the object only when the
    multipart upload completes. (Left to itself, s3fs starts a multipart upload as soon as its buffer *reaches*
    a block, so an object of exactly one block, such as an upload's 8 MiB chunk, would cost three requests and
    a server-side reassembly instead of one PUT.) ``abort`` aborts the multipart upload, so no object and no
    dangling upload remain (unless the store is unreachable at that moment: a bucket lifecycle rule
    ``AbortIncompleteMultipartUpload`` cleans those).
    """

    def __init__(self, fs: AbstractFileSystem, path: str, *, block_size: int | None) -> None:
        self._fs = fs
        self._path = path
        self._block_size = block_size
        self._one_put_bytes = block_size if block_size is not None else _ONE_PUT_BYTES
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._file: Any = None

    def write(self, chunk: bytes) -> None:
        """Hold one chunk while the object fits in one block; past that, stream it (a part per full block)."""
        if self._file is None:
            if self._held_bytes + len(chunk) <= self._one_put_bytes:
                self._held.append(bytes(chunk))  # a caller may reuse a bytearray it passed
                self._held_bytes += len(chunk)
                return
            options = {} if self._block_size is None else {"block_size": self._block_size}
            self._file = self._fs.open(self._path, "wb", **options)
            held, self._held, self._held_bytes = self._held, [], 0
            held.reverse()
            while held:  # each piece is let go once the file has buffered it
                self._file.write(held.pop())
        self._file.write(chunk)

    def commit(self) -> None:
        """Store a small object with one PUT, or upload the last part and complete the multipart upload."""
        if self._file is None:
            self._fs.pipe_file(self._path, b"".join(self._held))
            self._held, self._held_bytes = [], 0
            return
        self._file.close()

    def abort(self) -> None:
        """Drop what is held, or abort the multipart upload and make the file unusable."""
        self._held, self._held_bytes = [], 0
        if self._file is None:
            return
        try:
            discard = getattr(self._file, "discard", None)
            if callable(discard):
                discard()
        finally:
            # fsspec's file closes itself when garbage-collected, and closing commits: mark it closed so what
            # was just discarded can never be published by the garbage collector.
            with suppress(AttributeError):
                self._file.closed = True
