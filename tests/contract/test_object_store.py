"""The ``ObjectStore`` contract (punch_core.ports), written once and run against every storage adapter.

``ObjectStoreContract`` holds the behaviour every store must show; ``TestLocalObjectStore``,
``TestMemoryObjectStore`` and ``TestS3ObjectStore`` run it against a local folder, memory and a real S3 API
(moto's server on loopback), and add what only that store can show (multipart uploads, encryption, a dead
endpoint, files left on disk).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import stat
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from punch_adapters.storage import FsspecObjectStore, local_store, memory_store, s3_store, store_from_url
from punch_adapters.storage.driver_errors import translate_errors
from punch_app.container import build_store
from punch_app.settings import Settings
from punch_core.errors import ConflictError, NotFoundError, StorageUnavailableError, ValidationError
from punch_core.ports.storage import ObjectStore
from tests.support.s3_server import S3TestServer, running_s3_server, running_seaweedfs


@contextlib.contextmanager
def stalled_server() -> Iterator[str]:
    """An HTTP endpoint that accepts connections and reads what arrives but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


CHUNK_BYTES = 256 * 1024
LARGE_CHUNKS = 48  # 12 MiB: more than two 5 MiB parts on S3
BLOCK_BYTES = 5 * 2**20  # the S3 store's part size in these tests (S3's minimum), so 12 MiB makes 3 parts
FAIL_AFTER_CHUNKS = 28  # 7 MiB: past the first S3 part, so a multipart upload is under way when it fails

BAD_KEYS = [
    "",
    "/videos/a.mp4",
    "videos/a.mp4/",
    "videos//a.mp4",
    "..",
    "../escape",
    "videos/../../escape",
    "videos/./a.mp4",
    ".",
    "videos/a b.mp4",
    "videos\\a.mp4",
    "videos/ä.mp4",
    "videos/a.mp4\n",
    "videos/a?.mp4",
    "videos/a~tmp",
    "x" * 1025,
]


class ClientDisconnectedError(Exception):
    """What an upload's chunk iterator raises when the client disconnects mid-way."""


def large_chunk(index: int) -> bytes:
    """The ``index``-th chunk of the large test object: deterministic, incompressible, 256 KiB."""
    seed = hashlib.sha256(index.to_bytes(4, "big")).digest()
    return seed * (CHUNK_BYTES // len(seed))


def large_chunks(count: int = LARGE_CHUNKS) -> Iterator[bytes]:
    for index in range(count):
        yield large_chunk(index)


def large_digest(count: int = LARGE_CHUNKS) -> str:
    digest = hashlib.sha256()
    for chunk in large_chunks(count):
        digest.update(chunk)
    return digest.hexdigest()


def failing_chunks(good_chunks: int) -> Iterator[bytes]:
    yield from large_chunks(good_chunks)
    raise ClientDisconnectedError("the client closed the connection")


def read_back(store: ObjectStore, key: str, chunk_size: int) -> tuple[str, int, int]:
    """Stream an object back: its sha256, byte count and largest chunk."""
    digest = hashlib.sha256()
    total = largest = 0
    for chunk in store.open_read(key, chunk_size=chunk_size):
        digest.update(chunk)
        total += len(chunk)
        largest = max(largest, len(chunk))
    return digest.hexdigest(), total, largest


class ObjectStoreContract:
    """What every ``ObjectStore`` does. Subclasses provide the ``store`` fixture."""

    keeps_own_files = False
    """Whether ``local_path`` yields the store's own file (a local folder) rather than a temporary copy."""
    signs_read_urls = False
    """Whether the store's server serves objects to browsers through signed URLs (S3)."""

    @pytest.fixture
    def store(self) -> ObjectStore:
        raise NotImplementedError

    def test_put_then_get_round_trips(self, store: ObjectStore) -> None:
        store.put("videos/abc123/source.mp4", b"\x00\x01 a small video \xff")

        assert store.get("videos/abc123/source.mp4") == b"\x00\x01 a small video \xff"
        assert store.size("videos/abc123/source.mp4") == 18
        assert store.exists("videos/abc123/source.mp4")

    def test_concat_joins_the_sources_in_order_and_keeps_them(self, store: ObjectStore) -> None:
        pieces = [os.urandom(6 * 2**20), os.urandom(5 * 2**20), b"the end"]  # S3-sized parts, a short last one
        for i, piece in enumerate(pieces):
            store.put(f"uploads/u/parts/{i}", piece)
        store.put("videos/u/source.mp4", b"an older video")

        size = store.concat("videos/u/source.mp4", [f"uploads/u/parts/{i}" for i in range(3)])

        assert size == sum(len(p) for p in pieces)
        assert store.get("videos/u/source.mp4") == b"".join(pieces)
        assert [store.get(f"uploads/u/parts/{i}") for i in range(3)] == pieces

    def test_concat_of_small_sources(self, store: ObjectStore) -> None:
        store.put("p/1", b"ab")
        store.put("p/2", b"cd")

        assert store.concat("joined", ["p/1", "p/2", "p/1"]) == 6
        assert store.get("joined") == b"abcdab"

    def test_concat_with_a_missing_source_writes_nothing(self, store: ObjectStore) -> None:
        store.put("p/1", b"ab")

        with pytest.raises(NotFoundError):
            store.concat("joined", ["p/1", "p/missing"])
        assert not store.exists("joined")

    def test_a_join_makes_the_object_from_its_pieces_only_when_finished(self, store: ObjectStore) -> None:
        key = "videos/j/source.mp4"
        pieces = [os.urandom(5 * 2**20), os.urandom(5 * 2**20), b"the end"]  # S3-sized pieces, a short last one
        join = store.start_join(key)
        store.put_piece(key, join, 3, pieces[2])
        store.put_piece(key, join, 1, pieces[0])
        store.put_piece(key, join, 1, pieces[0])  # stored again (a resent chunk): the same bytes
        store.put_piece(key, join, 2, bytearray(pieces[1]))  # a buffer the caller filled
        assert not store.exists(key)
        assert store.piece_sizes(key, join) == {1: len(pieces[0]), 2: len(pieces[1]), 3: 7}

        assert store.finish_join(key, join, [1, 2, 3]) == sum(len(p) for p in pieces)

        assert store.get(key) == b"".join(pieces)
        assert store.sizes("videos/j") == {key: sum(len(p) for p in pieces)}  # nothing left beside it
        with pytest.raises(NotFoundError):
            store.piece_sizes(key, join)

    def test_a_join_leaves_out_the_pieces_not_named(self, store: ObjectStore) -> None:
        key = "videos/j/source.mp4"
        first = os.urandom(5 * 2**20)
        join = store.start_join(key)
        for number, data in ((1, first), (2, b"second"), (3, b"a stray piece")):
            store.put_piece(key, join, number, data)

        assert store.finish_join(key, join, [1, 2]) == len(first) + 6
        assert store.get(key) == first + b"second"

    def test_finishing_a_join_with_a_missing_piece_changes_nothing(self, store: ObjectStore) -> None:
        key = "videos/j/source.mp4"
        first = os.urandom(5 * 2**20)
        join = store.start_join(key)
        store.put_piece(key, join, 1, first)

        with pytest.raises(NotFoundError):
            store.finish_join(key, join, [1, 2])
        assert not store.exists(key)
        assert store.piece_sizes(key, join) == {1: len(first)}
        store.put_piece(key, join, 2, b"end")
        assert store.finish_join(key, join, [1, 2]) == len(first) + 3
        assert store.get(key) == first + b"end"

    def test_an_aborted_join_leaves_nothing(self, store: ObjectStore) -> None:
        key = "videos/j/source.mp4"
        join = store.start_join(key)
        store.put_piece(key, join, 1, os.urandom(5 * 2**20))
        store.abort_join(key, join)
        assert not store.exists(key)
        assert store.sizes("videos/j") == {}
        with pytest.raises(NotFoundError):
            store.piece_sizes(key, join)
        store.abort_join(key, join)  # again, or an unknown join: no error
        store.abort_join(key, "0" * 32)

    def test_an_unknown_join_is_not_found(self, store: ObjectStore) -> None:
        key = "videos/j/source.mp4"
        store.start_join(key)
        with pytest.raises(NotFoundError):
            store.piece_sizes(key, "0" * 32)
        with pytest.raises(NotFoundError):
            store.finish_join(key, "0" * 32, [1])

    @pytest.mark.parametrize("number", [0, -1, 10_001, True])
    def test_a_piece_number_outside_1_to_10000_is_refused(self, store: ObjectStore, number: int) -> None:
        join = store.start_join("videos/j/source.mp4")
        with pytest.raises(ValidationError):
            store.put_piece("videos/j/source.mp4", join, number, b"x")

    def test_read_range_returns_the_bytes_asked_for_and_fewer_past_the_end(self, store: ObjectStore) -> None:
        data = bytes(range(256)) * 40
        store.put("videos/r/source.mp4", data)

        assert store.read_range("videos/r/source.mp4", 0, 10) == data[:10]
        assert store.read_range("videos/r/source.mp4", 5000, 6000) == data[5000:6000]
        assert store.read_range("videos/r/source.mp4", 10_000, 20_000) == data[10_000:]
        assert store.read_range("videos/r/source.mp4", 20_000, 30_000) == b""
        with pytest.raises(NotFoundError):
            store.read_range("videos/r/missing.mp4", 0, 10)
        with pytest.raises(ValidationError):
            store.read_range("videos/r/source.mp4", 10, 5)

    def test_read_url_refuses_bad_keys_and_lifetimes(self, store: ObjectStore) -> None:
        with pytest.raises(ValidationError):
            store.read_url("../escape", expires_s=60)
        for expires_s in (0, -1, 8 * 24 * 3600):
            with pytest.raises(ValidationError):
                store.read_url("videos/a/source.mp4", expires_s=expires_s)

    def test_read_url_is_signed_only_by_stores_with_a_server(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"video")

        url = store.read_url("videos/a/source.mp4", expires_s=60)

        assert (url is not None) == self.signs_read_urls  # without a server, the caller serves the bytes

    def test_put_replaces_an_object(self, store: ObjectStore) -> None:
        store.put("reports/r1.json", b"first version, longer")
        store.put("reports/r1.json", b"second")

        assert store.get("reports/r1.json") == b"second"
        assert store.size("reports/r1.json") == 6

    def test_empty_object(self, store: ObjectStore) -> None:
        assert store.put_stream("thumbs/empty.jpg", iter([])) == 0

        assert store.exists("thumbs/empty.jpg")
        assert store.get("thumbs/empty.jpg") == b""
        assert store.size("thumbs/empty.jpg") == 0
        assert list(store.open_read("thumbs/empty.jpg")) == []

    def test_every_allowed_character_in_a_key(self, store: ObjectStore) -> None:
        key = "Videos/ABC-xyz_09.v1/source...final-2.MP4"
        store.put(key, b"ok")

        assert store.get(key) == b"ok"

    def test_put_stream_of_a_large_object_streams_back_in_bounded_chunks(self, store: ObjectStore) -> None:
        written = store.put_stream("videos/big/source.mp4", large_chunks())

        assert written == LARGE_CHUNKS * CHUNK_BYTES
        assert store.size("videos/big/source.mp4") == written
        digest, total, largest = read_back(store, "videos/big/source.mp4", chunk_size=100_000)
        assert (digest, total) == (large_digest(), written)
        assert largest <= 100_000
        _, _, largest_default = read_back(store, "videos/big/source.mp4", chunk_size=1 << 20)
        assert largest_default <= 1 << 20

    def test_put_stream_takes_any_iterable(self, store: ObjectStore) -> None:
        assert store.put_stream("tracks/t.npz", [b"ab", b"", b"cd"]) == 4
        assert store.put_stream("tracks/u.npz", (part for part in (b"e", b"f"))) == 2

        assert store.get("tracks/t.npz") == b"abcd"
        assert store.get("tracks/u.npz") == b"ef"

    def test_open_read_can_stop_early(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"0123456789")
        chunks = store.open_read("videos/a/source.mp4", chunk_size=4)

        assert next(chunks) == b"0123"
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        store.delete("videos/a/source.mp4")
        assert not store.exists("videos/a/source.mp4")

    @pytest.mark.parametrize("chunk_size", [0, -1])
    def test_open_read_refuses_a_chunk_size_below_one(self, store: ObjectStore, chunk_size: int) -> None:
        store.put("videos/a/source.mp4", b"x")

        with pytest.raises(ValidationError) as raised:
            store.open_read("videos/a/source.mp4", chunk_size=chunk_size)
        assert raised.value.field == "chunk_size"

    def test_exists_is_false_for_missing_keys_and_folders(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"x")

        assert not store.exists("videos/b/source.mp4")
        assert not store.exists("videos/a")
        assert not store.exists("videos")

    @pytest.mark.parametrize("key", ["videos/none/source.mp4", "videos/a"], ids=["missing", "folder"])
    def test_reading_what_is_not_an_object_raises_not_found(self, store: ObjectStore, key: str) -> None:
        store.put("videos/a/source.mp4", b"x")

        with pytest.raises(NotFoundError):
            store.get(key)
        with pytest.raises(NotFoundError):
            store.size(key)
        with pytest.raises(NotFoundError):
            store.open_read(key)  # raises on the call itself, before anything is iterated
        with pytest.raises(NotFoundError), store.local_path(key):
            pytest.fail("local_path yielded a path for something that is not an object")
        with pytest.raises(NotFoundError), store.local_path(key, ranges=[(0, 1)]):
            pytest.fail("local_path yielded a partial copy of something that is not an object")

    def test_delete_is_idempotent(self, store: ObjectStore) -> None:
        store.put("thumbs/a/1.jpg", b"jpeg")

        store.delete("thumbs/a/1.jpg")
        store.delete("thumbs/a/1.jpg")
        store.delete("thumbs/never/was.jpg")
        store.delete("thumbs")

        assert not store.exists("thumbs/a/1.jpg")

    def test_delete_prefix_removes_only_that_prefix(self, store: ObjectStore) -> None:
        doomed = ["videos/a/source.mp4", "videos/a/thumbs/1.jpg", "videos/a/thumbs/2.jpg"]
        kept = ["videos/ab/source.mp4", "videos/b/source.mp4", "reports/a/report.json", "videos/a.json"]
        for key in doomed + kept:
            store.put(key, key.encode())

        assert store.delete_prefix("videos/a") == 3

        assert not any(store.exists(key) for key in doomed)
        assert all(store.get(key) == key.encode() for key in kept)
        assert store.delete_prefix("videos/a") == 0
        assert store.delete_prefix("nothing/here") == 0
        store.put("videos/a/source.mp4", b"again")
        assert store.get("videos/a/source.mp4") == b"again"

    def test_sizes_are_of_the_objects_under_the_prefix_only(self, store: ObjectStore) -> None:
        listed = {"uploads/u/parts/000": b"12345", "uploads/u/parts/005": b"678", "uploads/u/other/1": b""}
        for key, data in listed.items():
            store.put(key, data)
        for key in ["uploads/uv/parts/000", "uploads/u.json", "videos/u/source.mp4"]:
            store.put(key, b"not listed")

        assert store.sizes("uploads/u") == {key: len(data) for key, data in listed.items()}
        assert store.sizes("uploads/u/parts") == {"uploads/u/parts/000": 5, "uploads/u/parts/005": 3}
        assert store.sizes("nothing/here") == {}
        with pytest.raises(ValidationError):
            store.sizes("../up")

    @pytest.mark.parametrize("bad_prefix", ["", "/", "..", "videos/../..", "videos//a"])
    def test_delete_prefix_refuses_bad_prefixes(self, store: ObjectStore, bad_prefix: str) -> None:
        store.put("videos/a/source.mp4", b"x")

        with pytest.raises(ValidationError) as raised:
            store.delete_prefix(bad_prefix)
        assert raised.value.field == "prefix"
        assert store.exists("videos/a/source.mp4")

    @pytest.mark.parametrize("key", BAD_KEYS, ids=[repr(key)[:24] for key in BAD_KEYS])
    def test_bad_keys_are_refused_by_every_method(self, store: ObjectStore, key: str) -> None:
        calls = {
            "put": lambda: store.put(key, b"x"),
            "put_stream": lambda: store.put_stream(key, [b"x"]),
            "get": lambda: store.get(key),
            "open_read": lambda: store.open_read(key),
            "size": lambda: store.size(key),
            "exists": lambda: store.exists(key),
            "delete": lambda: store.delete(key),
        }
        for name, call in calls.items():
            with pytest.raises(ValidationError) as raised:
                call()
            assert raised.value.field == "key", name
            assert raised.value.value == key, name
        with pytest.raises(ValidationError), store.local_path(key):
            pytest.fail("local_path accepted a bad key")

    def test_path_traversal_stores_nothing(self, store: ObjectStore) -> None:
        for key in ["../escape.txt", "videos/../../escape.txt", "/escape.txt"]:
            with pytest.raises(ValidationError):
                store.put(key, b"escaped")

        assert not store.exists("escape.txt")

    def test_failed_put_stream_leaves_no_object(self, store: ObjectStore) -> None:
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/small-fail/source.mp4", failing_chunks(1))
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/large-fail/source.mp4", failing_chunks(FAIL_AFTER_CHUNKS))

        assert not store.exists("videos/small-fail/source.mp4")
        assert not store.exists("videos/large-fail/source.mp4")
        assert store.delete_prefix("videos") == 0

    def test_failed_put_stream_keeps_the_previous_version(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"the previous upload")

        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/a/source.mp4", failing_chunks(1))
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/a/source.mp4", failing_chunks(FAIL_AFTER_CHUNKS))

        assert store.get("videos/a/source.mp4") == b"the previous upload"

    def test_local_path_yields_a_readable_file(self, store: ObjectStore) -> None:
        store.put_stream("videos/big/source.mp4", large_chunks())

        with store.local_path("videos/big/source.mp4") as path:
            assert path.endswith(".mp4")  # decoders may go by the extension
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            assert digest == large_digest()

        assert os.path.exists(path) == self.keeps_own_files
        assert store.exists("videos/big/source.mp4")

    def test_local_path_with_ranges_holds_those_bytes_where_they_belong(self, store: ObjectStore) -> None:
        data = os.urandom(3 * 2**20)
        store.put("videos/big/source.mp4", data)
        ranges = [(2_000_000, 2_000_100), (0, 1000), (500, 1500), (len(data) - 10, len(data) + 50)]

        with store.local_path("videos/big/source.mp4", ranges=ranges) as path:
            assert path.endswith(".mp4")
            copy = Path(path).read_bytes()

        assert len(copy) == len(data)
        for start, end in ranges:
            assert copy[start:end] == data[start:end]
        # A copy holds zeros where nothing was asked for; a local folder's own file holds everything.
        between = copy[1500:2_000_000]
        assert between == (data[1500:2_000_000] if self.keeps_own_files else bytes(len(between)))
        assert os.path.exists(path) == self.keeps_own_files

    @pytest.mark.parametrize("bad", [(-1, 10), (10, 5)], ids=["negative", "reversed"])
    def test_local_path_refuses_bad_ranges(self, store: ObjectStore, bad: tuple[int, int]) -> None:
        store.put("videos/a/source.mp4", b"frames")

        with pytest.raises(ValidationError) as raised, store.local_path("videos/a/source.mp4", ranges=[bad]):
            pytest.fail("local_path accepted a bad range")
        assert raised.value.field == "ranges"

    def test_local_path_with_no_range_is_a_file_of_zeros_of_the_objects_size(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"frames")

        with store.local_path("videos/a/source.mp4", ranges=[]) as path:
            assert Path(path).read_bytes() == (b"frames" if self.keeps_own_files else bytes(6))

    def test_local_path_cleans_up_when_the_block_fails(self, store: ObjectStore) -> None:
        store.put("videos/a/source.mp4", b"frames")

        paths: list[str] = []

        def decode() -> None:
            with store.local_path("videos/a/source.mp4") as path:
                paths.append(path)
                assert Path(path).read_bytes() == b"frames"
                raise RuntimeError("decoder crashed")

        with pytest.raises(RuntimeError, match="decoder crashed"):
            decode()
        assert os.path.exists(paths[0]) == self.keeps_own_files
        assert store.get("videos/a/source.mp4") == b"frames"


class TestLocalObjectStore(ObjectStoreContract):
    keeps_own_files = True

    @pytest.fixture
    def root(self, tmp_path: Path) -> Path:
        return tmp_path / "objects"

    @pytest.fixture
    def store(self, root: Path) -> FsspecObjectStore:
        return local_store(root)

    def test_objects_are_plain_files_under_the_root(self, store: FsspecObjectStore, root: Path) -> None:
        store.put("videos/a/source.mp4", b"frames")

        assert (root / "videos" / "a" / "source.mp4").read_bytes() == b"frames"
        with store.local_path("videos/a/source.mp4") as path:
            assert Path(path) == root / "videos" / "a" / "source.mp4"

    def test_failed_writes_leave_no_temporary_files(self, store: FsspecObjectStore, root: Path) -> None:
        store.put("videos/a/source.mp4", b"old")
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/a/source.mp4", failing_chunks(3))
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/b/source.mp4", failing_chunks(3))

        files = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
        assert files == ["videos/a/source.mp4"]

    def test_traversal_writes_nothing_outside_the_root(self, store: FsspecObjectStore, tmp_path: Path) -> None:
        for key in ["../escape.txt", "videos/../../escape.txt"]:
            with pytest.raises(ValidationError):
                store.put(key, b"escaped")

        assert not list(tmp_path.rglob("escape.txt"))

    def test_delete_prefix_removes_emptied_folders(self, store: FsspecObjectStore, root: Path) -> None:
        store.put("videos/a/thumbs/1.jpg", b"1")
        store.put("videos/b/source.mp4", b"2")

        assert store.delete_prefix("videos/a") == 1

        assert not (root / "videos" / "a").exists()
        assert (root / "videos" / "b" / "source.mp4").exists()

    def test_a_key_through_a_stored_file_is_a_conflict(self, store: FsspecObjectStore) -> None:
        store.put("videos/a", b"a file, not a folder")

        with pytest.raises(ConflictError):
            store.put("videos/a/source.mp4", b"x")
        assert store.get("videos/a") == b"a file, not a folder"

    def test_streaming_keeps_memory_bounded(self, store: FsspecObjectStore) -> None:
        tracemalloc.start()
        try:
            store.put_stream("videos/big/source.mp4", large_chunks())
            _, put_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            read_back(store, "videos/big/source.mp4", chunk_size=1 << 20)
            _, read_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        assert put_peak < 2 * 2**20  # a 12 MiB object, 256 KiB at a time
        assert read_peak < 3 * 2**20  # read 1 MiB at a time

    @pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
    def test_a_refused_write_is_storage_unavailable(self, store: FsspecObjectStore, root: Path) -> None:
        root.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(StorageUnavailableError, match="denies access"):
                store.put("videos/a/source.mp4", b"x")
        finally:
            root.chmod(stat.S_IRWXU)

    def test_store_from_url_makes_local_stores(self, tmp_path: Path) -> None:
        by_path = store_from_url(str(tmp_path / "by-path"))
        by_url = store_from_url((tmp_path / "by-url").as_uri())
        by_path.put("a/b.txt", b"1")
        by_url.put("a/b.txt", b"2")

        assert (tmp_path / "by-path" / "a" / "b.txt").read_bytes() == b"1"
        assert (tmp_path / "by-url" / "a" / "b.txt").read_bytes() == b"2"


class TestMemoryObjectStore(ObjectStoreContract):
    @pytest.fixture
    def store(self) -> FsspecObjectStore:
        return memory_store("contract")

    def test_memory_stores_are_isolated_from_each_other(self) -> None:
        first, second = memory_store("same-name"), store_from_url("memory://same-name")
        first.put("videos/a/source.mp4", b"first")

        assert not second.exists("videos/a/source.mp4")
        second.put("videos/a/source.mp4", b"second")
        assert first.get("videos/a/source.mp4") == b"first"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3TestServer]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def seaweedfs_server() -> Iterator[S3TestServer]:
    with running_seaweedfs() as server:
        yield server


class S3ObjectStoreContract(ObjectStoreContract):
    """What every S3 server must do for the store (moto's in tests, SeaweedFS in the local production topology,
    AWS in production). Subclasses provide the ``s3_server`` fixture."""

    signs_read_urls = True

    @pytest.fixture
    def prefix(self) -> str:
        return f"contract/{uuid.uuid4().hex}"

    @pytest.fixture
    def store(self, s3_server: S3TestServer, prefix: str) -> FsspecObjectStore:
        return s3_store(s3_server.bucket, prefix=prefix, block_size=BLOCK_BYTES, **s3_server.store_options())

    def test_a_read_url_reads_the_object_and_its_ranges_without_credentials(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str
    ) -> None:
        data = os.urandom(300_000)
        store.put("videos/v/source.mp4", data)

        url = store.read_url("videos/v/source.mp4", expires_s=300, content_type="video/mp4")

        assert url is not None
        assert url.startswith(f"{s3_server.endpoint_url}/{s3_server.bucket}/{prefix}/videos/v/source.mp4?")
        whole = httpx.get(url, timeout=10)
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["content-type"] == "video/mp4"
        part = httpx.get(url, headers={"range": "bytes=1000-1999"}, timeout=10)
        assert part.status_code == 206
        assert part.content == data[1000:2000]
        assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"

    def test_a_read_url_uses_the_public_endpoint_when_given(self, s3_server: S3TestServer, prefix: str) -> None:
        store = s3_store(
            s3_server.bucket,
            prefix=prefix,
            public_endpoint_url="https://media.example.com",
            **s3_server.store_options(),
        )

        url = store.read_url("videos/v/source.mp4", expires_s=60)

        assert url is not None
        assert url.startswith(f"https://media.example.com/{s3_server.bucket}/{prefix}/videos/v/source.mp4?")

    def test_a_large_put_stream_is_a_multipart_upload(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str
    ) -> None:
        store.put_stream("videos/big/source.mp4", large_chunks())
        store.put("videos/small/source.mp4", b"small")

        s3 = s3_server.client()
        big = s3.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/big/source.mp4")
        small = s3.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/small/source.mp4")
        assert re.search(r'-3"?$', big["ETag"]), big["ETag"]  # 12 MiB in 5 MiB parts
        assert "-" not in small["ETag"]  # one PUT

    def test_an_object_of_one_block_is_one_put_and_one_byte_more_a_multipart_upload(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str
    ) -> None:
        block_chunks = BLOCK_BYTES // CHUNK_BYTES
        store.put_stream("videos/one/source.mp4", large_chunks(block_chunks))  # exactly one block, as chunks
        store.put_stream("videos/two/source.mp4", [*large_chunks(block_chunks), b"!"])

        s3 = s3_server.client()
        one = s3.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/one/source.mp4")
        two = s3.head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/two/source.mp4")
        assert "-" not in one["ETag"]  # one PUT, not a multipart upload of one part
        assert re.search(r'-2"?$', two["ETag"]), two["ETag"]
        assert read_back(store, "videos/one/source.mp4", chunk_size=1 << 20)[0] == large_digest(block_chunks)
        assert store.get("videos/two/source.mp4")[-1:] == b"!"

    def test_local_path_with_ranges_fetches_only_them(
        self, store: FsspecObjectStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store.put_stream("videos/big/source.mp4", large_chunks())
        fetched: list[tuple[int, int]] = []
        real_cat_ranges = store.fs.cat_ranges

        def recording(paths: list[str], starts: list[int], ends: list[int], **kwargs: object) -> object:
            fetched.extend(zip(starts, ends, strict=True))
            return real_cat_ranges(paths, starts, ends, **kwargs)

        def no_download(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the whole object must not be downloaded")

        monkeypatch.setattr(store.fs, "cat_ranges", recording)
        monkeypatch.setattr(store, "_open_chunks", no_download)
        end = LARGE_CHUNKS * CHUNK_BYTES
        with store.local_path("videos/big/source.mp4", ranges=[(0, 100), (end - 100, end)]) as path:
            copy = Path(path).read_bytes()

        assert fetched == [(0, 100), (end - 100, end)]
        assert copy[:100] == large_chunk(0)[:100]
        assert copy[-100:] == large_chunk(LARGE_CHUNKS - 1)[-100:]

    def test_concat_of_s3_sized_parts_copies_on_the_server(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pieces = [os.urandom(5 * 2**20), os.urandom(5 * 2**20), b"last"]
        for i, piece in enumerate(pieces):
            store.put(f"parts/{i}", piece)

        def no_download(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the parts must not pass through this process")

        monkeypatch.setattr(store, "_open_chunks", no_download)
        store.concat("videos/v/source.mp4", ["parts/0", "parts/1", "parts/2"])
        monkeypatch.undo()

        head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/v/source.mp4")
        assert re.search(r'-3"?$', head["ETag"]), head["ETag"]  # one multipart upload of three part copies
        assert store.get("videos/v/source.mp4") == b"".join(pieces)

    def test_a_failed_server_copy_leaves_nothing_behind(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for i in range(3):
            store.put(f"parts/{i}", os.urandom(5 * 2**20))
        real_call = store.fs.call_s3
        copies: list[int] = []

        def copy_fails_the_second_time(method: str, *args: object, **kwargs: object) -> object:
            if method == "upload_part_copy":
                copies.append(1)
                if len(copies) == 2:
                    raise OSError("connection reset while copying")
            return real_call(method, *args, **kwargs)

        monkeypatch.setattr(store.fs, "call_s3", copy_fails_the_second_time)
        with pytest.raises(StorageUnavailableError):
            store.concat("videos/v/source.mp4", ["parts/0", "parts/1", "parts/2"])
        monkeypatch.undo()

        uploads = s3_server.client().list_multipart_uploads(Bucket=s3_server.bucket, Prefix=prefix)
        assert uploads.get("Uploads", []) == []
        assert not store.exists("videos/v/source.mp4")

    def test_a_failed_upload_leaves_no_multipart_upload_behind(
        self, store: FsspecObjectStore, s3_server: S3TestServer, prefix: str
    ) -> None:
        with pytest.raises(ClientDisconnectedError):
            store.put_stream("videos/a/source.mp4", failing_chunks(FAIL_AFTER_CHUNKS))

        uploads = s3_server.client().list_multipart_uploads(Bucket=s3_server.bucket, Prefix=prefix)
        assert uploads.get("Uploads", []) == []

    def test_stores_with_different_prefixes_do_not_meet(self, s3_server: S3TestServer, store: ObjectStore) -> None:
        other = s3_store(s3_server.bucket, prefix=f"other/{uuid.uuid4().hex}", **s3_server.store_options())
        store.put("videos/a/source.mp4", b"mine")
        other.put("videos/a/source.mp4", b"theirs")

        assert other.delete_prefix("videos") == 1
        assert store.get("videos/a/source.mp4") == b"mine"

    def test_store_from_url_makes_s3_stores(self, s3_server: S3TestServer) -> None:
        prefix = f"from-url/{uuid.uuid4().hex}"
        store = store_from_url(f"s3://{s3_server.bucket}/{prefix}/", **s3_server.store_options())
        store.put("reports/r1.json", b"{}")

        body = s3_server.client().get_object(Bucket=s3_server.bucket, Key=f"{prefix}/reports/r1.json")["Body"]
        assert body.read() == b"{}"

    def test_a_missing_bucket_is_storage_unavailable_not_a_missing_object(self, s3_server: S3TestServer) -> None:
        store = s3_store("punch-no-such-bucket", **s3_server.store_options())

        with pytest.raises(StorageUnavailableError, match="does not exist") as raised:
            store.get("videos/a/source.mp4")
        with pytest.raises(StorageUnavailableError, match="does not exist"):
            store.put("videos/a/source.mp4", b"x")
        for internal in ("punch-no-such-bucket", "videos/a"):  # for the operators' log, not the user
            assert internal not in str(raised.value)


class TestS3ObjectStore(S3ObjectStoreContract):
    """On moto's server, with what only it offers here (server-side encryption and KMS keys), and the failures of
    a server that hangs or goes away."""

    @pytest.mark.parametrize("chunks", [1, LARGE_CHUNKS], ids=["single-put", "multipart"])
    def test_server_side_encryption_is_applied_when_configured(
        self, s3_server: S3TestServer, prefix: str, chunks: int
    ) -> None:
        store = s3_store(
            s3_server.bucket,
            prefix=prefix,
            block_size=BLOCK_BYTES,
            server_side_encryption="AES256",
            **s3_server.store_options(),
        )
        store.put_stream("videos/a/source.mp4", large_chunks(chunks))

        head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"{prefix}/videos/a/source.mp4")
        assert head["ServerSideEncryption"] == "AES256"
        assert read_back(store, "videos/a/source.mp4", chunk_size=1 << 20)[0] == large_digest(chunks)

    def test_kms_encryption_uses_the_given_key(self, s3_server: S3TestServer, prefix: str) -> None:
        kms_key = s3_server.client("kms").create_key(Description="punch test")["KeyMetadata"]["Arn"]
        store = s3_store(
            s3_server.bucket,
            prefix=prefix,
            server_side_encryption="aws:kms",
            kms_key_id=kms_key,
            **s3_server.store_options(),
        )
        store.put("reports/r1.json", b"{}")

        head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"{prefix}/reports/r1.json")
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == kms_key

    def test_a_stalled_endpoint_is_storage_unavailable_after_the_read_timeout(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # botocore reads the credentials from the environment
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        # A server that accepts connections and reads requests but never answers (a hung S3 or proxy).
        with stalled_server() as endpoint:
            settings = Settings.from_env(
                {
                    "PUNCH_STORAGE_URL": "s3://punch-stalled/objects",
                    "PUNCH_S3_ENDPOINT_URL": endpoint,
                    "PUNCH_S3_REGION": "us-east-1",
                    "PUNCH_S3_READ_TIMEOUT_S": "1",
                }
            )
            store = build_store(settings)
            started = time.monotonic()
            with pytest.raises(StorageUnavailableError, match="cannot be reached"):
                store.get("videos/a/source.mp4")
            # 3 tries of 1 s each, with the retry back-off between them (without the setting: 3 x 60 s).
            assert time.monotonic() - started < 10

    def test_a_dead_endpoint_is_storage_unavailable_within_seconds(self) -> None:
        with running_s3_server() as server:
            store = s3_store(server.bucket, **server.store_options())  # the default timeouts and retries
            impatient = s3_store(server.bucket, max_attempts=1, **server.store_options())
            store.put("videos/a/source.mp4", b"frames")
            impatient.put_stream("videos/big/source.mp4", large_chunks())
            half_read = impatient.open_read("videos/big/source.mp4")
            next(half_read)
            server.stop()

            with pytest.raises(StorageUnavailableError, match="cannot be reached"):
                for _ in half_read:  # the server went away in the middle of a download
                    pass

            calls = {
                "get": lambda: store.get("videos/a/source.mp4"),
                "put": lambda: store.put("videos/b/source.mp4", b"x"),
                # The other methods share the same translation; no retries keep this test short.
                "open_read": lambda: impatient.open_read("videos/a/source.mp4"),
                "size": lambda: impatient.size("videos/a/source.mp4"),
                "exists": lambda: impatient.exists("videos/a/source.mp4"),
                "put_stream": lambda: impatient.put_stream("videos/big/source.mp4", large_chunks(24)),
                "delete": lambda: impatient.delete("videos/a/source.mp4"),
                "delete_prefix": lambda: impatient.delete_prefix("videos"),
                "local_path": lambda: impatient.local_path("videos/a/source.mp4").__enter__(),
            }
            for name, call in calls.items():
                started = time.monotonic()
                with pytest.raises(StorageUnavailableError, match="cannot be reached") as raised:
                    call()
                elapsed_s = time.monotonic() - started
                assert elapsed_s < 5.0, f"{name} took {elapsed_s:.1f} s to give up"
                assert raised.value.__cause__ is not None, name
                assert server.endpoint_url not in str(raised.value), "the endpoint stays out of user messages"

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"server_side_encryption": "ROT13"}, "server_side_encryption"),
            ({"kms_key_id": "some-key"}, "kms_key_id"),
            ({"block_size": 2**20}, "block_size"),
            ({"max_attempts": 0}, "max_attempts"),
            ({"prefix": "../up"}, "prefix"),
        ],
    )
    def test_s3_options_are_validated(self, options: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as raised:
            s3_store("punch-videos", **options)  # type: ignore[arg-type]
        assert raised.value.field == field

    def test_a_key_without_a_secret_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            s3_store("punch-videos", key="AKIA-only")
        with pytest.raises(ValidationError):
            s3_store("Not_A_Bucket")


class TestSeaweedObjectStore(S3ObjectStoreContract):
    """On SeaweedFS, the real S3 server of the local production topology and the load test."""

    @pytest.fixture
    def s3_server(self, seaweedfs_server: S3TestServer) -> S3TestServer:
        return seaweedfs_server

    def test_a_read_url_reads_that_object_only_and_not_after_it_expires(
        self, store: FsspecObjectStore, s3_server: S3TestServer
    ) -> None:
        # moto does not check signatures at all; SeaweedFS does, as AWS does.
        store.put("videos/v/source.mp4", b"mine")
        store.put("videos/w/source.mp4", b"someone else's")
        url = store.read_url("videos/v/source.mp4", expires_s=1)
        assert url is not None

        other = url.replace("/videos/v/", "/videos/w/")
        assert httpx.get(other, timeout=10).status_code == 403  # the signature covers the key
        time.sleep(2.1)
        assert httpx.get(url, timeout=10).status_code == 403


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(13, "Permission denied"), "denies access"),
        (ConnectionRefusedError(111, "Connection refused"), "cannot be reached"),
        (OSError(28, "No space left on device"), "failed while writing"),
    ],
)
def test_driver_errors_become_storage_unavailable(error: OSError, message: str) -> None:
    # A root-run test cannot make a folder refuse it, so the boundary's translation is checked directly here.
    with (
        pytest.raises(StorageUnavailableError, match=message) as raised,
        translate_errors("local storage folder", "videos/a/source.mp4", "writing"),
    ):
        raise error
    assert raised.value.__cause__ is error


@pytest.mark.parametrize(
    "url", ["", "ftp://host/x", "file://remote-host/x", "s3://", "s3://bucket/p?x=1", "memory://a/b"]
)
def test_store_from_url_refuses_unknown_forms(url: str) -> None:
    with pytest.raises(ValidationError):
        store_from_url(url)


def test_store_from_url_refuses_options_for_local_stores(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        store_from_url(str(tmp_path), region="eu-west-1")
