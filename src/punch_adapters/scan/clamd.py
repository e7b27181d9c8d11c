"""A ``MalwareScanner`` on ClamAV's clamd, spoken directly over its unix or TCP socket (docs/adr/0009).

A scan is one ``zINSTREAM`` session: the file goes out as chunks, each a 4-byte big-endian length and its
bytes, ended by a zero length; clamd answers one NUL-terminated line once it has scanned the whole stream:

- ``stream: OK`` — nothing found;
- ``stream: <signature> FOUND`` — malware (a ``Heuristics.Limits.Exceeded.*`` "signature" means clamd's scan
  limits stopped it: the file could not be checked);
- ``INSTREAM size limit exceeded. ERROR`` — the stream is longer than clamd's ``StreamMaxLength`` (clamd says
  so and closes the socket, possibly while chunks are still being sent);
- ``stream: <reason> ERROR`` — a scan error: about the file (``Bad format or broken data``, ``Exceeded max
  recursion depth``) or about clamd itself (``Can't allocate memory``, ``Can't create temporary file``).

What is about the file becomes a verdict (infected or unscannable: the upload is refused); what is about clamd —
no connection, a timeout, an error of its own, a reply this client does not know — raises
``ScannerUnavailableError``, so the upload keeps its bytes and completing it again later can succeed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import attrs

from punch_core.errors import ScannerUnavailableError
from punch_core.ports.scan import MalwareScanner, ScanVerdict

logger = logging.getLogger("punch.scan")

DEFAULT_PORT = 3310
CHUNK_BYTES = 1 << 20
"""Largest INSTREAM chunk sent (bigger pieces of the file are split)."""
MAX_REPLY_BYTES = 4096
UNAVAILABLE_MESSAGE = (
    "the malware scanner is not available right now, so this upload cannot be checked yet; your upload is kept: "
    "complete it again in a few minutes"
)

# Scan errors clamd reports that are about the file, with what to tell its owner; any other error is clamd's own.
_FILE_ERRORS: tuple[tuple[str, str], ...] = (
    ("size limit exceeded", "it is larger than the scanner accepts"),
    ("max scan size", "it is larger than the scanner accepts"),
    ("max recursion", "it is nested too deeply to check"),
    ("max scan files", "it holds too many files to check"),
    ("time limit", "checking it took too long"),
    ("bad format or broken data", "its data is damaged"),
    ("can't parse data", "its data is damaged"),
    ("can't unpack some data", "its data is damaged"),
    ("not supported data format", "its format cannot be checked"),
)
_LIMITS_SIGNATURE = "Heuristics.Limits.Exceeded"


@attrs.frozen(kw_only=True)
class ClamdAddress:
    """Where clamd listens: a unix socket path, or a TCP host and port.

    Attributes:
        unix_path: The socket file (``/run/clamav/clamd.ctl``), or None for TCP.
        host: The TCP host, for TCP.
        port: The TCP port (3310 unless given).
    """

    unix_path: str | None = None
    host: str = ""
    port: int = DEFAULT_PORT

    @classmethod
    def parse(cls, url: str) -> ClamdAddress:
        """``unix:///run/clamav/clamd.ctl`` or ``tcp://127.0.0.1:3310`` (port 3310 when left out).

        Raises:
            ValueError: for any other form, saying which are accepted.
        """
        parts = urlsplit(url)
        if parts.scheme == "unix" and parts.path and not parts.netloc:
            return cls(unix_path=parts.path)
        if parts.scheme == "tcp" and parts.hostname and parts.path in {"", "/"}:
            try:
                port = parts.port or DEFAULT_PORT
            except ValueError:
                port = -1
            if 0 < port < 65536:
                return cls(host=parts.hostname, port=port)
        raise ValueError(f"a clamd address is unix:///path/to/clamd.ctl or tcp://host:3310, got {url!r}")

    def __str__(self) -> str:
        return f"unix://{self.unix_path}" if self.unix_path else f"tcp://{self.host}:{self.port}"


class ClamdScanner(MalwareScanner):
    """Scans with clamd's ``INSTREAM`` command, one connection per scan (clamd serves each on its own thread).

    Args:
        url: Where clamd listens (see :meth:`ClamdAddress.parse`).
        timeout_s: Longest wait for clamd to take a chunk or, after the last one, to answer (a 500 MB video
            takes clamd seconds to scan, not minutes).
        connect_timeout_s: Longest wait to connect: a clamd that is down is reported quickly.

    Raises:
        ValueError: for an address in neither form.
    """

    def __init__(self, url: str, *, timeout_s: float = 120.0, connect_timeout_s: float = 5.0) -> None:
        self.address = ClamdAddress.parse(url)
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s

    def __repr__(self) -> str:
        return f"ClamdScanner({str(self.address)!r})"

    def ping(self) -> bool:
        """Whether clamd answers ``PING`` with ``PONG`` (a readiness check); never raises."""
        try:
            with self._connect() as conn:
                conn.sendall(b"zPING\0")
                return _read_reply(conn) == "PONG"
        except (OSError, ScannerUnavailableError):
            return False

    def scan(self, chunks: Iterable[bytes]) -> ScanVerdict:
        """The verdict of clamd on the file made of ``chunks`` (see the module docstring for what maps to what).

        Raises:
            ScannerUnavailableError: if clamd cannot be reached, times out, fails on its own or answers
                something unknown.
        """
        with self._connect() as conn:
            try:
                conn.sendall(b"zINSTREAM\0")
            except OSError as exc:
                raise self._unavailable(f"sending INSTREAM failed: {exc}") from exc
            for piece in _pieces(chunks):
                try:
                    conn.sendall(struct.pack(">I", len(piece)) + piece)
                except TimeoutError as exc:
                    raise self._unavailable(f"clamd took no data for {self.timeout_s:g} s") from exc
                except OSError as exc:
                    # clamd closes the connection once the stream passes StreamMaxLength, after saying so.
                    return self._verdict(self._reply_after_failed_send(conn, exc), exc)
            try:
                conn.sendall(b"\0\0\0\0")
                reply = _read_reply(conn)
            except TimeoutError as exc:
                raise self._unavailable(f"clamd did not answer within {self.timeout_s:g} s") from exc
            except OSError as exc:
                raise self._unavailable(f"the connection to clamd failed: {exc}") from exc
            return self._verdict(reply, None)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[socket.socket]:
        if self.address.unix_path:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = self.address.unix_path
        else:
            family = socket.AF_INET6 if ":" in self.address.host else socket.AF_INET
            conn = socket.socket(family, socket.SOCK_STREAM)
            target = (self.address.host, self.address.port)
        try:
            conn.settimeout(self.connect_timeout_s)
            try:
                conn.connect(target)
            except OSError as exc:
                raise self._unavailable(f"cannot connect to clamd: {exc}") from exc
            conn.settimeout(self.timeout_s)
            yield conn
        finally:
            conn.close()

    def _reply_after_failed_send(self, conn: socket.socket, exc: OSError) -> str:
        conn.settimeout(min(self.timeout_s, 5.0))
        try:
            return _read_reply(conn)
        except OSError:
            raise self._unavailable(f"the connection to clamd failed while sending: {exc}") from exc

    def _verdict(self, reply: str, send_error: OSError | None) -> ScanVerdict:
        text = reply.removeprefix("stream:").strip()
        if text == "OK":
            return ScanVerdict.clean()
        if text.endswith(" FOUND"):
            signature = text.removesuffix(" FOUND").strip()
            if signature.startswith(_LIMITS_SIGNATURE):
                logger.info("scan.unscannable", extra={"clamd": str(self.address), "reply": reply})
                return ScanVerdict.unscannable("it is too large or too complex to check")
            logger.warning("scan.infected", extra={"clamd": str(self.address), "signature": signature})
            return ScanVerdict.infected(signature)
        if text.endswith("ERROR"):
            lowered = text.lower()
            for needle, reason in _FILE_ERRORS:
                if needle in lowered:
                    logger.info("scan.unscannable", extra={"clamd": str(self.address), "reply": reply})
                    return ScanVerdict.unscannable(reason)
            raise self._unavailable(f"clamd failed: {reply}")
        shown = reply or "nothing"
        raise self._unavailable(
            f"clamd answered {shown!r}" + (f" after the connection failed ({send_error})" if send_error else "")
        )

    def _unavailable(self, reason: str) -> ScannerUnavailableError:
        logger.warning("scan.unavailable", extra={"clamd": str(self.address), "reason": reason})
        return ScannerUnavailableError(UNAVAILABLE_MESSAGE)


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The non-empty pieces of ``chunks``, none longer than :data:`CHUNK_BYTES` (a zero length ends a stream)."""
    for chunk in chunks:
        for start in range(0, len(chunk), CHUNK_BYTES):
            yield chunk[start : start + CHUNK_BYTES]


def _read_reply(conn: socket.socket) -> str:
    """The answer of clamd: up to its terminating NUL (or the connection's end), decoded, without the NUL."""
    reply = b""
    while b"\0" not in reply and len(reply) < MAX_REPLY_BYTES:
        data = conn.recv(MAX_REPLY_BYTES)
        if not data:
            break
        reply += data
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
