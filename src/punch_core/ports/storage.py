"""Large blobs by key, split by role: blobs, piece joins (multipart uploads) and signed media URLs.

Most code needs only :class:`Blobs`; uploads also join pieces (:class:`PieceJoins`), and the media routes sign URLs
(:class:`MediaUrls`). :class:`ObjectStore` is all three, as every storage adapter implements it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol


class Blobs(Protocol):
    """Stores large blobs (videos, pose tracks, thumbnails, overlays) by key.

    Keys are ``/``-separated paths of ``[A-Za-z0-9._-]`` segments (``videos/abc123/source.mp4``); anything else
    (empty segments, ``..``, a leading ``/``) raises ``ValidationError``. Large objects stream in and out with
    bounded memory. A write is all or nothing: a failed ``put_stream`` leaves no partial object visible. Driver
    errors (the store is down or refuses) become ``StorageUnavailableError``.
    """

    def put(self, key: str, data: bytes) -> None:
        """Write (replace) an object."""
        ...

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write (replace) an object from chunks with bounded memory; returns the byte count."""
        ...

    def concat(self, key: str, sources: Sequence[str]) -> int:
        """Write (replace) ``key`` with the ``sources`` objects one after another, all or nothing; returns its size.

        Stores that can copy on their own side do (S3: a multipart upload of part copies), so no byte travels
        through this process; others stream. The sources stay. Raises ``NotFoundError`` for a missing source.
        """
        ...

    def get(self, key: str) -> bytes:
        """Read a whole object. Raises ``NotFoundError``."""
        ...

    def open_read(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream an object in chunks of at most ``chunk_size`` bytes. Raises ``NotFoundError`` (before yielding)."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes. Raises ``NotFoundError``."""
        ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of an object (fewer past its end; video seeking). Raises ``NotFoundError``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the key exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix/`` (a key prefix ending at a segment); returns how many."""
        ...

    def sizes(self, prefix: str) -> dict[str, int]:
        """The size in bytes of every object under ``prefix/``, by key, from one listing (not one call per object)."""
        ...

    def local_path(self, key: str, *, ranges: Sequence[tuple[int, int]] | None = None) -> AbstractContextManager[str]:
        """A local file holding the object for the duration of the ``with`` block (decoders need a path).

        A local-directory store yields its own file; others download to a temporary file deleted afterwards.
        With ``ranges`` (``[start, end)`` byte pairs), those others fetch only these bytes into a temporary file
        of the object's full size whose other bytes read as zeros (a probe needs only a file's index and first
        frames). Raises ``NotFoundError``; ``ValidationError`` for a negative or reversed range.
        """
        ...


class PieceJoins(Protocol):
    """Writes one object from numbered pieces that arrive over time (an upload's chunks), keys as in :class:`Blobs`."""

    def start_join(self, key: str) -> str:
        """Begin writing ``key`` from numbered pieces; returns the join's id (nothing is visible at ``key`` yet).

        S3 joins the pieces by reference on ``finish_join`` (a multipart upload: no byte is copied); other
        stores keep them as objects beside the key and stream them into it.
        """
        ...

    def put_piece(self, key: str, join_id: str, number: int, data: bytes | bytearray) -> None:
        """Store piece ``number`` (1 to 10,000) of a join. ``NotFoundError`` if the join is finished or unknown.

        Every piece but the last must hold at least 5 MiB (S3's rule), and a number stored again must hold the
        same bytes (some S3 servers keep every version of a part and cannot tell which is newest).
        """
        ...

    def piece_sizes(self, key: str, join_id: str) -> dict[int, int]:
        """The size of every stored piece of the join, by number. ``NotFoundError`` if it is finished or unknown."""
        ...

    def abort_join(self, key: str, join_id: str) -> None:
        """Give up an unfinished join: its stored pieces are removed. An unknown or finished join is no error."""
        ...

    def finish_join(self, key: str, join_id: str, numbers: Sequence[int]) -> int:
        """Write (replace) ``key`` with the pieces ``numbers`` in order and end the join; returns the size.

        All or nothing. ``NotFoundError`` if the join is finished or unknown or a piece is missing.
        """
        ...


class MediaUrls(Protocol):
    """Signs URLs from which a browser reads an object directly, where the store can serve it."""

    def read_url(self, key: str, *, expires_s: int, content_type: str | None = None) -> str | None:
        """A URL from which anyone holding it reads the object for ``expires_s`` seconds, range requests included.

        Stores that serve objects themselves sign one (S3: a presigned GET, ``content_type`` as the answer's
        type); others (a local folder, memory) return None, and the caller serves the bytes. No request goes to
        the store (the object may not exist). Raises ``ValidationError`` for a bad key or a non-positive ``expires_s``.
        """
        ...


class ObjectStore(Blobs, PieceJoins, MediaUrls, Protocol):
    """Every role at once: what each storage adapter implements (contract-tested in ``tests/contract``)."""
