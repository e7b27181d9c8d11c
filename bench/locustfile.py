"""The load test's users (locust): boxers who sign in, look at their rounds and share them, and some who upload.

Run by bench/load.py, which starts the production topology and an OpenID provider, seeds one analysed round per
user, and passes these through the environment:
  LOAD_PROVIDER_URL  the OpenID provider's issuer (its sign-in form approves whichever subject is posted),
  LOAD_UPLOAD_VIDEO  a 1-3 minute video the uploaders send,
  LOAD_UPLOADERS     every Nth user is an uploader (0 = none),
  LOAD_UPLOAD_LOG    a file where each finished upload appends "bytes seconds",
  LOAD_SAMPLES       a file that gets every request (time, kind, name, milliseconds, failed) and, first, the
                     time the last user had started (bench/load.py computes exact percentiles from it).

Every simulated user signs in as its own account (subject ``load-<n>``) through the real OAuth flow and comes from
its own address (X-Forwarded-For, believed because the API runs with --proxy-headers as behind a proxy), so the
per-user and per-address rate limits apply as they would to real people.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlsplit

from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import FastHttpSession

_numbers = itertools.count()
_numbers_lock = threading.Lock()
_UPLOAD_LOCK = threading.Lock()
_samples: list[tuple[float, str, str, float, bool]] = []
_spawned_at: list[float] = []


@events.request.add_listener  # type: ignore[untyped-decorator]  # locust's hooks are untyped
def _record(request_type: str, name: str, response_time: float, exception: object, **_: Any) -> None:  # noqa: ANN401
    _samples.append((time.time(), request_type, name, response_time, exception is not None))


@events.spawning_complete.add_listener  # type: ignore[untyped-decorator]
def _all_started(**_: Any) -> None:  # noqa: ANN401
    _spawned_at.append(time.time())


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _write_samples(**_: Any) -> None:  # noqa: ANN401
    path = os.environ.get("LOAD_SAMPLES")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"{_spawned_at[0] if _spawned_at else 0.0}\n")
        for at, kind, name, ms, failed in _samples:
            out.write(f"{at:.3f}\t{kind}\t{name}\t{ms:.2f}\t{int(failed)}\n")


def _next_number() -> int:
    with _numbers_lock:
        return next(_numbers)


class Boxer(FastHttpUser):
    """One boxer with one analysed round: dashboard, report, media, status, shares; every Nth also uploads.

    FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator shares this machine's two
    cores with the system it measures, and every millisecond of CPU it spends per request is taken from the API and
    added to the latencies it reports. Locust's documentation gives it several times less CPU per request, with
    the same response times while the generator is not CPU-bound.
    """

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        """Sign in with the OpenID provider, find the seeded round and its share link."""
        self.number = _next_number()
        self.address = f"10.{self.number // 62500 % 250}.{self.number // 250 % 250}.{self.number % 250 + 1}"
        self.client.client.default_headers["X-Forwarded-For"] = self.address
        # The same timeouts as the signed-in client, and no retries or silent redirects beyond its own: a bare
        # FastHttpSession would retry a failed GET three times and give up after 5 s.
        self.anonymous = FastHttpSession(
            self.host,
            request_event=self.environment.events.request,
            user=self,
            headers={"X-Forwarded-For": self.address},
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_retries=self.max_retries,
            max_redirects=self.max_redirects,
        )
        self._sign_in()
        listing = self.client.get("/api/v1/reports", name="/api/v1/reports").json()
        self.analysis_id = listing["items"][0]["analysis_id"]
        shares = self.client.get(f"/api/v1/reports/{self.analysis_id}/shares", name="/api/v1/reports/{id}/shares")
        self.share_hash = shares.json()["items"][0]["hash"]
        every = int(os.environ.get("LOAD_UPLOADERS", "0"))
        self.uploads_left = 1 if every and self.number % every == 0 else 0

    def _sign_in(self) -> None:
        started = self.client.get(
            "/api/v1/auth/google/login", allow_redirects=False, name="/api/v1/auth/{provider}/login"
        )
        authorize = _location(started)
        provider = os.environ["LOAD_PROVIDER_URL"]
        assert authorize.startswith(provider), authorize
        # The boxer approves on the provider's page (another site: not counted in the API's figures).
        approved = self.anonymous.post(
            authorize, data={"sub": f"load-{self.number}"}, allow_redirects=False, name="provider: approve"
        )
        back = urlsplit(_location(approved))
        self.client.get(
            f"{back.path}?{back.query}", allow_redirects=False, name="/api/v1/auth/{provider}/callback"
        ).raise_for_status()

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/api/v1/reports?limit=20", name="/api/v1/reports")

    @task(4)
    def report(self) -> None:
        self.client.get(f"/api/v1/reports/{self.analysis_id}", name="/api/v1/reports/{id}")

    @task(2)
    def status(self) -> None:
        self.client.get(f"/api/v1/analyses/{self.analysis_id}", name="/api/v1/analyses/{id}")

    @task(1)
    def me(self) -> None:
        self.client.get("/api/v1/auth/me", name="/api/v1/auth/me")

    @task(1)
    def pose(self) -> None:
        self.client.get(f"/api/v1/analyses/{self.analysis_id}/pose", name="/api/v1/analyses/{id}/pose")

    @task(1)
    def video_range(self) -> None:
        with self.client.get(
            f"/api/v1/analyses/{self.analysis_id}/video",
            headers={"Range": "bytes=0-262143"},
            name="/api/v1/analyses/{id}/video (256 KiB range)",
            catch_response=True,
        ) as answer:
            size = len(answer.content or b"")  # no content at all after a connection error
            if answer.status_code != 206 or size != 262144:
                answer.failure(f"expected 206 with 256 KiB, got {answer.status_code} with {size} B")

    @task(1)
    def status_stream(self) -> None:
        """Open the SSE status stream, read the first event (the current state), leave."""
        answer = self.client.get(
            f"/api/v1/analyses/{self.analysis_id}/events", stream=True, name="/api/v1/analyses/{id}/events"
        )
        try:
            if answer.status_code == 200 and not any(line.startswith(b"data:") for line in _lines(answer)):
                raise AssertionError("the status stream ended without an event")
        finally:
            if answer._response is not None:  # None after a connection error (already counted as one)
                answer.release()

    @task(2)
    def shared_report(self) -> None:
        self.anonymous.get(f"/api/v1/shared/{self.share_hash}", name="/api/v1/shared/{hash}")

    @task(1)
    def shared_page(self) -> None:
        self.anonymous.get(f"/share/{self.share_hash}", name="/share/{hash}")

    @task(1)
    def refresh(self) -> None:
        self.client.post("/api/v1/auth/refresh", name="/api/v1/auth/refresh")

    @task(1)
    def upload(self) -> None:
        """Uploaders send the whole video once in 8 MiB chunks and complete it (the analysis then starts)."""
        if self.uploads_left <= 0:
            return
        self.uploads_left -= 1
        path = os.environ["LOAD_UPLOAD_VIDEO"]
        data = _video_bytes(path)
        started = time.perf_counter()
        created = self.client.post(
            "/api/v1/uploads",
            json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"},
            name="/api/v1/uploads",
        )
        if created.status_code != 201:
            return
        body: dict[str, Any] = created.json()
        upload_id, step = body["id"], int(body["chunk_size_hint"])
        for offset in range(0, len(data), step):
            answer = self.client.put(
                f"/api/v1/uploads/{upload_id}/chunks?offset={offset}",
                # geventhttpclient sends bytes as they are; locust's hint names only str and form fields.
                data=cast("str", data[offset : offset + step]),
                name="/api/v1/uploads/{id}/chunks (8 MiB)",
            )
            if answer.status_code != 200:
                return
        done = self.client.post(f"/api/v1/uploads/{upload_id}/complete", name="/api/v1/uploads/{id}/complete")
        if done.status_code in (200, 201):
            seconds = time.perf_counter() - started
            with _UPLOAD_LOCK, open(os.environ["LOAD_UPLOAD_LOG"], "a", encoding="ascii") as log:
                log.write(f"{len(data)} {seconds:.6f}\n")


def _location(answer: Any) -> str:  # noqa: ANN401 - locust's FastResponse
    """Where a redirect points; a failure of the sign-in flow otherwise."""
    location = answer.headers.get("location") if answer.headers else None
    if not isinstance(location, str):
        raise AssertionError(f"expected a redirect, got {answer.status_code}")
    return location


def _lines(answer: Any) -> Iterator[bytes]:  # noqa: ANN401 - locust's FastResponse
    """The lines of a streamed response body, each as soon as it has arrived (an SSE stream stays open)."""
    # The socket response's readline takes the separator; the public one splits on CRLF only, and SSE may use LF.
    while line := answer._response.readline(b"\n"):
        yield line


_VIDEO: dict[str, bytes] = {}


def _video_bytes(path: str) -> bytes:
    if path not in _VIDEO:
        with open(path, "rb") as f:
            _VIDEO[path] = f.read()
    return _VIDEO[path]
