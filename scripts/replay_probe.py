"""Replay the outside probe's findings (issue 24, items 3, 4, 7, 8, 9 and 13) against a real ``punch serve``.

Usage: .venv/bin/python scripts/replay_probe.py [--port 8765]

Starts the embedded default (SQLite, local files, local login) on 127.0.0.1 in a temporary data folder, sends each
attack as an outside client would (plain HTTP, no test client), prints what came back and how long it took, and
stops the server. Exits 1 if any answer is not the expected refusal. Item 4 starts a second server with
``--host 0.0.0.0``, which must refuse to start.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PUNCH = ROOT / ".venv" / "bin" / "punch"
UPLOAD = {"filename": "round.mp4", "size_bytes": 10_000_000, "content_type": "video/mp4"}


def serve(port: int, data_dir: str, *extra: str) -> subprocess.Popen[bytes]:
    """``punch serve`` on 127.0.0.1:``port`` (unless ``extra`` says otherwise), in its own process group."""
    env = os.environ | {"PUNCH_DATA_DIR": data_dir, "PUNCH_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    return subprocess.Popen(  # noqa: S603 - our own command
        [str(PUNCH), "serve", "--port", str(port), *extra],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ready(base: str, timeout_s: float = 90.0) -> None:
    """Until ``/healthz`` answers 200."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"punch serve did not answer on {base} within {timeout_s:.0f} s")


def check(name: str, expected: set[int], send: Callable[[], httpx.Response], failures: list[str]) -> None:
    """Send one request; print its status, time and message; note it when the status is not expected."""
    started = time.perf_counter()
    answer = send()
    ms = (time.perf_counter() - started) * 1000
    ok = answer.status_code in expected
    message = ""
    if answer.headers.get("content-type", "").startswith("application/json"):
        message = str(answer.json().get("error", {}).get("message", ""))[:90]
    print(f"{'ok ' if ok else 'BAD'} {name:58} {answer.status_code} in {ms:7.1f} ms  {message}")
    if not ok:
        failures.append(f"{name}: {answer.status_code}, expected {sorted(expected)}")


def main() -> int:  # noqa: PLR0915 - one replay, top to bottom
    """Every replay; 0 when all were refused as expected."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as data_dir:
        # Item 4: a non-loopback bind with the passwordless local login on must not start.
        exposed = serve(args.port + 1, data_dir, "--host", "0.0.0.0")  # noqa: S104 - the attack being replayed
        try:
            code = exposed.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(exposed.pid, signal.SIGKILL)
            code = -1
        ok = code == 2
        print(f"{'ok ' if ok else 'BAD'} {'4: serve --host 0.0.0.0 with the local login':58} exit {code}")
        if not ok:
            failures.append(f"4: exit status {code}, expected 2")

        server = serve(args.port, data_dir)
        try:
            wait_ready(base)
            client = httpx.Client(base_url=base, timeout=30)
            login = client.post("/api/v1/auth/local/login")
            access, refresh = login.cookies["punch_access"], login.cookies["punch_refresh"]
            signed_in = {"cookie": f"punch_access={access}"}

            # Item 3: a 9.9 MB file name; it must be refused before any work, quickly.
            huge = b'{"filename": "' + b"a" * 9_900_000 + b'.mp4", "size_bytes": 1000000, "content_type": "video/mp4"}'
            json_type = signed_in | {"content-type": "application/json"}
            check(
                "3: POST /uploads with a 9.9 MB file name",
                {413},
                lambda: client.post("/api/v1/uploads", content=huge, headers=json_type),
                failures,
            )
            long_name = UPLOAD | {"filename": "é" * 200 + ".mp4"}
            check(
                "3: a 400-byte file name",
                {422},
                lambda: client.post("/api/v1/uploads", json=long_name, headers=signed_in),
                failures,
            )

            # Item 8: JSON sent as a form would, and from another site.
            check(
                "8: JSON body as text/plain",
                {415},
                lambda: client.post(
                    "/api/v1/uploads",
                    content=httpx.Request("POST", "/", json=UPLOAD).content,
                    headers=signed_in | {"content-type": "text/plain"},
                ),
                failures,
            )
            check(
                "8: Origin of another site",
                {403},
                lambda: client.post(
                    "/api/v1/uploads", json=UPLOAD, headers=signed_in | {"origin": "https://evil.example"}
                ),
                failures,
            )
            check(
                "8: Sec-Fetch-Site: same-site",
                {403},
                lambda: client.post(
                    "/api/v1/uploads", json=UPLOAD, headers=signed_in | {"sec-fetch-site": "same-site"}
                ),
                failures,
            )

            # Item 9: anonymous 500s.
            check(
                "9: [ x 100,000 before sign-in",
                {400, 413},
                lambda: client.post(
                    "/api/v1/uploads", content=b"[" * 100_000, headers={"content-type": "application/json"}
                ),
                failures,
            )
            check(
                "9: [ x 60,000 (under the body limit)",
                {400},
                lambda: client.post(
                    "/api/v1/uploads", content=b"[" * 60_000, headers={"content-type": "application/json"}
                ),
                failures,
            )
            check("9: GET /%00 (404 without a built web app)", {400, 404}, lambda: client.get("/%00"), failures)
            check(
                "9: GET /api/v1/analyses/%00abc",
                {400},
                lambda: client.get("/api/v1/analyses/%00abc", headers=signed_in),
                failures,
            )

            # Item 7: the access token after signing out.
            check(
                "7: /auth/me before signing out",
                {200},
                lambda: client.get("/api/v1/auth/me", headers=signed_in),
                failures,
            )
            client.post("/api/v1/auth/logout", headers={"cookie": f"punch_refresh={refresh}"})
            for path in ("/api/v1/auth/me", "/api/v1/reports"):
                check(
                    f"7: GET {path} with the signed-out access token",
                    {401},
                    lambda p=path: client.get(p, headers=signed_in),
                    failures,
                )
            check(
                "7: POST /uploads with the signed-out access token",
                {401},
                lambda: client.post("/api/v1/uploads", json=UPLOAD, headers=signed_in),
                failures,
            )

            # Item 13: rotating X-Forwarded-For must not buy more share-hash guesses (30 a minute per address).
            statuses = [
                client.get(
                    f"/api/v1/shared/guess{i:03d}", headers={"x-forwarded-for": f"10.0.{i // 250}.{i % 250}"}
                ).status_code
                for i in range(40)
            ]
            limited = statuses.count(429)
            ok = statuses[:30].count(404) == 30 and limited == 10
            print(f"{'ok ' if ok else 'BAD'} {'13: 40 share guesses, X-Forwarded-For rotated':58} {limited} x 429")
            if not ok:
                failures.append(f"13: {statuses}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    for failure in failures:
        print(f"failed: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
