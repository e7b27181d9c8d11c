"""`punch serve` as a process: the passwordless local login never listens beyond loopback, and a client cannot pick
the address the rate limits count by sending X-Forwarded-For (issue 24, items 4 and 13)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from punch_app.settings import Settings
from punch_app.web import check_bind, uvicorn_options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNCH_")}
    return env | {"PUNCH_DATA_DIR": str(tmp_path / "data"), "PUNCH_LOG_FORMAT": "text"} | extra


def get(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "punch_app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        command, env=serve_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"punch serve stopped: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if get(f"{base}/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("punch serve did not answer /healthz within 60 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serving_the_local_login_beyond_loopback_is_refused_with_what_to_do(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "punch_app.cli", "serve", "--host", "0.0.0.0", "--port", str(port)]  # noqa: S104
    done = subprocess.run(  # noqa: S603 - our own CLI
        command, env=serve_env(tmp_path), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "passwordless local login" in done.stderr
    assert "--host 127.0.0.1" in done.stderr
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing listens


def test_a_bind_beyond_loopback_is_allowed_once_the_local_login_is_off() -> None:
    embedded = Settings.from_env({})
    for host in ("0.0.0.0", "::", "192.168.1.20"):  # noqa: S104
        with pytest.raises(ValueError, match="local login"):
            check_bind(embedded, host)
    for host in ("127.0.0.1", "localhost", "::1"):
        check_bind(embedded, host)
    check_bind(Settings.from_env({"PUNCH_PUBLIC_URL": "https://punch.example.com"}), "0.0.0.0")  # noqa: S104


def test_proxy_headers_are_believed_only_when_asked_for() -> None:
    settings = Settings.from_env({"PUNCH_TRUSTED_PROXIES": "10.0.0.2"})
    assert uvicorn_options(settings, host="127.0.0.1", port=1, proxy_headers=False)["proxy_headers"] is False
    asked = uvicorn_options(settings, host="127.0.0.1", port=1, proxy_headers=True)
    assert (asked["proxy_headers"], asked["forwarded_allow_ips"]) == (True, "10.0.0.2")


def test_rotating_x_forwarded_for_does_not_escape_the_share_lookup_limit(loopback_server: str) -> None:
    # 30 anonymous share lookups a minute per address: a guesser sending a new X-Forwarded-For with each request
    # must still be counted as the one address it connects from.
    statuses = [
        get(f"{loopback_server}/api/v1/shared/guess{i:04d}abcdefghijk", {"X-Forwarded-For": f"203.0.113.{i}"})
        for i in range(40)
    ]
    assert 429 in statuses
    assert statuses.index(429) <= 31
