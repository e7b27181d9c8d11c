"""``FsspecObjectStore``: the ``ObjectStore`` port on any fsspec filesystem under a root path."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import IO

from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.spec import AbstractFileSystem

from punch_adapters.storage.driver_errors import Action, translate_errors
from punch_adapters.storage.keys import TEMPORARY_MARK, validate_key
from punch_adapters.storage.writers import AtomicWriter, BufferedFileWriter, LocalFileWriter, WholeObjectWriter
from punch_core.errors import NotFoundError, StorageUnavailableError, ValidationError
from punch_core.ports import ObjectStore

logger = logging.getLogger(__name__)

_COPY_CHUNK_BYTES = 1 << 20
_S3_MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part, except the last
_S3_MAX_PARTS = 10_000  # S3's most parts in one upload


class FsspecObjectStore(ObjectStore):
    """Objects as files under ``root`` on an fsspec filesystem: a local folder, memory, or an S3 bucket.

    An object's key is its path below ``root`` (``videos/abc/source.mp4``). Writes are all or nothing, by the
    filesystem's own means: a local folder writes a temporary file beside the target and renames it, memory
    assembles the object before storing it, and S3 (or any filesystem whose files publish on close) uploads in
    parts that appear only when the upload completes, and aborts the upload on failure. Reads stream in
    bounded chunks. Driver errors become ``NotFoundError``, ``ConflictError`` or ``StorageUnavailableError``.

    Build one with ``local_store``, ``memory_store``, ``s3_store`` or ``store_from_url`` rather than by hand.

    Args:
        fs: The fsspec filesystem (``LocalFileSystem``, ``MemoryFileSystem``, ``s3fs.S3FileSystem``...).
        root: The path under which objects live, in the filesystem's own form (an absolute folder path,
            ``/name`` for memory, ``bucket/prefix`` for S3), without a trailing ``/``.
        description: What the store is, for error messages a user may read (``S3 bucket 'punch-videos'``);
            name no secret, path or endpoint here.
        write_block_size: Bytes buffered before each part of an upload (S3: at least 5 MiB, its minimum part
            size); ``None`` keeps the filesystem's default.
    """

    def __init__(
        self, fs: AbstractFileSystem, root: str, *, description: str, write_block_size: int | None = None
    ) -> None:
        trimmed = root.rstrip("/")
        if not trimmed:
            raise ValidationError("root", root, "a non-empty path under which the objects live")
        self._fs = fs
        self._root = trimmed
        self._description = description
        self._write_block_size = write_block_size
        self._is_local = isinstance(fs, LocalFileSystem)

    @property
    def fs(self) -> AbstractFileSystem:
        """The fsspec filesystem underneath."""
        return self._fs

    @property
    def root(self) -> str:
        """The path under which the objects live."""
        return self._root

    @property
    def description(self) -> str:
        """What the store is, in words (used in error messages)."""
        return self._description

    def __repr__(self) -> str:
        return f"FsspecObjectStore({self._description})"

    def put(self, key: str, data: bytes) -> None:
        """Write (replace) an object, all or nothing.

        Raises:
            ValidationError: The key is not allowed.
            ConflictError: A local folder cannot hold the key (part of its path is a stored file).
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        self.put_stream(key, (data,))

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write (replace) an object from chunks, holding at most about one block in memory.

        If ``chunks`` raises, the write is abandoned, the exception propagates unchanged, and the key keeps its
        previous object (or stays missing).

        Returns:
            The number of bytes written.

        Raises:
            ValidationError: The key is not allowed.
            ConflictError: A local folder cannot hold the key (part of its path is a stored file).
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        with self._translated(key, "writing"):
            writer = self._open_writer(path)
        written = 0
        try:
            # The chunks are pulled outside the translation: an error from the caller's iterator is not ours.
            for chunk in chunks:
                with self._translated(key, "writing"):
                    writer.write(chunk)
                written += len(chunk)
            with self._translated(key, "writing"):
                writer.commit()
        except BaseException:
            self._abort(writer, key)
            raise
        return written

    def concat(self, key: str, sources: Sequence[str]) -> int:
        """Write (replace) ``key`` with the ``sources`` objects one after another, all or nothing.

        On S3, when every source but the last holds at least 5 MiB (S3's smallest part), the object is made by
        a multipart upload of server-side part copies: no byte of it passes through this process, which turns
        completing a large upload from a download and an upload into a few requests. It is aborted on failure.
        Elsewhere (or with smaller sources) the sources are streamed into ``put_stream``.

        Returns:
            The number of bytes of the new object.

        Raises:
            ValidationError: A key is not allowed.
            NotFoundError: A source is missing.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        sizes = [self._file_size(self._path(source), source) for source in sources]
        if self._copies_on_server(sizes):
            return self._concat_on_server(key, path, [self._path(source) for source in sources], sum(sizes))
        return self.put_stream(key, self._chained(sources))

    def _copies_on_server(self, sizes: Sequence[int]) -> bool:
        return (
            hasattr(self._fs, "call_s3")
            and 1 <= len(sizes) <= _S3_MAX_PARTS
            and all(size >= _S3_MIN_PART_BYTES for size in sizes[:-1])
            and sizes[-1] > 0
        )

    def _concat_on_server(self, key: str, path: str, source_paths: Sequence[str], total: int) -> int:
        call = self._fs.call_s3
        bucket, object_key = path.split("/", 1)
        with self._translated(key, "writing"):
            upload_id = call("create_multipart_upload", Bucket=bucket, Key=object_key)["UploadId"]
        try:
            parts = []
            for number, source_path in enumerate(source_paths, start=1):
                with self._translated(key, "writing"):
                    answer = call(
                        "upload_part_copy",
                        Bucket=bucket,
                        Key=object_key,
                        UploadId=upload_id,
                        PartNumber=number,
                        CopySource=source_path,
                    )
                parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            with self._translated(key, "writing"):
                call(
                    "complete_multipart_upload",
                    Bucket=bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            try:
                call("abort_multipart_upload", Bucket=bucket, Key=object_key, UploadId=upload_id)
            except Exception:
                logger.warning("could not abort the unfinished copy into %r in the %s", key, self._description)
            raise
        self._fs.invalidate_cache(path)
        return total

    def _chained(self, sources: Sequence[str]) -> Iterator[bytes]:
        for source in sources:
            reader = self._open_chunks(source, _COPY_CHUNK_BYTES)
            try:
                yield from reader
            finally:
                reader.close()

    def get(self, key: str) -> bytes:
        """Read a whole object into memory (use ``open_read`` for videos).

        Raises:
            ValidationError: The key is not allowed.
            NotFoundError: No object has this key.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        with self._translated(key, "reading"):
            return bytes(self._fs.cat_file(path))

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of an object, fewer past its end (HTTP range requests for video seeking).

        Raises:
            ValidationError: The key or the range is not allowed.
            NotFoundError: No object has this key.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        if start < 0 or end < start:
            raise ValidationError("range", (start, end), "0 <= start <= end")
        path = self._path(key)
        size = self._file_size(path, key)
        if start >= size or end == start:
            return b""
        with self._translated(key, "reading"):
            return bytes(self._fs.cat_file(path, start=start, end=min(end, size)))

    def open_read(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream an object in chunks of at most ``chunk_size`` bytes.

        The object is opened by this call, so a missing key raises here, before anything is yielded. Close the
        iterator (or exhaust it) to release the file or connection.

        Raises:
            ValidationError: The key is not allowed, or ``chunk_size`` is not positive.
            NotFoundError: No object has this key.
            StorageUnavailableError: The store cannot be reached or refuses (also while iterating).
        """
        return self._open_chunks(key, chunk_size)

    def size(self, key: str) -> int:
        """The object's size in bytes.

        Raises:
            ValidationError: The key is not allowed.
            NotFoundError: No object has this key.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        return self._file_size(self._path(key), key)

    def exists(self, key: str) -> bool:
        """Whether an object has this key (a key that is only a folder of other objects does not count).

        Raises:
            ValidationError: The key is not allowed.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        try:
            self.size(key)
        except NotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing key does nothing.

        Raises:
            ValidationError: The key is not allowed.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        with suppress(NotFoundError), self._translated(key, "deleting"):
            self._fs.rm_file(path)

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix + "/"``; returns how many were removed.

        ``delete_prefix("videos/abc")`` removes ``videos/abc/source.mp4`` and ``videos/abc/thumbs/1.jpg`` but
        neither ``videos/abcd/source.mp4`` nor an object named ``videos/abc`` itself.

        Raises:
            ValidationError: The prefix is not a valid key (an empty prefix, meaning everything, is refused).
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        base = f"{self._root}/{validate_key(prefix, field='prefix')}"
        with self._translated(prefix, "listing"):
            found: list[str] = list(self._fs.find(base))
        # find() may return the prefix itself when it is an object; a "~" marks an unfinished local write.
        objects = [path for path in found if path.startswith(f"{base}/") and TEMPORARY_MARK not in path[len(base) :]]
        if self._is_local or isinstance(self._fs, MemoryFileSystem):
            for path in objects:
                with suppress(NotFoundError), self._translated(prefix, "deleting"):
                    self._fs.rm_file(path)
        elif objects:
            # One bulk request per thousand keys on S3.
            with self._translated(prefix, "deleting"):
                self._fs.rm(objects)
        if self._is_local:
            _remove_empty_folders(base)
        return len(objects)

    @contextmanager
    def local_path(self, key: str) -> Generator[str, None, None]:
        """A local file holding the object for the duration of the ``with`` block (decoders need a path).

        A local-folder store yields its own file (do not modify it); other stores download the object in
        chunks to a temporary file (named with the key's extension) that is deleted when the block ends.

        Raises:
            ValidationError: The key is not allowed.
            NotFoundError: No object has this key (raised on entering the block).
            StorageUnavailableError: The store cannot be reached or refuses, or there is no local room for
                the temporary copy.
        """
        if self._is_local:
            path = self._path(key)
            self._file_size(path, key)
            yield path
            return
        chunks = self._open_chunks(key, _COPY_CHUNK_BYTES)
        try:
            descriptor, temporary = tempfile.mkstemp(prefix="punch-object-", suffix=os.path.splitext(key)[1])
        except OSError as exc:
            chunks.close()
            raise StorageUnavailableError(
                f"there is no room for a temporary copy of {key!r} on this server; try again in a few minutes"
            ) from exc
        try:
            try:
                with os.fdopen(descriptor, "wb") as copy:
                    for chunk in chunks:
                        copy.write(chunk)
            except OSError as exc:
                raise StorageUnavailableError(
                    f"there is no room for a temporary copy of {key!r} on this server; try again in a few minutes"
                ) from exc
            finally:
                chunks.close()
            yield temporary
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary)

    def _path(self, key: str) -> str:
        return f"{self._root}/{validate_key(key)}"

    def _translated(self, key: str, action: Action) -> AbstractContextManager[None]:
        return translate_errors(self._description, key, action)

    def _file_size(self, path: str, key: str) -> int:
        with self._translated(key, "reading"):
            info = self._fs.info(path)
        if info.get("type") != "file":
            # A "folder": on S3 a common prefix of other keys, locally a directory. Not an object.
            raise NotFoundError(f"there is no stored file {key!r}")
        return int(info["size"])

    def _open_chunks(self, key: str, chunk_size: int) -> Generator[bytes, None, None]:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValidationError("chunk_size", chunk_size, "a positive whole number of bytes")
        path = self._path(key)
        # Checking the type first: S3 would otherwise open a "folder" as an empty object.
        self._file_size(path, key)
        with self._translated(key, "reading"):
            file: IO[bytes] = self._fs.open(path, "rb")
        return self._read_chunks(file, key, chunk_size)

    def _read_chunks(self, file: IO[bytes], key: str, chunk_size: int) -> Generator[bytes, None, None]:
        try:
            while True:
                with self._translated(key, "reading"):
                    chunk = file.read(chunk_size)
                if not chunk:
                    return
                yield bytes(chunk)
        finally:
            file.close()

    def _open_writer(self, path: str) -> AtomicWriter:
        if self._is_local:
            return LocalFileWriter(path)
        if isinstance(self._fs, MemoryFileSystem):
            return WholeObjectWriter(self._fs, path)
        return BufferedFileWriter(self._fs, path, block_size=self._write_block_size)

    def _abort(self, writer: AtomicWriter, key: str) -> None:
        # Never let a failed clean-up hide the error that made the write fail.
        try:
            writer.abort()
        except Exception:
            logger.warning(
                "could not abandon the unfinished write of %r in the %s", key, self._description, exc_info=True
            )


def _remove_empty_folders(top: str) -> None:
    """Remove ``top`` and the folders below it that are empty (folders with unfinished writes stay)."""
    for folder, _, _ in os.walk(top, topdown=False):
        with suppress(OSError):
            os.rmdir(folder)
