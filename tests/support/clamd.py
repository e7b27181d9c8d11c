"""A real ClamAV clamd for tests, started in the foreground on a database the tests write themselves.

Signature downloads are not reachable here (and would make tests depend on the day's database), so the
database holds exactly two signatures: the EICAR test string anywhere in a file (``eicar.ndb``) and the MD5 of
Debian's ``clamav-testfiles`` ``clam.exe`` (``clam.hdb``). clamd appends ``.UNOFFICIAL`` to their names.

``/usr/sbin/clamd`` comes from Debian's ``clamav-daemon`` (``make clamav``); without it the tests skip with the
reason, except with ``CI=true``, where they fail (tests/support/services.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import in_ci

CLAMD = os.environ.get("PUNCH_TEST_CLAMD", "/usr/sbin/clamd")
TESTFILES = Path(os.environ.get("PUNCH_TEST_CLAMAV_TESTFILES", "/usr/share/clamav-testfiles"))
CLAM_EXE = TESTFILES / "clam.exe"

# Built from two halves so that this source file is not itself flagged by a scanner on a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-" + b"STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SIGNATURE = "Eicar-Test-Signature"
CLAM_EXE_SIGNATURE = "ClamAV-Test-File"


def require_clamd() -> None:
    """Skip (fail under CI) unless clamd and Debian's clamav-testfiles are installed."""
    missing = [str(p) for p in (Path(CLAMD), CLAM_EXE) if not p.exists()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} missing: install Debian's clamav-daemon and clamav-testfiles (`make clamav`)"
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def write_database(folder: Path) -> None:
    """The two test signatures in ClamAV's ``.ndb`` (body pattern, any offset) and ``.hdb`` (MD5:size) formats."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eicar.ndb").write_text(f"{EICAR_SIGNATURE}:0:*:{EICAR.hex()}\n", encoding="ascii")
    data = CLAM_EXE.read_bytes()
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324 - ClamAV's .hdb format is MD5; not a security use here
    (folder / "clam.hdb").write_text(f"{md5}:{len(data)}:{CLAM_EXE_SIGNATURE}\n", encoding="ascii")


class Clamd:
    """One clamd process on a unix socket (and optionally loopback TCP) in ``folder``; start, stop, start again.

    Args:
        folder: A private temporary folder (socket, database, config, log, clamd's temporary files).
        stream_max_bytes: clamd's ``StreamMaxLength``.
        tcp_port: Also listen on 127.0.0.1 at this port (None: unix socket only).
    """

    def __init__(self, folder: Path, *, stream_max_bytes: int = 64 << 20, tcp_port: int | None = None) -> None:
        self.folder = folder
        self.socket_path = folder / "clamd.sock"
        self.tcp_port = tcp_port
        self.log_path = folder / "clamd.log"
        self.start_s: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        write_database(folder / "db")
        (folder / "tmp").mkdir(exist_ok=True)
        lines = [
            "Foreground yes",
            f"LocalSocket {self.socket_path}",
            f"DatabaseDirectory {folder / 'db'}",
            f"TemporaryDirectory {folder / 'tmp'}",
            f"LogFile {self.log_path}",
            f"PidFile {folder / 'clamd.pid'}",
            f"StreamMaxLength {stream_max_bytes}",
            "MaxThreads 4",
            "SelfCheck 0",
        ]
        if tcp_port is not None:
            lines += [f"TCPSocket {tcp_port}", "TCPAddr 127.0.0.1"]
        self.config_path = folder / "clamd.conf"
        self.config_path.write_text("\n".join(lines) + "\n", encoding="ascii")

    @property
    def url(self) -> str:
        """``unix://`` URL of the socket."""
        return f"unix://{self.socket_path}"

    @property
    def tcp_url(self) -> str:
        """``tcp://`` URL (only with ``tcp_port``)."""
        assert self.tcp_port is not None
        return f"tcp://127.0.0.1:{self.tcp_port}"

    def start(self, *, timeout_s: float = 30.0) -> None:
        """Start clamd and wait until it answers ``PING`` with ``PONG``; ``start_s`` is how long that took."""
        assert self._process is None, "already running"
        began = time.monotonic()
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own config
            [CLAMD, "--config-file", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = began + timeout_s
        while not self.ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
                self.stop()
                pytest.fail(f"clamd did not start (see {self.log_path}):\n{log}", pytrace=False)
            time.sleep(0.02)
        self.start_s = time.monotonic() - began

    def stop(self) -> None:
        """Stop clamd (SIGTERM, then SIGKILL after 10 s) and wait until it is gone."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.socket_path.unlink(missing_ok=True)

    def ping(self) -> bool:
        """Whether clamd answers ``PING`` on its unix socket."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(1.0)
                conn.connect(str(self.socket_path))
                conn.sendall(b"zPING\0")
                return conn.recv(16).startswith(b"PONG")
        except OSError:
            return False


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """A clamd shared by the session (unix socket and loopback TCP, ``StreamMaxLength`` 64 MiB)."""
    require_clamd()
    server = Clamd(tmp_path_factory.mktemp("clamd"), tcp_port=free_port())
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def own_clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """A clamd for one test, which it may stop and start again (unix socket only)."""
    require_clamd()
    server = Clamd(tmp_path_factory.mktemp("clamd"))
    server.start()
    yield server
    server.stop()
