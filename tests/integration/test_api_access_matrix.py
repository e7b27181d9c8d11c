"""Every API route tried as the owner, as another signed-in user and anonymously.

Another user's ids answer 404 (never 403: an id's existence is not revealed); anonymous calls answer 401,
except the few public routes. A route missing from the table fails the test, so new routes must be added here.
"""

from __future__ import annotations

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.http.deps import HttpConfig
from tests.support.api import access_cookie, make_deps
from tests.support.world import seed

# (method, path template, JSON body, owner's expected status, public?)
MATRIX: list[tuple[str, str, object, int, bool]] = [
    ("GET", "/api/v1/analyses", None, 200, False),
    ("GET", "/api/v1/analyses/{a}", None, 200, False),
    ("GET", "/api/v1/analyses/{a}/thumbnails", None, 200, False),
    ("GET", "/api/v1/analyses/{a}/thumbnails/0", None, 200, False),
    ("GET", "/api/v1/analyses/{a}/video", None, 200, False),
    ("GET", "/api/v1/analyses/{a}/pose", None, 200, False),
    ("PUT", "/api/v1/analyses/{a}/subject", {"thumbnail": 0, "box": 0}, 409, False),  # started: too late
    ("PUT", "/api/v1/analyses/{a}/specs", {"height_cm": 175}, 409, False),
    ("POST", "/api/v1/analyses/{a}/start", None, 409, False),
    ("GET", "/api/v1/analyses/{a}/events", None, 200, False),  # completed: the stream ends after one message
    ("GET", "/api/v1/reports/{a}/overlay", None, 200, False),
    ("POST", "/api/v1/reports/{a}/overlay", None, 202, False),
    ("GET", "/api/v1/reports/{a}/overlay/video", None, 409, False),  # queued above, not drawn (jobs are recorded)
    ("POST", "/api/v1/analyses/{a}/coaching", None, 202, False),
    ("POST", "/api/v1/analyses/{a}/retry", None, 409, False),  # only a failed analysis
    ("GET", "/api/v1/reports", None, 200, False),
    ("GET", "/api/v1/reports/{a}", None, 200, False),
    ("POST", "/api/v1/reports/{a}/shares", {"expires_in_days": 7}, 201, False),
    ("GET", "/api/v1/reports/{a}/shares", None, 200, False),
    ("DELETE", "/api/v1/reports/{a}/shares/{h}", None, 204, False),
    ("PUT", "/api/v1/reports/{a}/stamps", {"stamps": []}, 409, False),  # the coaching re-run above left it queued
    ("GET", "/api/v1/uploads/{u}", None, 200, False),
    ("PUT", "/api/v1/uploads/{u}/chunks?offset=0", b"\x00\x00\x00\x18ftypmp42", 200, False),
    ("POST", "/api/v1/uploads/{u}/complete", None, 409, False),  # not all bytes yet
    ("DELETE", "/api/v1/reports/{a}", None, 204, False),  # last: it removes everything
]
# Routes with no owned resource in the path: owner and other user behave alike, anonymous is refused.
NO_RESOURCE = {"/api/v1/analyses", "/api/v1/reports"}
# Routes tested elsewhere with their own flows (sign-in, upload start, shared pages, live socket).
ELSEWHERE = (
    "/api/v1/auth/",  # test_auth_flow.py
    "/api/v1/shared/",  # public by design: test_share_link_is_public_but_only_while_active
)
ELSEWHERE_ROUTES = {
    ("POST", "/api/v1/uploads"),  # no resource id yet: test_upload_api.py
    ("WS", "/api/v1/analyses/{analysis_id:str}/ws"),  # test_live_status_socket_checks_access
}
PATH_PARAMS = {"{a}": "{analysis_id:str}", "{h}": "{share_hash:str}", "{u}": "{upload_id:str}"}


def _template(path: str) -> str:
    path = path.split("?", maxsplit=1)[0].replace("/thumbnails/0", "/thumbnails/{index:int}")
    for short, long in PATH_PARAMS.items():
        path = path.replace(short, long)
    return path


@pytest.fixture
def world():
    deps, repos = make_deps(config=HttpConfig(api_calls_per_minute=10_000, uploads_per_hour=1_000))
    seed(repos, deps)
    return deps, repos


def _call(client, method, path, body, cookies):
    kwargs = {"cookies": cookies}
    if isinstance(body, bytes):
        kwargs["content"] = body
    elif body is not None:
        kwargs["json"] = body
    return client.request(method, path.format(a="a1", h="Abc12345", u="u1"), **kwargs)


def test_every_route_as_owner_other_user_and_anonymous(world):
    deps, _repos = world
    app = create_app(deps)
    with TestClient(app) as client:
        for method, template, body, owner_status, public in MATRIX:
            anonymous = _call(client, method, template, body, {})
            assert anonymous.status_code == (owner_status if public else 401), (method, template, anonymous.text)
            assert anonymous.json()["error"]["code"] == "not_signed_in"
            other = _call(client, method, template, body, access_cookie(deps, "other"))
            if template in NO_RESOURCE:
                assert other.status_code == 200, (method, template)
                assert other.json()["items"] == [], "another user's list must be empty"
            else:
                assert other.status_code == 404, (method, template, other.status_code, other.text)
                assert other.json()["error"]["code"] == "not_found"
            owner = _call(client, method, template, body, access_cookie(deps, "owner"))
            assert owner.status_code == owner_status, (method, template, owner.text)

    covered_routes = {(m, _template(t)) for m, t, _b, _s, _p in MATRIX}
    untested = sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith("/api/v1/") and not route.path.startswith(ELSEWHERE)
        for method in (getattr(route, "methods", None) or {"WS"})
        if method not in {"HEAD", "OPTIONS"} and (method, route.path) not in covered_routes | ELSEWHERE_ROUTES
    )
    assert untested == [], f"add these routes to the access matrix: {untested}"


def test_share_link_is_public_but_only_while_active(world):
    deps, _repos = world
    with TestClient(create_app(deps)) as client:
        shared = client.get("/api/v1/shared/Abc12345")
        assert shared.status_code == 200
        assert "weight_kg" not in shared.json()["body"]
        page = client.get("/share/Abc12345")
        assert page.status_code == 200
        assert 'property="og:title"' in page.text
        assert "og:image" in page.text
        assert client.get("/api/v1/shared/Abc12345/thumbnail.jpg").content == b"\xff\xd8jpeg"
        revoked = client.delete("/api/v1/reports/a1/shares/Abc12345", cookies=access_cookie(deps, "owner"))
        assert revoked.status_code == 204
        gone = client.get("/api/v1/shared/Abc12345")
        assert gone.status_code == 404
        assert "expired or was turned off" in gone.json()["error"]["message"]
        assert client.get("/share/Abc12345").status_code == 404
        assert client.get("/api/v1/shared/nothere1").status_code == 404


def test_live_status_socket_checks_access(world):
    deps, _repos = world
    with TestClient(create_app(deps)) as client:
        for cookies, code in (({}, 4401), (access_cookie(deps, "other"), 4404)):
            client.cookies.clear()
            client.cookies.update(cookies)
            with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/api/v1/analyses/a1/ws") as ws:
                ws.receive_json()
            assert closed.value.code == code
        client.cookies.update(access_cookie(deps, "owner"))
        with client.websocket_connect("/api/v1/analyses/a1/ws") as ws:
            assert ws.receive_json()["status"] == "completed"
