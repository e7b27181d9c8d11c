"""Signed read URLs for AWS itself (no endpoint): the bucket's own host name, and the region it must know."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from punch_adapters.storage import s3_store
from punch_adapters.storage.signing import S3ReadUrlSigner
from punch_app.settings import Settings
from punch_core.errors import StorageUnavailableError, ValidationError

KEY = "AKIAEXAMPLEKEY000000"
SECRET = "example-secret-key-for-signing-tests-only"  # noqa: S105 - a test value


@pytest.fixture(autouse=True)
def _no_aws_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def test_on_aws_the_url_names_the_bucket_host_the_region_and_the_content_type() -> None:
    store = s3_store("punch-videos", prefix="prod", region="eu-west-1", key=KEY, secret=SECRET)

    url = store.read_url("videos/v1/source.mp4", expires_s=3600, content_type="video/mp4")

    assert url is not None
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "https://punch-videos.s3.eu-west-1.amazonaws.com"
    assert parts.path == "/prod/videos/v1/source.mp4"
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["X-Amz-Credential"][0].startswith(f"{KEY}/")
    assert "/eu-west-1/s3/aws4_request" in query["X-Amz-Credential"][0]
    assert query["response-content-type"] == ["video/mp4"]
    assert SECRET not in url


def test_on_aws_a_missing_region_is_refused_naming_the_setting() -> None:
    signer = S3ReadUrlSigner(endpoint_url=None, region=None, key=KEY, secret=SECRET)

    with pytest.raises(ValidationError, match="PUNCH_S3_REGION"):
        signer("punch-videos", "videos/v1/source.mp4", expires_s=60)


def test_without_credentials_signing_fails_clearly() -> None:
    signer = S3ReadUrlSigner(endpoint_url="http://127.0.0.1:9", region="eu-west-1", key=None, secret=None)

    with pytest.raises(StorageUnavailableError, match="no credentials"):
        signer("punch-videos", "videos/v1/source.mp4", expires_s=60)


def test_a_malformed_endpoint_is_storage_unavailable_without_naming_it() -> None:
    signer = S3ReadUrlSigner(endpoint_url="not a url", region="eu-west-1", key=KEY, secret=SECRET)

    with pytest.raises(StorageUnavailableError) as raised:
        signer("punch-videos", "videos/v1/source.mp4", expires_s=60)
    assert "not a url" not in raised.value.user_message


@pytest.mark.parametrize("value", ["media.example.com", "ftp://media.example.com", "https://", "https://x/?a=1"])
def test_the_public_endpoint_setting_must_be_an_http_address(value: str) -> None:
    with pytest.raises(ValidationError, match="PUNCH_S3_PUBLIC_ENDPOINT_URL"):
        Settings.from_env({"PUNCH_S3_PUBLIC_ENDPOINT_URL": value})
    good = Settings.from_env({"PUNCH_S3_PUBLIC_ENDPOINT_URL": "https://media.example.com/"})
    assert good.s3_public_endpoint_url == "https://media.example.com"
