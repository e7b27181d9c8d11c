"""A real OpenID Connect provider on loopback (PyPI ``oidc-provider-mock``), and a browser's part in its sign-in.

The provider publishes discovery metadata and a JWKS, signs ID tokens with RS256 and carries the nonce through.
It does not check PKCE (tests/support/kakao_server.py does). Its sign-in page is a form: posting ``sub`` to the
authorize URL approves as that subject, posting ``action=deny`` declines; either answers with a 302 back to the
client's redirect URI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from oidc_provider_mock import User, run_server_in_thread  # type: ignore[import-untyped]  # no type hints shipped

OIDC_CLIENT_ID = "punch-test-client"
OIDC_CLIENT_SECRET = "punch-test-secret"  # noqa: S105 - a test provider accepts any secret


@contextmanager
def run_oidc_provider(*users: User) -> Iterator[str]:
    """An OIDC provider in a thread; yields its issuer URL (``http://localhost:<port>``)."""
    with run_server_in_thread(port=0, require_nonce=True, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def oidc_user(sub: str, *, email: str | None = None, name: str | None = None) -> User:
    """A provider account with these claims (email marked verified)."""
    claims: dict[str, object] = {}
    if email is not None:
        claims.update(email=email, email_verified=True)
    if name is not None:
        claims["name"] = name
    return User(sub=sub, claims=claims)


def approve(authorize_url: str, sub: str) -> str:
    """The user signs in as ``sub`` on the provider's page; returns where the provider sends the browser."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        answer = browser.post(authorize_url, data={"sub": sub})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def deny(authorize_url: str) -> str:
    """The user declines on the provider's page; returns where the provider sends the browser."""
    with httpx.Client(timeout=10) as browser:
        answer = browser.post(authorize_url, data={"action": "deny"})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]
