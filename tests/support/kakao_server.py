"""A Kakao-style OAuth 2.0 server on loopback: authorize, token and user-info endpoints, speaking Kakao's protocol.

It is strict where our security rests on it: the token endpoint wants the client secret in the body
(``client_secret_post``), a code it issued, used once, for the same ``redirect_uri``, and the PKCE verifier whose
S256 hash is the challenge sent to ``/oauth/authorize``. So a login that passes against it proves our PKCE.

The "browser" GETs the authorize URL and receives a 302 to the redirect URI with ``code`` and ``state`` (or, after
:meth:`KakaoServer.deny_next`, with ``error=access_denied``), as Kakao does after the user agrees.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs

CLIENT_ID = "kakao-rest-api-key"
CLIENT_SECRET = "kakao-client-secret"  # noqa: S105 - a test server's fake secret


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@attrs.define
class KakaoUser:
    """A Kakao account: numeric id, email and nickname."""

    id: int
    email: str | None = None
    nickname: str | None = None
    email_verified: bool = True

    def me(self) -> dict[str, Any]:
        """The ``/v2/user/me`` answer, in Kakao's shape."""
        account: dict[str, Any] = {"profile_nickname_needs_agreement": False}
        if self.nickname is not None:
            account["profile"] = {"nickname": self.nickname, "is_default_nickname": False}
        if self.email is not None:
            account.update(
                email=self.email,
                has_email=True,
                is_email_valid=True,
                is_email_verified=self.email_verified,
            )
        body: dict[str, Any] = {"id": self.id, "connected_at": "2025-03-01T12:00:00Z", "kakao_account": account}
        if self.nickname is not None:
            body["properties"] = {"nickname": self.nickname}
        return body


@attrs.define
class _Grant:
    user: KakaoUser
    redirect_uri: str
    challenge: str


@attrs.define
class KakaoServer:
    """The server's state; ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str = ""
    user: KakaoUser = attrs.field(
        factory=lambda: KakaoUser(id=4_100_000_001, email="min@kakao.example", nickname="Min")
    )
    token_requests: list[dict[str, Any]] = attrs.field(factory=list)
    _codes: dict[str, _Grant] = attrs.field(factory=dict)
    _tokens: dict[str, KakaoUser] = attrs.field(factory=dict)
    _deny: bool = False
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base_url}/v2/user/me"

    def deny_next(self) -> None:
        """The next authorization is declined by the user (``error=access_denied``)."""
        self._deny = True

    # -- endpoints: (status, headers, body) --------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect_uri:
            return 400, {}, {"error": "invalid_client", "error_code": "KOE101"}
        back: dict[str, str] = {"state": query["state"]} if "state" in query else {}
        with self._lock:
            deny, self._deny = self._deny, False
        if deny:
            back.update(error="access_denied", error_description="User denied access")
            return 302, {"location": f"{redirect_uri}?{urlencode(back)}"}, None
        if query.get("response_type") != "code":
            return 400, {}, {"error": "unsupported_response_type"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            # Stricter than Kakao (which makes PKCE optional): our client must always send it.
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 is required here"}
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(user=self.user, redirect_uri=redirect_uri, challenge=query["code_challenge"])
        back["code"] = code
        return 302, {"location": f"{redirect_uri}?{urlencode(back)}"}, None

    def token(self, form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:  # noqa: PLR0911 - one answer per way a token request can fail
        self.token_requests.append({"form": dict(form), "authorization": headers.get("authorization")})
        if headers.get("authorization"):
            return 401, {}, {"error": "invalid_client", "error_description": "use client_secret_post"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {}, {"error": "invalid_client", "error_description": "Bad client credentials"}
        if form.get("grant_type") != "authorization_code":
            return 400, {}, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use
        if grant is None:
            return 400, {}, _invalid_grant("authorization code not found")
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {}, _invalid_grant("redirect_uri mismatch")
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(s256(verifier), grant.challenge):
            return 400, {}, _invalid_grant("PKCE verification failed")
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant.user
        return (
            200,
            {},
            {
                "token_type": "bearer",
                "access_token": access_token,
                "expires_in": 21599,
                "refresh_token": secrets.token_urlsafe(24),
                "refresh_token_expires_in": 5183999,
            },
        )

    def userinfo(self, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        auth = headers.get("authorization", "")
        with self._lock:
            user = self._tokens.get(auth[7:]) if auth.lower().startswith("bearer ") else None
        if user is None:
            return 401, {}, {"msg": "this access token does not exist", "code": -401}
        return 200, {}, user.me()


def _invalid_grant(description: str) -> dict[str, str]:
    return {"error": "invalid_grant", "error_description": description, "error_code": "KOE320"}


def _handler(server: KakaoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json;charset=UTF-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/oauth/authorize":
                self._reply(*server.authorize(query))
            elif parts.path == "/v2/user/me":
                self._reply(*server.userinfo(self._headers()))
            else:
                self._reply(404, {}, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            parts = urlsplit(self.path)
            if parts.path == "/oauth/token":
                self._reply(*server.token(form, self._headers()))
            elif parts.path == "/v2/user/me":
                self._reply(*server.userinfo(self._headers()))
            else:
                self._reply(404, {}, {"error": "not_found"})

    return Handler


@contextmanager
def run_kakao_server() -> Iterator[KakaoServer]:
    """A Kakao-style server on 127.0.0.1 (a free port) in a thread, stopped when the block ends."""
    state = KakaoServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
