"""Every kind of answer carries the security headers: API JSON, errors, unrouted paths, the shared page, media."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.http.deps import HttpConfig
from tests.support.api import access_cookie, make_deps
from tests.support.world import seed

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.fixture
def client():
    deps, repos = make_deps(config=HttpConfig(api_calls_per_minute=10_000))
    seed(repos, deps)
    with TestClient(create_app(deps)) as test_client:
        test_client.cookies.update(access_cookie(deps, "owner"))
        yield test_client


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/reports/a1", 200),  # JSON
        ("GET", "/api/v1/reports/nothere", 404),  # an error body
        ("GET", "/api/v1/analyses/a1/video", 200),  # media
        ("GET", "/api/v1/analyses/a1/thumbnails/0", 200),  # an image
        ("GET", "/share/Abc12345", 200),  # the shared HTML page
        ("GET", "/api/v1/no/such/route", 404),  # never routed
        ("DELETE", "/healthz", 405),  # routed, wrong method
        ("POST", "/api/v1/uploads", 400),  # a bad body
    ],
)
def test_security_headers_on_every_kind_of_answer(client, method, path, status):
    body = {"content": b"{", "headers": {"content-type": "application/json"}} if method == "POST" else {}
    answer = client.request(method, path, **body)
    assert answer.status_code == status, answer.text
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, (path, name)
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert answer.headers["x-request-id"]
    assert "strict-transport-security" not in answer.headers, "plain http on loopback: no HSTS"
