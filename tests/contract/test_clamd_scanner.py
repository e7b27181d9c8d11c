"""The ClamAV adapter of the ``MalwareScanner`` port against a real clamd (tests/support/clamd.py).

Every reply clamd gives is checked: a real clamd for OK, FOUND (a body signature and a hash signature) and the
stream size limit; a loopback server speaking clamd's INSTREAM protocol for the replies a two-signature database
cannot provoke (scan errors, limits heuristics, garbage, silence).
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from punch_adapters.scan import ClamdAddress, ClamdScanner
from punch_core.errors import ScannerUnavailableError
from punch_core.ports.scan import ScanOutcome
from tests.support.clamd import (
    CLAM_EXE,
    CLAM_EXE_SIGNATURE,
    EICAR,
    EICAR_SIGNATURE,
    Clamd,
    clamd,  # noqa: F401 - the fixture
    free_port,
    require_clamd,
)
from tests.support.videos import tiny_h264

MIB = 1 << 20


def tiny_mp4(path: Path, seconds: float = 3.0) -> bytes:
    return tiny_h264(path, seconds, shade_step=9)


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.fixture(params=["unix", "tcp"])
def scanner(request: pytest.FixtureRequest, clamd: Clamd) -> ClamdScanner:  # noqa: F811 - the fixture
    return ClamdScanner(clamd.url if request.param == "unix" else clamd.tcp_url, timeout_s=30)


# --- real clamd ---------------------------------------------------------------------------------------------------


def test_clean_bytes_are_clean(scanner: ClamdScanner) -> None:
    verdict = scanner.scan([b"a boxer's round, ", b"nothing else"])
    assert verdict.outcome is ScanOutcome.CLEAN
    assert verdict.detail == ""


def test_eicar_is_infected_and_named(scanner: ClamdScanner) -> None:
    verdict = scanner.scan([EICAR])
    assert verdict.outcome is ScanOutcome.INFECTED
    assert verdict.detail.startswith(EICAR_SIGNATURE)


def test_eicar_split_over_many_tiny_chunks_is_still_found(scanner: ClamdScanner) -> None:
    verdict = scanner.scan(pieces(b"\0" * 1000 + EICAR + b"\0" * 1000, 7))
    assert verdict.outcome is ScanOutcome.INFECTED


def test_debians_clam_exe_is_found_by_its_hash_signature(scanner: ClamdScanner) -> None:
    verdict = scanner.scan(pieces(CLAM_EXE.read_bytes(), 100))
    assert verdict.outcome is ScanOutcome.INFECTED
    assert verdict.detail.startswith(CLAM_EXE_SIGNATURE)


def test_a_real_mp4_is_clean_and_with_eicar_appended_it_is_infected(scanner: ClamdScanner, tmp_path: Path) -> None:
    video = tiny_mp4(tmp_path / "round.mp4")
    assert video[4:8] == b"ftyp"
    assert scanner.scan([video]).outcome is ScanOutcome.CLEAN
    polyglot = scanner.scan(pieces(video + EICAR, 4096))  # still opens as a video; still malware
    assert polyglot.outcome is ScanOutcome.INFECTED
    assert polyglot.detail.startswith(EICAR_SIGNATURE)


def test_a_stream_over_stream_max_length_is_unscannable(tmp_path: Path) -> None:
    require_clamd()
    small = Clamd(tmp_path / "clamd", stream_max_bytes=MIB)
    small.start()
    try:
        scanner = ClamdScanner(small.url, timeout_s=30)
        assert scanner.scan([b"x" * (MIB - 1000)]).outcome is ScanOutcome.CLEAN
        # Past the limit clamd says so and closes the socket, while the client may still be sending.
        for chunk_bytes in (64 * 1024, 4 * MIB):
            verdict = scanner.scan(pieces(b"y" * (8 * MIB), chunk_bytes))
            assert verdict.outcome is ScanOutcome.UNSCANNABLE
            assert verdict.detail == "it is larger than the scanner accepts"
        assert scanner.ping(), "clamd serves the next scan"
    finally:
        small.stop()


def test_an_error_of_the_file_source_propagates_and_clamd_carries_on(scanner: ClamdScanner) -> None:
    def failing() -> Iterator[bytes]:
        yield b"first part"
        raise OSError("the store went away")

    with pytest.raises(OSError, match="the store went away"):
        scanner.scan(failing())
    assert scanner.scan([b"next"]).outcome is ScanOutcome.CLEAN


def test_fifty_megabytes_stream_through_in_bounded_memory(clamd: Clamd) -> None:  # noqa: F811 - the fixture
    scanner = ClamdScanner(clamd.url, timeout_s=60)
    block = bytes(itertools.islice(itertools.cycle(range(251)), MIB))
    tracemalloc.start()
    began = time.monotonic()
    try:
        verdict = scanner.scan(block for _ in range(50))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    took_s = time.monotonic() - began
    assert verdict.outcome is ScanOutcome.CLEAN
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB: the file must stream, not be held"
    print(f"clamd started in {clamd.start_s:.2f} s; 50 MiB scanned in {took_s:.2f} s")


def test_ping(clamd: Clamd, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    assert ClamdScanner(clamd.url).ping()
    assert not ClamdScanner(f"unix://{tmp_path}/no.sock").ping()


# --- clamd down -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["missing unix socket", "closed tcp port"])
def test_clamd_down_is_unavailable_at_once(where: str, tmp_path: Path) -> None:
    url = f"unix://{tmp_path}/clamd.sock" if where.startswith("missing") else f"tcp://127.0.0.1:{free_port()}"
    began = time.monotonic()
    with pytest.raises(ScannerUnavailableError, match="malware scanner is not available right now"):
        ClamdScanner(url).scan([b"data"])
    assert time.monotonic() - began < 1.0


# --- every other reply, from a loopback server speaking INSTREAM -----------------------------------------------


class FakeClamd:
    """Reads one INSTREAM session per connection, then sends ``reply`` (None: says nothing and hangs up)."""

    def __init__(self, reply: bytes | None, *, answer: bool = True) -> None:
        self.reply = reply
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"tcp://127.0.0.1:{self.listener.getsockname()[1]}"
        self.received = b""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            stream = conn.makefile("rb")
            assert stream.read(10) == b"zINSTREAM\0"
            while size := struct.unpack(">I", stream.read(4))[0]:
                self.received += stream.read(size)
            if not self.answer:
                time.sleep(3)
            elif self.reply is not None:
                conn.sendall(self.reply)

    def close(self) -> None:
        self._thread.join(timeout=5)
        self.listener.close()


@pytest.mark.parametrize(
    ("reply", "outcome", "detail"),
    [
        (b"stream: OK\0", ScanOutcome.CLEAN, ""),
        (b"stream: Win.Test.EICAR_HDB-1 FOUND\0", ScanOutcome.INFECTED, "Win.Test.EICAR_HDB-1"),
        (b"INSTREAM size limit exceeded. ERROR\0", ScanOutcome.UNSCANNABLE, "it is larger than the scanner accepts"),
        (b"stream: Bad format or broken data ERROR\0", ScanOutcome.UNSCANNABLE, "its data is damaged"),
        (b"stream: Exceeded max recursion depth ERROR\0", ScanOutcome.UNSCANNABLE, "it is nested too deeply to check"),
        (
            b"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0",
            ScanOutcome.UNSCANNABLE,
            "it is too large or too complex to check",
        ),
    ],
)
def test_each_verdict_reply(reply: bytes, outcome: ScanOutcome, detail: str) -> None:
    server = FakeClamd(reply)
    try:
        verdict = ClamdScanner(server.url, timeout_s=5).scan([b"abc", b"", b"def"])
    finally:
        server.close()
    assert (verdict.outcome, verdict.detail) == (outcome, detail)
    assert server.received == b"abcdef", "empty chunks are not sent (a zero length would end the stream)"


@pytest.mark.parametrize(
    "reply",
    [b"stream: Can't allocate memory ERROR\0", b"stream: Can't create temporary file ERROR\0", b"UNKNOWN COMMAND\0"],
)
def test_errors_of_clamd_itself_are_unavailable_not_a_verdict(reply: bytes) -> None:
    server = FakeClamd(reply)
    try:
        with pytest.raises(ScannerUnavailableError):
            ClamdScanner(server.url, timeout_s=5).scan([b"abc"])
    finally:
        server.close()


def test_hanging_up_without_an_answer_is_unavailable() -> None:
    server = FakeClamd(None)
    try:
        with pytest.raises(ScannerUnavailableError):
            ClamdScanner(server.url, timeout_s=5).scan([b"abc"])
    finally:
        server.close()


def test_no_answer_in_time_is_unavailable_after_the_timeout() -> None:
    server = FakeClamd(b"stream: OK\0", answer=False)
    began = time.monotonic()
    try:
        with pytest.raises(ScannerUnavailableError):
            ClamdScanner(server.url, timeout_s=0.5).scan([b"abc"])
        waited_s = time.monotonic() - began
    finally:
        server.close()
    assert 0.4 < waited_s < 2.0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("unix:///run/clamav/clamd.ctl", ClamdAddress(unix_path="/run/clamav/clamd.ctl")),
        ("tcp://127.0.0.1:3310", ClamdAddress(host="127.0.0.1", port=3310)),
        ("tcp://clamav", ClamdAddress(host="clamav", port=3310)),
        ("tcp://[::1]:3311", ClamdAddress(host="::1", port=3311)),
    ],
)
def test_addresses(url: str, expected: ClamdAddress) -> None:
    assert ClamdAddress.parse(url) == expected


@pytest.mark.parametrize("url", ["/run/clamav/clamd.ctl", "http://clamav:3310", "tcp://host:99999", "unix://"])
def test_bad_addresses_say_what_is_accepted(url: str) -> None:
    with pytest.raises(ValueError, match=r"unix:///path/to/clamd.ctl or tcp://host:3310"):
        ClamdAddress.parse(url)
