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


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/me", "/api/v1/reports", "/api/v1/reports/a1", "/api/v1/analyses/a1", "/api/v1/no/such/route"],
)
def test_personal_answers_are_kept_by_no_cache(client, path):
    # Issue 24 (info): /auth/me and reports lacked Cache-Control, so a shared computer's cache could keep them.
    assert client.get(path).headers.get("cache-control") == "no-store"


def test_a_shared_report_and_its_thumbnail_stop_at_once_when_revoked(client):
    client.cookies.clear()
    page = client.get("/share/Abc12345")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    thumb = client.get("/api/v1/shared/Abc12345/thumbnail.jpg")
    assert thumb.status_code == 200, thumb.text
    assert thumb.headers["cache-control"] == "no-store"  # was public, max-age=600: outlived a revoke


def test_an_unrouted_address_has_the_same_request_id_in_body_and_header(client):
    answer = client.get("/api/v1/no/such/route")
    assert answer.status_code == 404
    body_id = answer.json()["error"]["request_id"]
    assert body_id  # was null
    assert body_id == answer.headers["x-request-id"]


def test_the_api_reference_page_may_load_what_it_uses_and_nothing_else_does(client):
    # Issue 24 (info): Swagger UI at /schema/swagger loads from a CDN, which the app's own policy blocked.
    import re  # noqa: PLC0415

    page = client.get("/schema/swagger")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    style_src = next(part for part in policy.split(";") if part.strip().startswith("style-src"))
    scripts = re.findall(r"<script src=\"(https://[^/\"]+)/", page.text)
    styles = re.findall(r"<link href=\"(https://[^/\"]+)/[^\"]+\" rel=.stylesheet", page.text)
    assert scripts
    assert styles
    assert all(origin in script_src for origin in scripts)
    assert all(origin in style_src for origin in styles)
    assert "'unsafe-inline'" in script_src  # the page starts Swagger with an inline script
    assert "frame-ancestors 'none'" in policy
    for path in ("/api/v1/reports", "/schema/openapi.json", "/share/Abc12345"):
        other = client.get(path).headers["content-security-policy"]
        assert "cdn.jsdelivr.net" not in other
        assert "script-src 'self';" in other
