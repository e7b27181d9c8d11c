"""A real OpenAI-compatible HTTP server on loopback, with a scripted queue of behaviours, for the LLM coach tests.

It speaks ``POST /v1/chat/completions`` over real HTTP (the openai SDK talks httpx2, which no mocking library
intercepts), answers each request with the next scripted :class:`Reply`, and records every request.

    with FakeOpenAI() as server:
        server.script(Reply.status(429, retry_after_s=2), Reply.answer({...}))
        ... LlmSettings(base_url=server.base_url, ...) ...
        server.requests[0].body["model"]

An unscripted request gets a 500 and is counted in ``unexpected``, so a test that calls more than it scripted
can assert on it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted behaviour. Build with the class methods."""

    status_code: int = 200
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay_s: float = 0.0
    finish_reason: str = "stop"
    usage: tuple[int, int] = (120, 80)

    @classmethod
    def answer(cls, answer: object, *, usage: tuple[int, int] = (120, 80), delay_s: float = 0.0) -> Reply:
        """A valid chat.completion whose message content is ``answer`` as JSON; ``usage`` is (prompt, completion)."""
        return cls(content=json.dumps(answer, ensure_ascii=False), usage=usage, delay_s=delay_s)

    @classmethod
    def content_text(cls, content: str, *, finish_reason: str = "stop") -> Reply:
        """A valid chat.completion whose message content is this text as is (malformed JSON, a code fence...)."""
        return cls(content=content, finish_reason=finish_reason)

    @classmethod
    def status(cls, code: int, *, retry_after_s: float | None = None, message: str = "") -> Reply:
        """An OpenAI-style error body with this status, and a ``Retry-After`` header when given."""
        headers = {} if retry_after_s is None else {"Retry-After": f"{retry_after_s:g}"}
        error = {"error": {"message": message or f"status {code}", "type": "fake_error", "code": str(code)}}
        return cls(status_code=code, headers=headers, body=json.dumps(error).encode())

    @classmethod
    def slow(cls, delay_s: float, answer: object | None = None) -> Reply:
        """Waits ``delay_s`` before answering (longer than the client's timeout, in the tests)."""
        return cls(content=json.dumps(answer if answer is not None else {}), delay_s=delay_s)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it (header names in lower case)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI:
    """The server: start with ``with FakeOpenAI() as server`` (binds 127.0.0.1 on a free port)."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.unexpected = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval so that shutdown at the end of each test takes milliseconds, not half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        """The API root to give the SDK: ``http://127.0.0.1:PORT/v1``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._replies)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # wakes slow replies so shutdown does not wait for them
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            if self._replies:
                return self._replies.popleft()
            self.unexpected += 1
            return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                recorded = RecordedRequest(
                    path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body
                )
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {}, json.dumps({"error": {"message": "not found"}}).encode())
                    return
                reply = fake._next(recorded)
                if reply is None:
                    self._send(500, {}, json.dumps({"error": {"message": "no scripted reply left"}}).encode())
                    return
                if reply.delay_s and fake._stopping.wait(reply.delay_s):
                    return
                if reply.body is not None:
                    self._send(reply.status_code, reply.headers, reply.body)
                    return
                self._send(reply.status_code, reply.headers, _completion(body.get("model"), reply))

            def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

        return Handler


def _completion(model: object, reply: Reply) -> bytes:
    prompt_tokens, completion_tokens = reply.usage
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model if isinstance(model, str) else "fake-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content, "refusal": None},
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
        ensure_ascii=False,
    ).encode()
