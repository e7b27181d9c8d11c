"""Videos read straight from the S3 bucket (``PUNCH_MEDIA_DIRECT``): the API checks access and redirects to a signed
URL; the browser then reads (and seeks) from SeaweedFS, the local production topology's S3 server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
from litestar.testing import TestClient

from punch_adapters.http.app import create_app
from punch_adapters.http.deps import HttpConfig
from punch_adapters.storage import memory_store, s3_store
from punch_app.settings import Settings
from punch_app.web import media_config
from punch_core.errors import ValidationError
from tests.support.api import access_cookie, make_deps
from tests.support.s3_server import S3TestServer, running_seaweedfs
from tests.support.world import NOW, seed

VIDEO = bytes(range(256)) * 4_000


@pytest.fixture(scope="module")
def seaweedfs() -> Iterator[S3TestServer]:
    with running_seaweedfs() as server:
        yield server


@pytest.fixture
def client(seaweedfs: S3TestServer) -> Iterator[TestClient[Any]]:
    store = s3_store(seaweedfs.bucket, prefix="media-direct", **seaweedfs.store_options())
    settings = Settings.from_env(
        {"PUNCH_STORAGE_URL": f"s3://{seaweedfs.bucket}/media-direct", "PUNCH_MEDIA_DIRECT": "true"}
    )
    deps, repos = make_deps()
    deps = attrs.evolve(deps, store=store, config=media_config(HttpConfig(), store, settings))
    seed(repos, deps)  # owner's analysis a1 of video v1, shared as Abc12345; user "other" owns nothing
    store.put("videos/v1/source.mp4", VIDEO)
    with TestClient(create_app(deps)) as test_client:
        yield test_client


def test_the_owner_is_sent_to_a_signed_url_that_serves_ranges(client: TestClient[Any], seaweedfs: S3TestServer) -> None:
    client.cookies.update(access_cookie(client.app.state["deps"], "owner"))

    answer = client.get("/api/v1/analyses/a1/video", headers={"range": "bytes=1000-1999"}, follow_redirects=False)

    assert answer.status_code == 307, answer.text
    assert answer.headers["cache-control"] == "no-store"
    location = answer.headers["location"]
    assert location.startswith(f"{seaweedfs.endpoint_url}/{seaweedfs.bucket}/media-direct/videos/v1/source.mp4?")
    # What a browser does next: the same Range, to the store, without the app's cookies.
    part = httpx.get(location, headers={"range": "bytes=1000-1999"}, timeout=10)
    assert part.status_code == 206
    assert part.content == VIDEO[1000:2000]
    assert part.headers["content-type"] == "video/mp4"
    # The player's fresh try after a URL expired (?attempt=N) gets a fresh URL.
    again = client.get("/api/v1/analyses/a1/video?attempt=1", follow_redirects=False)
    assert again.status_code == 307
    assert httpx.get(again.headers["location"], headers={"range": "bytes=0-9"}, timeout=10).content == VIDEO[:10]
    # The page may play video from the store's origin, and from nowhere else new.
    csp = answer.headers["content-security-policy"]
    assert f"media-src 'self' blob: {seaweedfs.endpoint_url};" in csp
    assert seaweedfs.endpoint_url not in csp.replace(f"media-src 'self' blob: {seaweedfs.endpoint_url};", "")


def test_a_share_link_redirects_too_until_it_is_revoked(client: TestClient[Any]) -> None:
    answer = client.get("/api/v1/shared/Abc12345/video", follow_redirects=False)
    assert answer.status_code == 307
    assert httpx.get(answer.headers["location"], timeout=10).content == VIDEO

    client.app.state["deps"].share_links.revoke("Abc12345", at=NOW)
    revoked = client.get("/api/v1/shared/Abc12345/video", follow_redirects=False)
    assert revoked.status_code == 404
    assert "location" not in revoked.headers


def test_no_signed_url_for_someone_else_or_without_signing_in(client: TestClient[Any]) -> None:
    anonymous = client.get("/api/v1/analyses/a1/video", follow_redirects=False)
    assert anonymous.status_code == 401
    client.cookies.update(access_cookie(client.app.state["deps"], "other"))
    other = client.get("/api/v1/analyses/a1/video", follow_redirects=False)
    assert other.status_code == 404
    assert "location" not in other.headers


def test_media_direct_needs_an_s3_store() -> None:
    with pytest.raises(ValidationError, match="PUNCH_MEDIA_DIRECT"):
        Settings.from_env({"PUNCH_MEDIA_DIRECT": "true"})
    with pytest.raises(ValidationError, match="true or false"):
        Settings.from_env({"PUNCH_MEDIA_DIRECT": "sometimes"})
    settings = attrs.evolve(Settings.from_env({}), media_direct=True)  # as if the check above were skipped
    with pytest.raises(ValidationError, match="cannot sign"):
        media_config(HttpConfig(), memory_store(), settings)


def test_without_media_direct_the_api_serves_the_bytes(seaweedfs: S3TestServer) -> None:
    store = s3_store(seaweedfs.bucket, prefix="media-proxied", **seaweedfs.store_options())
    config = media_config(HttpConfig(), store, Settings.from_env({"PUNCH_STORAGE_URL": f"s3://{seaweedfs.bucket}"}))

    assert config.media_origin is None
    assert urlsplit(store.read_url("videos/v1/source.mp4", expires_s=60) or "").netloc  # it could sign, if asked
