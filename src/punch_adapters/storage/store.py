"""``FsspecObjectStore``: the ``ObjectStore`` port on any fsspec filesystem under a root path."""

from __future__ import annotations

import concurrent.futures
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import IO, Any, cast

from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.spec import AbstractFileSystem

from punch_adapters.storage.driver_errors import Action, translate_errors
from punch_adapters.storage.keys import TEMPORARY_MARK, validate_key
from punch_adapters.storage.signing import MAX_EXPIRES_S, S3ReadUrlSigner
from punch_adapters.storage.writers import AtomicWriter, BufferedFileWriter, LocalFileWriter, WholeObjectWriter
from punch_core.errors import NotFoundError, StorageUnavailableError, ValidationError
from punch_core.ports.storage import ObjectStore

logger = logging.getLogger(__name__)

_COPY_CHUNK_BYTES = 1 << 20
_S3_MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part, except the last
_S3_MAX_PARTS = 10_000  # S3's most parts in one upload
_S3_CONCURRENT_REQUESTS = 8  # S3 requests one operation sends at once (sizes, part copies)


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
        url_signer: Signs read URLs (``S3ReadUrlSigner``) for a store whose server serves objects to browsers
            (S3, with ``root`` as ``bucket/prefix``); ``None``: ``read_url`` gives None.
    """

    def __init__(
        self,
        fs: AbstractFileSystem,
        root: str,
        *,
        description: str,
        write_block_size: int | None = None,
        url_signer: S3ReadUrlSigner | None = None,
    ) -> None:
        trimmed = root.rstrip("/")
        if not trimmed:
            raise ValidationError("root", root, "a non-empty path under which the objects live")
        self._fs = fs
        self._root = trimmed
        self._description = description
        self._write_block_size = write_block_size
        self._url_signer = url_signer
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
        a multipart upload of server-side part copies, sent side by side: no byte of it passes through this
        process, which turns completing a large upload from a download and an upload into a few requests. It is
        aborted on failure. Elsewhere (or with smaller sources) the sources are streamed into ``put_stream``.

        Returns:
            The number of bytes of the new object.

        Raises:
            ValidationError: A key is not allowed.
            NotFoundError: A source is missing.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        source_paths = [self._path(source) for source in sources]
        if not hasattr(self._fs, "call_s3"):
            for source_path, source in zip(source_paths, sources, strict=True):
                self._file_size(source_path, source)  # a missing source raises before anything is written
            return self.put_stream(key, self._chained(sources))
        with self._s3_requests(len(sources)) as pool:
            # The sizes are asked for side by side, not one after another.
            sizes = list(pool.map(self._file_size, source_paths, sources))
            if self._copies_on_server(sizes):
                return self._concat_on_server(pool, key, path, source_paths, sum(sizes))
        return self.put_stream(key, self._chained(sources))

    def _copies_on_server(self, sizes: Sequence[int]) -> bool:
        return (
            1 <= len(sizes) <= _S3_MAX_PARTS
            and all(size >= _S3_MIN_PART_BYTES for size in sizes[:-1])
            and sizes[-1] > 0
        )

    @contextmanager
    def _s3_requests(self, count: int) -> Generator[concurrent.futures.ThreadPoolExecutor, None, None]:
        """Threads that send up to ``_S3_CONCURRENT_REQUESTS`` of ``count`` requests at once.

        On leaving, requests not yet sent are cancelled and those under way are waited for, so nothing is still
        running when an unfinished copy is aborted.
        """
        pool = concurrent.futures.ThreadPoolExecutor(
            max(1, min(_S3_CONCURRENT_REQUESTS, count)), thread_name_prefix="s3-request"
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _concat_on_server(
        self,
        pool: concurrent.futures.ThreadPoolExecutor,
        key: str,
        path: str,
        source_paths: Sequence[str],
        total: int,
    ) -> int:
        call = self._fs.call_s3
        bucket, object_key = path.split("/", 1)
        with self._translated(key, "writing"):
            upload_id = call("create_multipart_upload", Bucket=bucket, Key=object_key)["UploadId"]

        def copy_part(number: int, source_path: str) -> dict[str, Any]:
            with self._translated(key, "writing"):
                answer = call(
                    "upload_part_copy",
                    Bucket=bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=source_path,
                )
            return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}

        try:
            # The parts are copied side by side: S3 copies each on its own, so the whole takes about as long as
            # the largest part rather than the sum of them.
            parts = list(pool.map(copy_part, range(1, len(source_paths) + 1), source_paths))
            with self._translated(key, "writing"):
                call(
                    "complete_multipart_upload",
                    Bucket=bucket,
                    Key=object_key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            # Copies still under way would fail against an aborted upload: let them end first.
            pool.shutdown(wait=True, cancel_futures=True)
            try:
                call("abort_multipart_upload", Bucket=bucket, Key=object_key, UploadId=upload_id)
            except Exception:
                logger.warning("could not abort the unfinished copy into %r in the %s", key, self._description)
            raise
        self._fs.invalidate_cache(path)
        return total

    def start_join(self, key: str) -> str:
        """Begin writing ``key`` from numbered pieces (``put_piece``), joined by ``finish_join``; returns the join's id.

        On S3 a join is a multipart upload: each piece is one part (every piece but the last must hold at least
        5 MiB) and finishing joins them by reference, without a byte being copied, so the object appears only
        then. Elsewhere the pieces are objects in a folder beside the key (``{key}.join-{id}/``) that finishing
        streams into the key and removes.

        Raises:
            ValidationError: The key is not allowed.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        if hasattr(self._fs, "call_s3"):
            bucket, object_key = path.split("/", 1)
            with self._translated(key, "writing"):
                answer = self._fs.call_s3("create_multipart_upload", Bucket=bucket, Key=object_key)
            return str(answer["UploadId"])
        join_id = uuid.uuid4().hex
        self.put(self._join_marker(key, join_id), b"")
        return join_id

    def put_piece(self, key: str, join_id: str, number: int, data: bytes | bytearray) -> None:
        """Store piece ``number`` (1 to 10,000) of the join; storing a number again must send the same bytes.

        Raises:
            ValidationError: The key or the number is not allowed.
            NotFoundError: The join is finished or unknown.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= _S3_MAX_PARTS:
            raise ValidationError("number", number, f"a piece number from 1 to {_S3_MAX_PARTS}")
        if hasattr(self._fs, "call_s3"):
            bucket, object_key = path.split("/", 1)
            with self._translated(key, "listing"):  # a missing join is NotFoundError, as when listing
                self._fs.call_s3(
                    "upload_part", Bucket=bucket, Key=object_key, UploadId=join_id, PartNumber=number, Body=data
                )
            return
        if not self.exists(self._join_marker(key, join_id)):
            raise NotFoundError(f"there is no unfinished join into {key!r} with the id {join_id!r}")
        # The writers only hand chunks to a file or buffer, which take a bytearray as they take bytes: no copy.
        self.put_stream(self._join_piece(key, join_id, number), (cast("bytes", data),))

    def piece_sizes(self, key: str, join_id: str) -> dict[int, int]:
        """The size of every stored piece of the join, by number.

        Raises:
            ValidationError: The key is not allowed.
            NotFoundError: The join is finished or unknown.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        return {number: size for number, (size, _) in self._pieces(key, join_id).items()}

    def finish_join(self, key: str, join_id: str, numbers: Sequence[int]) -> int:
        """Write (replace) ``key`` with the pieces ``numbers`` in that order and end the join; returns the size.

        The pieces not named are dropped. All or nothing: a failure leaves the join as it was, to finish later.

        Raises:
            ValidationError: The key is not allowed, or no number is given.
            NotFoundError: The join is finished or unknown, or a piece named is missing.
            StorageUnavailableError: The store cannot be reached or refuses (S3 also refuses a piece but the
                last under 5 MiB).
        """
        if not numbers:
            raise ValidationError("numbers", list(numbers), "the numbers of the pieces to join, at least one")
        pieces = self._pieces(key, join_id)
        missing = [number for number in numbers if number not in pieces]
        if missing:
            raise NotFoundError(f"piece {missing[0]} of the join into {key!r} is missing")
        total = sum(pieces[number][0] for number in numbers)
        if not hasattr(self._fs, "call_s3"):
            self.concat(key, [self._join_piece(key, join_id, number) for number in numbers])
            self.delete_prefix(self._join_folder(key, join_id))
            return total
        path = self._path(key)
        bucket, object_key = path.split("/", 1)
        parts = [{"PartNumber": number, "ETag": pieces[number][1]} for number in numbers]
        with self._translated(key, "listing"):
            self._fs.call_s3(
                "complete_multipart_upload",
                Bucket=bucket,
                Key=object_key,
                UploadId=join_id,
                MultipartUpload={"Parts": parts},
            )
        self._fs.invalidate_cache(path)
        return total

    def abort_join(self, key: str, join_id: str) -> None:
        """Give up an unfinished join: its pieces are removed.

        On S3 the multipart upload is aborted, which frees its parts. An unknown or finished join is no error.

        Raises:
            ValidationError: The key is not allowed.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        path = self._path(key)
        try:
            if hasattr(self._fs, "call_s3"):
                bucket, object_key = path.split("/", 1)
                with self._translated(key, "listing"):  # an unknown upload id is NotFoundError, as when listing
                    self._fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=object_key, UploadId=join_id)
                return
            self.delete_prefix(self._join_folder(key, join_id))
        except NotFoundError:
            return

    def _pieces(self, key: str, join_id: str) -> dict[int, tuple[int, str]]:
        """The join's stored pieces: number -> (size, S3 ETag or "")."""
        path = self._path(key)
        if not hasattr(self._fs, "call_s3"):
            folder = self._join_folder(key, join_id)
            stored = self.sizes(folder)
            if self._join_marker(key, join_id) not in stored:
                raise NotFoundError(f"there is no unfinished join into {key!r} with the id {join_id!r}")
            return {int(name.rsplit("/", 1)[1]): (size, "") for name, size in stored.items() if name[-1].isdigit()}
        bucket, object_key = path.split("/", 1)
        found: dict[int, tuple[int, str]] = {}
        # A piece stored again is listed once per version by some servers (SeaweedFS), in no order and with
        # times to the second: the newest is kept, which is why a piece may only be stored again with the same
        # bytes.
        newest: dict[int, Any] = {}
        marker = 0
        while True:
            with self._translated(key, "listing"):
                answer = self._fs.call_s3(
                    "list_parts", Bucket=bucket, Key=object_key, UploadId=join_id, PartNumberMarker=marker
                )
            for part in answer.get("Parts", []):
                number, modified = int(part["PartNumber"]), part.get("LastModified")
                if number not in newest or (modified is not None and modified >= newest[number]):
                    newest[number] = modified
                    found[number] = (int(part["Size"]), str(part["ETag"]))
            if not answer.get("IsTruncated"):
                return found
            marker = int(answer["NextPartNumberMarker"])

    def _join_folder(self, key: str, join_id: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{32}", join_id):
            raise NotFoundError(f"there is no unfinished join into {key!r} with the id {join_id!r}")
        return f"{key}.join-{join_id}"

    def _join_marker(self, key: str, join_id: str) -> str:
        return f"{self._join_folder(key, join_id)}/started"

    def _join_piece(self, key: str, join_id: str, number: int) -> str:
        return f"{self._join_folder(key, join_id)}/{number:05d}"

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

    def read_url(self, key: str, *, expires_s: int, content_type: str | None = None) -> str | None:
        """A signed URL that reads the object for ``expires_s`` seconds; None for a store without a signer.

        Raises:
            ValidationError: The key is not allowed, or ``expires_s`` is not 1 s to 7 days.
            StorageUnavailableError: The signer has no credentials.
        """
        path = self._path(key)
        if not 0 < expires_s <= MAX_EXPIRES_S:
            raise ValidationError("expires_s", expires_s, f"1 to {MAX_EXPIRES_S} seconds")
        if self._url_signer is None:
            return None
        bucket, _, object_key = path.partition("/")
        return self._url_signer(bucket, object_key, expires_s=expires_s, content_type=content_type)

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
        objects = list(self._listed(prefix, base))
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

    def sizes(self, prefix: str) -> dict[str, int]:
        """The size in bytes of every object whose key starts with ``prefix + "/"``, by key.

        One listing (on S3 one request per thousand keys) instead of a request per object; the same objects as
        ``delete_prefix`` would remove.

        Raises:
            ValidationError: The prefix is not a valid key.
            StorageUnavailableError: The store cannot be reached or refuses.
        """
        base = f"{self._root}/{validate_key(prefix, field='prefix')}"
        start = len(self._root) + 1
        return {path[start:]: int(info["size"]) for path, info in self._listed(prefix, base).items()}

    def _listed(self, prefix: str, base: str) -> dict[str, dict[str, Any]]:
        """The objects under ``base/`` (a path), with fsspec's details of each."""
        with self._translated(prefix, "listing"):
            found: dict[str, dict[str, Any]] = self._fs.find(base, detail=True)
        # find() may return the prefix itself when it is an object; a "~" marks an unfinished local write.
        return {
            path: info
            for path, info in found.items()
            if path.startswith(f"{base}/") and TEMPORARY_MARK not in path[len(base) :]
        }

    @contextmanager
    def local_path(self, key: str, *, ranges: Sequence[tuple[int, int]] | None = None) -> Generator[str, None, None]:
        """A local file holding the object for the duration of the ``with`` block (decoders need a path).

        A local-folder store yields its own file (do not modify it); other stores download the object in
        chunks to a temporary file (named with the key's extension) that is deleted when the block ends.

        With ``ranges`` (``[start, end)`` byte pairs; past the end is cut off), a store that copies fetches
        only those bytes, side by side, into a temporary file of the object's full size in which everything else
        reads as zero bytes (a sparse file: the rest takes no disk either). Each range is held in memory once.
        A local-folder store yields its own, whole file either way.

        Raises:
            ValidationError: The key or a range is not allowed.
            NotFoundError: No object has this key (raised on entering the block).
            StorageUnavailableError: The store cannot be reached or refuses, or there is no local room for
                the temporary copy.
        """
        spans = None if ranges is None else _checked_ranges(ranges)
        path = self._path(key)
        if self._is_local:
            self._file_size(path, key)
            yield path
            return
        if spans is None:
            chunks = self._open_chunks(key, _COPY_CHUNK_BYTES)
            try:
                with self._temporary_copy(key, lambda copy: _write_chunks(copy, chunks)) as temporary:
                    yield temporary
            finally:
                chunks.close()
            return
        size = self._file_size(path, key)
        wanted = [(start, min(end, size)) for start, end in spans if start < min(end, size)]
        pieces: list[bytes] = []
        if wanted:
            with self._translated(key, "reading"):
                found = self._fs.cat_ranges(
                    [path] * len(wanted), [start for start, _ in wanted], [end for _, end in wanted], on_error="raise"
                )
            pieces = [bytes(piece) for piece in found]

        def fill(copy: IO[bytes]) -> None:
            copy.truncate(size)
            for (start, _), piece in zip(wanted, pieces, strict=True):
                copy.seek(start)
                copy.write(piece)

        with self._temporary_copy(key, fill) as temporary:
            yield temporary

    @contextmanager
    def _temporary_copy(self, key: str, fill: Callable[[IO[bytes]], None]) -> Generator[str, None, None]:
        """A temporary file (named with the key's extension) written by ``fill``, deleted when the block ends."""
        try:
            descriptor, temporary = tempfile.mkstemp(prefix="punch-object-", suffix=os.path.splitext(key)[1])
        except OSError as exc:
            raise _no_room(key) from exc
        try:
            try:
                with os.fdopen(descriptor, "wb") as copy:
                    fill(copy)
            except OSError as exc:
                raise _no_room(key) from exc
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


def _checked_ranges(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` byte ranges, sorted and with overlapping or touching ones joined."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if start < 0 or end < start:
            raise ValidationError("ranges", (start, end), "[start, end) byte ranges with 0 <= start <= end")
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _no_room(key: str) -> StorageUnavailableError:
    return StorageUnavailableError(
        "there is no room for a temporary copy of a stored file on this server; try again in a few minutes"
    )


def _write_chunks(copy: IO[bytes], chunks: Iterator[bytes]) -> None:
    for chunk in chunks:
        copy.write(chunk)
