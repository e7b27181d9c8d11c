"""A database pool that is used up: requests fail fast with 503 and a clear message, and work again after."""

from __future__ import annotations

import time

import attrs
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.migrate import upgrade
from punch_adapters.sql.repositories import SqlRepositories
from tests.support.api import access_cookie, make_deps


def test_an_exhausted_pool_answers_503_quickly_and_recovers(tmp_path):
    url = f"sqlite:///{tmp_path / 'punch.sqlite3'}"
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout_s=0.5)
    repos = SqlRepositories.from_engine(engine)
    memory_deps, _memory = make_deps()
    deps = attrs.evolve(
        memory_deps,
        users=repos.users,
        refresh_tokens=repos.refresh_tokens,
        uploads=repos.uploads,
        videos=repos.videos,
        analyses=repos.analyses,
        stamps=repos.stamps,
        reports=repos.reports,
        share_links=repos.share_links,
    )
    with TestClient(create_app(deps)) as client:
        client.cookies.update(access_cookie(deps, "u1"))
        held = engine.connect()  # every pooled connection is in use (a slow query, a leak)
        try:
            started = time.monotonic()
            busy = client.get("/api/v1/reports")
            elapsed = time.monotonic() - started
        finally:
            held.close()
        assert busy.status_code == 503
        assert busy.json()["error"]["code"] == "service_unavailable"
        assert elapsed < 5, "fails fast instead of hanging"
        assert client.get("/api/v1/reports").status_code == 200  # recovered once the connection came back
    engine.dispose()
