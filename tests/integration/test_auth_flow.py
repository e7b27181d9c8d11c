"""Signing in end to end against real providers on loopback, through the same app factory production uses.

Google's part is played by ``oidc-provider-mock`` (a real OIDC provider: discovery, JWKS, RS256 ID tokens, nonce);
Kakao's by tests/support/kakao_server.py (a real OAuth 2.0 server that checks client_secret_post and PKCE S256).
The test is the browser: it follows each redirect by hand and keeps the cookies, so every cookie attribute and
every hop is checked. Nothing in Authlib is patched.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookies import Morsel, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import jwt
import pytest
from litestar.testing import TestClient

from punch_adapters.auth.jwt_signer import JwtSigner
from punch_adapters.auth.providers import GoogleOidcProvider, KakaoProvider, kakao_identity
from punch_adapters.http.app import create_app
from punch_adapters.http.deps import HttpConfig
from punch_adapters.memory.repositories import MemoryRepositories
from punch_core.errors import AuthError, StorageUnavailableError
from punch_core.service.sessions import hash_token
from tests.support.api import TEST_JWT_KEY, make_deps
from tests.support.kakao_server import CLIENT_ID, CLIENT_SECRET, KakaoServer, run_kakao_server, s256
from tests.support.oidc import OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, approve, deny, oidc_user, run_oidc_provider

LOCAL_URL = "http://127.0.0.1:8000"
HTTPS_URL = "https://punch.example"
AUTH = "/api/v1/auth"


# -- fixtures and a browser's helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with run_oidc_provider(oidc_user("google-ana", email="ana@example.com", name="Ana")) as url:
        yield url


@pytest.fixture
def kakao() -> Iterator[KakaoServer]:
    with run_kakao_server() as server:
        yield server


def google(issuer: str) -> GoogleOidcProvider:
    return GoogleOidcProvider(client_id=OIDC_CLIENT_ID, client_secret=OIDC_CLIENT_SECRET, issuer=issuer)


def kakao_provider(server: KakaoServer, **overrides: Any) -> KakaoProvider:
    urls = {"authorize_url": server.authorize_url, "token_url": server.token_url, "userinfo_url": server.userinfo_url}
    return KakaoProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **{**urls, **overrides})


class Site:
    """The app under test and a browser on it."""

    def __init__(self, *, public_url: str = LOCAL_URL, local_login: bool = False, **providers: Any) -> None:
        self.deps, self.repos = make_deps(
            config=HttpConfig(public_url=public_url, local_login=local_login), providers=providers
        )
        self.client = TestClient(create_app(self.deps), base_url=public_url)

    def __enter__(self) -> Site:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(None, None, None)

    def start_login(self, provider: str, **params: str) -> httpx.Response:
        response = self.client.get(f"{AUTH}/{provider}/login", params=params, follow_redirects=False)
        assert response.status_code == 302, response.text
        return response

    def arrive(self, location: str) -> httpx.Response:
        """The provider's redirect back lands here (only the path and query: the site is the test client)."""
        parts = urlsplit(location)
        return self.client.get(urlunsplit(("", "", parts.path, parts.query, "")), follow_redirects=False)

    def google_login(self, sub: str = "google-ana", **params: str) -> httpx.Response:
        authorize = self.start_login("google", **params).headers["location"]
        return self.arrive(approve(authorize, sub))

    def kakao_login(self) -> httpx.Response:
        authorize = self.start_login("kakao").headers["location"]
        return self.arrive(follow_once(authorize))

    def refresh(self, token: str) -> httpx.Response:
        return self.client.post(f"{AUTH}/refresh", headers={"cookie": f"punch_refresh={token}"})

    def me(self, access: str | None = None) -> httpx.Response:
        headers = {"cookie": f"punch_access={access}"} if access is not None else {}
        return self.client.get(f"{AUTH}/me", headers=headers)


def follow_once(url: str) -> str:
    """A browser visiting a provider page that answers with a redirect (Kakao after consent)."""
    answer = httpx.get(url, follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def cookies_set(response: httpx.Response) -> dict[str, Morsel[str]]:
    """Every ``Set-Cookie`` of a response, by name."""
    found: dict[str, Morsel[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        found.update(jar)
    return found


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in {**query_of(url), **changes}.items() if v is not None}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def assert_session_cookie(morsel: Morsel[str], *, path: str, max_age: int, secure: bool) -> None:
    assert morsel.value
    assert morsel["path"] == path
    assert int(morsel["max-age"]) == max_age
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "strict"
    assert bool(morsel["secure"]) is secure


def assert_cleared(morsel: Morsel[str]) -> None:
    assert not morsel.value
    assert int(morsel["max-age"]) == 0


def error_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


# -- the full flows -----------------------------------------------------------------------------------------------


def test_google_sign_in_refresh_reuse_and_logout(issuer):
    with Site(google=google(issuer)) as site:
        login = site.start_login("google", next="/dashboard?tab=rounds")
        authorize = login.headers["location"]
        assert authorize.startswith(f"{issuer}/oauth2/authorize?")
        sent = query_of(authorize)
        assert sent["client_id"] == OIDC_CLIENT_ID
        assert sent["redirect_uri"] == f"{LOCAL_URL}{AUTH}/google/callback"
        assert sent["code_challenge_method"] == "S256"
        assert sent["code_challenge"]
        assert sent["nonce"]
        assert sent["state"]
        assert "openid" in sent["scope"].split()
        kept = cookies_set(login)["punch_login"]
        assert kept["httponly"] is True
        assert kept["samesite"].lower() == "lax"  # the provider's redirect back is a cross-site GET
        assert kept["path"] == f"{AUTH}/google"
        assert int(kept["max-age"]) == 600
        # The browser holds the state, never in the clear: the cookie is signed and opaque to the page.
        assert sent["state"] not in kept.value

        back = site.arrive(approve(authorize, "google-ana"))
        assert back.status_code == 302, back.text
        assert back.headers["location"] == "/dashboard?tab=rounds"
        set_now = cookies_set(back)
        assert_session_cookie(set_now["punch_access"], path="/", max_age=900, secure=False)
        assert_session_cookie(set_now["punch_refresh"], path=AUTH, max_age=7 * 24 * 3600, secure=False)
        assert_cleared(set_now["punch_login"])

        me = site.client.get(f"{AUTH}/me")
        assert me.status_code == 200, me.text
        assert me.json() | {"id": "-"} == {"id": "-", "email": "ana@example.com", "name": "Ana"}
        user = site.repos.users.find_by_identity("google", "google-ana")
        assert user is not None
        assert me.json()["id"] == user.id
        # Only the refresh token's hash is stored.
        first_refresh = set_now["punch_refresh"].value
        assert site.repos.refresh_tokens.get(hash_token(first_refresh)) is not None

        # Refresh rotates: a new pair, the same family.
        rotated = site.refresh(first_refresh)
        assert rotated.status_code == 200, rotated.text
        rotated_cookies = cookies_set(rotated)
        second_refresh = rotated_cookies["punch_refresh"].value
        assert second_refresh != first_refresh
        assert_session_cookie(rotated_cookies["punch_access"], path="/", max_age=900, secure=False)
        assert site.me(rotated_cookies["punch_access"].value).status_code == 200

        # The old one again: someone copied it. 401, cookies cleared, and the new one is dead too.
        reused = site.refresh(first_refresh)
        assert reused.status_code == 401
        assert "ended for safety" in error_of(reused)["message"]
        assert_cleared(cookies_set(reused)["punch_access"])
        assert_cleared(cookies_set(reused)["punch_refresh"])
        assert site.refresh(second_refresh).status_code == 401

        # A new sign-in, then sign out: the refresh token no longer works.
        again = site.google_login()
        assert again.status_code == 302
        third_refresh = cookies_set(again)["punch_refresh"].value
        out = site.client.post(f"{AUTH}/logout", headers={"cookie": f"punch_refresh={third_refresh}"})
        assert out.status_code == 204
        assert_cleared(cookies_set(out)["punch_access"])
        assert_cleared(cookies_set(out)["punch_refresh"])
        assert site.refresh(third_refresh).status_code == 401


def test_google_sign_in_on_https_sets_secure_cookies(issuer):
    with Site(public_url=HTTPS_URL, google=google(issuer)) as site:
        login = site.start_login("google")
        assert query_of(login.headers["location"])["redirect_uri"] == f"{HTTPS_URL}{AUTH}/google/callback"
        assert cookies_set(login)["punch_login"]["secure"] is True
        back = site.arrive(approve(login.headers["location"], "google-ana"))
        assert back.status_code == 302, back.text
        assert back.headers["location"] == "/"
        set_now = cookies_set(back)
        assert_session_cookie(set_now["punch_access"], path="/", max_age=900, secure=True)
        assert_session_cookie(set_now["punch_refresh"], path=AUTH, max_age=7 * 24 * 3600, secure=True)
        assert back.headers["strict-transport-security"].startswith("max-age=")
        assert site.client.get(f"{AUTH}/me").status_code == 200


def test_a_new_google_subject_creates_an_account(issuer):
    with Site(google=google(issuer)) as site:
        back = site.google_login("someone-new@example.com")
        assert back.status_code == 302, back.text
        me = site.client.get(f"{AUTH}/me").json()
        # The mock provider gives new subjects their sub as email (unverified claims are not sent as verified=False).
        assert me["email"] == "someone-new@example.com"
        assert site.repos.users.find_by_identity("google", "someone-new@example.com") is not None


def test_kakao_sign_in_proves_pkce_and_client_secret_post(kakao):
    with Site(kakao=kakao_provider(kakao)) as site:
        login = site.start_login("kakao")
        authorize = login.headers["location"]
        assert authorize.startswith(kakao.authorize_url)
        sent = query_of(authorize)
        assert sent["code_challenge_method"] == "S256"
        assert "nonce" not in sent  # plain OAuth 2.0

        back = site.arrive(follow_once(authorize))
        assert back.status_code == 302, back.text
        assert back.headers["location"] == "/"
        set_now = cookies_set(back)
        assert_session_cookie(set_now["punch_access"], path="/", max_age=900, secure=False)

        (token_request,) = kakao.token_requests
        assert token_request["authorization"] is None
        assert token_request["form"]["client_secret"] == CLIENT_SECRET
        assert s256(token_request["form"]["code_verifier"]) == sent["code_challenge"]

        me = site.client.get(f"{AUTH}/me").json()
        assert (me["email"], me["name"]) == ("min@kakao.example", "Min")
        assert site.repos.users.find_by_identity("kakao", "4100000001") is not None

        rotated = site.refresh(set_now["punch_refresh"].value)
        assert rotated.status_code == 200


def test_kakao_refuses_a_wrong_pkce_verifier(kakao):
    provider = kakao_provider(kakao)
    redirect_uri = f"{LOCAL_URL}{AUTH}/kakao/callback"

    async def run() -> None:
        url = await provider.authorization_url(
            redirect_uri=redirect_uri, state="s", nonce="n", code_verifier="right-verifier-" + "v" * 40
        )
        code = query_of(follow_once(url))["code"]
        with pytest.raises(AuthError, match="invalid_grant"):
            await provider.exchange(
                code=code, redirect_uri=redirect_uri, code_verifier="wrong-verifier-" + "w" * 40, nonce="n"
            )

    asyncio.run(run())


def test_kakao_identity_reads_kakao_shapes():
    assert kakao_identity({"id": 7, "properties": {"nickname": "Joon"}}).name == "Joon"
    unverified = kakao_identity({"id": 7, "kakao_account": {"email": "x@y.z", "is_email_verified": False}})
    assert unverified.email is None
    assert unverified.subject == "7"
    with pytest.raises(AuthError):
        kakao_identity({"kakao_account": {}})


def test_an_unreachable_provider_is_a_503(kakao):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    provider = kakao_provider(kakao, token_url=f"http://127.0.0.1:{dead_port}/oauth/token")
    with Site(kakao=provider) as site:
        back = site.kakao_login()
        assert back.status_code == 503, back.text
        assert "could not reach Kakao" in error_of(back)["message"]

    async def discover() -> None:
        with pytest.raises(StorageUnavailableError):
            await google(f"http://127.0.0.1:{dead_port}").authorization_url(
                redirect_uri="x", state="s", nonce="n", code_verifier="v" * 43
            )

    asyncio.run(discover())


# -- the state, nonce and provider-error checks -------------------------------------------------------------------


def test_a_changed_state_is_403(issuer):
    with Site(google=google(issuer)) as site:
        authorize = site.start_login("google").headers["location"]
        location = approve(authorize, "google-ana")
        back = site.arrive(with_query(location, state="attacker-state"))
        assert back.status_code == 403, back.text
        assert error_of(back)["code"] == "forbidden"
        assert "start signing in again" in error_of(back)["message"]
        assert_cleared(cookies_set(back)["punch_login"])
        assert "punch_access" not in cookies_set(back)


def test_a_missing_state_is_403(issuer):
    with Site(google=google(issuer)) as site:
        location = approve(site.start_login("google").headers["location"], "google-ana")
        assert site.arrive(with_query(location, state=None)).status_code == 403


def test_a_callback_this_browser_did_not_start_is_403(issuer):
    # Login CSRF: an attacker's own code and state, delivered to the victim's browser (which has no login cookie).
    with Site(google=google(issuer)) as attacker, Site(google=google(issuer)) as victim:
        location = approve(attacker.start_login("google").headers["location"], "google-ana")
        back = victim.arrive(location)
        assert back.status_code == 403, back.text
        assert "not started from this browser" in error_of(back)["message"]


def test_a_login_started_for_one_provider_cannot_finish_at_another(issuer, kakao):
    with Site(google=google(issuer), kakao=kakao_provider(kakao)) as site:
        location = approve(site.start_login("google").headers["location"], "google-ana")
        state = query_of(location)["state"]
        back = site.client.get(f"{AUTH}/kakao/callback", params={"code": "x", "state": state})
        assert back.status_code == 403


def test_a_provider_refusal_is_403_with_its_message(issuer, kakao):
    with Site(google=google(issuer), kakao=kakao_provider(kakao)) as site:
        back = site.arrive(deny(site.start_login("google").headers["location"]))
        assert back.status_code == 403, back.text
        assert "access_denied" in error_of(back)["message"] or "denied" in error_of(back)["message"]
        kakao.deny_next()
        refused = site.kakao_login()
        assert refused.status_code == 403
        assert "User denied access" in error_of(refused)["message"]


def test_a_different_nonce_in_the_id_token_is_401(issuer):
    with Site(google=google(issuer)) as site:
        authorize = site.start_login("google").headers["location"]
        # The ID token comes back carrying another nonce than the one this browser's sign-in remembered.
        back = site.arrive(approve(with_query(authorize, nonce="replayed-nonce"), "google-ana"))
        assert back.status_code == 401, back.text
        assert "did not match this sign-in" in error_of(back)["message"]
        assert "punch_access" not in cookies_set(back)


def test_a_code_used_twice_is_401(kakao):
    with Site(kakao=kakao_provider(kakao)) as site:
        login = site.start_login("kakao")
        login_cookie = cookies_set(login)["punch_login"].value
        location = follow_once(login.headers["location"])
        assert site.arrive(location).status_code == 302
        # Replayed with the same login cookie (state matches): the provider refuses the spent code.
        parts = urlsplit(location)
        replay = site.client.get(
            f"{parts.path}?{parts.query}", headers={"cookie": f"punch_login={login_cookie}"}, follow_redirects=False
        )
        assert replay.status_code == 401, replay.text
        assert "Kakao did not accept this sign-in (invalid_grant)" in error_of(replay)["message"]


def test_next_must_stay_on_this_site(issuer):
    with Site(google=google(issuer)) as site:
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
            response = site.client.get(f"{AUTH}/google/login", params={"next": target}, follow_redirects=False)
            assert response.status_code == 400, target


def test_an_unknown_provider_is_404():
    with Site() as site:
        assert site.client.get(f"{AUTH}/github/login", follow_redirects=False).status_code == 404


# -- access-token tampering and expiry ----------------------------------------------------------------------------


@pytest.fixture
def local_site() -> Iterator[Site]:
    with Site(local_login=True) as site:
        yield site


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed_in(site: Site) -> tuple[str, str]:
    response = site.client.post(f"{AUTH}/local/login")
    assert response.status_code == 200, response.text
    return response.json()["id"], cookies_set(response)["punch_access"].value


def test_signing_out_ends_the_access_token_at_once(local_site):
    """Issue 24 item 7: the 15-minute access token of a signed-out session reads and writes nothing more."""
    login = local_site.client.post(f"{AUTH}/local/login")
    access, refresh = cookies_set(login)["punch_access"].value, cookies_set(login)["punch_refresh"].value
    bearer = {"authorization": f"Bearer {access}", "cookie": ""}
    assert local_site.client.get("/api/v1/reports", headers=bearer).status_code == 200
    out = local_site.client.post(f"{AUTH}/logout", headers={"cookie": f"punch_refresh={refresh}"})
    assert out.status_code == 204
    assert local_site.me(access).status_code == 401
    assert "sign in again" in error_of(local_site.me(access))["message"]
    assert local_site.client.get("/api/v1/reports", headers=bearer).status_code == 401
    upload = {"filename": "round.mp4", "size_bytes": 10_000_000, "content_type": "video/mp4"}
    assert local_site.client.post("/api/v1/uploads", json=upload, headers=bearer).status_code == 401
    # Another sign-in of the same account is untouched.
    _, other = _signed_in(local_site)
    assert local_site.me(other).status_code == 200


def test_a_reused_refresh_token_ends_the_access_tokens_of_its_sign_in(local_site):
    login = local_site.client.post(f"{AUTH}/local/login")
    first_refresh = cookies_set(login)["punch_refresh"].value
    rotated = local_site.refresh(first_refresh)
    new_access = cookies_set(rotated)["punch_access"].value
    assert local_site.me(new_access).status_code == 200
    assert local_site.refresh(first_refresh).status_code == 401  # reused: the family is revoked
    assert local_site.me(new_access).status_code == 401
    assert local_site.me(cookies_set(login)["punch_access"].value).status_code == 401


def test_a_valid_access_token_works_by_cookie_and_by_bearer(local_site):
    _, access = _signed_in(local_site)
    assert local_site.me(access).status_code == 200
    bearer = local_site.client.get(f"{AUTH}/me", headers={"authorization": f"Bearer {access}", "cookie": ""})
    assert bearer.status_code == 200


def test_a_flipped_signature_character_is_401(local_site):
    _, access = _signed_in(local_site)
    head, payload, signature = access.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    response = local_site.me(f"{head}.{payload}.{flipped}")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_signed_in"


def test_a_changed_payload_is_401(local_site):
    _, access = _signed_in(local_site)
    head, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = _b64({**claims, "sub": "someone-else"})
    assert local_site.me(f"{head}.{forged}.{signature}").status_code == 401


def test_a_token_signed_with_another_key_is_401(local_site):
    user_id, _ = _signed_in(local_site)
    other = JwtSigner(["not-our-key-" + "z" * 40]).sign({"sub": user_id, "typ": "access"}, expires_in_s=900)
    assert local_site.me(other).status_code == 401


def test_an_unsigned_alg_none_token_is_401(local_site):
    user_id, _ = _signed_in(local_site)
    now = datetime.now(UTC)
    claims = {"sub": user_id, "typ": "access", "iss": "punchanalytics", "iat": now, "exp": now + timedelta(minutes=5)}
    unsigned = jwt.encode(claims, key="", algorithm="none")
    assert local_site.me(unsigned).status_code == 401
    # The same with our header's alg merely rewritten to none and the signature dropped.
    _, real = _signed_in(local_site)
    _, payload, _ = real.split(".")
    assert local_site.me(f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.").status_code == 401


def test_an_expired_access_token_is_401(local_site):
    user_id, _ = _signed_in(local_site)
    sixteen_minutes_ago = datetime.now(UTC) - timedelta(minutes=16)
    old = JwtSigner([TEST_JWT_KEY], now=lambda: sixteen_minutes_ago).sign(
        {"sub": user_id, "typ": "access"}, expires_in_s=900
    )
    response = local_site.me(old)
    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]


def test_a_login_cookie_or_refresh_token_is_no_access_token(local_site, issuer):
    user_id, _ = _signed_in(local_site)
    login_like = local_site.deps.signer.sign({"sub": user_id, "typ": "oauth_login"}, expires_in_s=600)
    assert local_site.me(login_like).status_code == 401
    refresh = cookies_set(local_site.client.post(f"{AUTH}/local/login"))["punch_refresh"].value
    assert local_site.me(refresh).status_code == 401


def test_no_token_is_401():
    with Site() as site:
        assert site.client.get(f"{AUTH}/me").status_code == 401
        assert site.client.post(f"{AUTH}/refresh").status_code == 401


# -- the embedded local login -------------------------------------------------------------------------------------


def test_local_login_when_enabled(local_site):
    assert local_site.client.get(f"{AUTH}/providers").json() == {"providers": ["local"]}
    response = local_site.client.post(f"{AUTH}/local/login")
    assert response.status_code == 200
    assert response.json()["name"] == "Local boxer"
    set_now = cookies_set(response)
    assert_session_cookie(set_now["punch_access"], path="/", max_age=900, secure=False)
    assert_session_cookie(set_now["punch_refresh"], path=AUTH, max_age=7 * 24 * 3600, secure=False)
    assert local_site.client.get(f"{AUTH}/me").json()["id"] == response.json()["id"]
    # The one local account: signing in again is the same boxer.
    assert local_site.client.post(f"{AUTH}/local/login").json()["id"] == response.json()["id"]


def test_local_login_is_403_in_production(issuer):
    with Site(public_url=HTTPS_URL, google=google(issuer)) as site:
        assert site.client.get(f"{AUTH}/providers").json() == {"providers": ["google"]}
        response = site.client.post(f"{AUTH}/local/login")
        assert response.status_code == 403
        assert error_of(response)["message"] == "local login is disabled in production"


def test_logout_without_a_session_is_fine():
    with Site() as site:
        assert site.client.post(f"{AUTH}/logout").status_code == 204


def _repos_hold_no_plain_token(repos: MemoryRepositories, token: str) -> bool:
    return all(token != t.token_hash for t in repos.store.refresh_tokens.values())


def test_refresh_tokens_are_stored_hashed(local_site):
    refresh = cookies_set(local_site.client.post(f"{AUTH}/local/login"))["punch_refresh"].value
    assert _repos_hold_no_plain_token(local_site.repos, refresh)
    assert local_site.repos.refresh_tokens.get(hash_token(refresh)) is not None
