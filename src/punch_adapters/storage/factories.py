"""Build object stores: a local folder (the default), memory, or S3 through s3fs; or from a storage URL."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import TypedDict, Unpack
from urllib.parse import unquote, urlsplit

import s3fs
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem

from punch_adapters.storage.keys import validate_key, validate_prefix
from punch_adapters.storage.signing import S3ReadUrlSigner
from punch_adapters.storage.store import FsspecObjectStore
from punch_core.errors import StorageUnavailableError, ValidationError

MIN_S3_BLOCK_SIZE = 5 * 2**20
"""S3's smallest allowed part (except the last) of a multipart upload."""

DEFAULT_S3_BLOCK_SIZE = 8 * 2**20
"""Bytes buffered per uploaded part: big enough for few requests, small enough to keep memory bounded."""

SERVER_SIDE_ENCRYPTIONS = ("AES256", "aws:kms", "aws:kms:dsse")
"""The values S3 accepts for ``ServerSideEncryption``."""

# s3fs repeats some failed requests itself, on top of botocore's retries, and nests its loops (a whole-object read
# wraps a request that retries): with its default of 5, a dead endpoint would take minutes to report. botocore's
# "standard" retries already cover dropped connections, throttling and 5xx, so s3fs makes one try of its own.
_S3FS_RETRIES = 1
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class S3Options(TypedDict, total=False):
    """The keyword options of ``s3_store``, as ``store_from_url`` passes them on."""

    endpoint_url: str | None
    region: str | None
    key: str | None
    secret: str | None
    server_side_encryption: str | None
    kms_key_id: str | None
    block_size: int
    connect_timeout_s: float
    read_timeout_s: float
    max_attempts: int
    public_endpoint_url: str | None


def local_store(root_dir: str | os.PathLike[str]) -> FsspecObjectStore:
    """A store in a local folder (created if missing): the default for a single machine.

    ``local_path`` yields the stored file itself, so decoders read it without a copy.

    Args:
        root_dir: The folder that holds the objects; a relative path is taken from the current folder.

    Raises:
        StorageUnavailableError: The folder cannot be created.
    """
    root = Path(root_dir).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageUnavailableError(f"the local storage folder cannot be created ({exc.strerror})") from exc
    return FsspecObjectStore(LocalFileSystem(), root.as_posix(), description="local storage folder")


def memory_store(name: str = "objects") -> FsspecObjectStore:
    """A store in this process's memory, for tests and the embedded single-process mode.

    Every call makes a new, empty store: it gets a filesystem of its own (fsspec's memory filesystem is
    otherwise one process-wide dict) under a root unique to it, so two stores never see each other's objects,
    even with the same ``name``. Keep the store object to share it.

    Args:
        name: A label for error messages and the root's name (letters, digits, ``.``, ``_``, ``-``).

    Raises:
        ValidationError: The name is not one key segment.
    """
    if "/" in name:
        raise ValidationError("name", name, "one segment of letters, digits, '.', '_' or '-'")
    validate_key(name, field="name")
    fs = MemoryFileSystem(global_store=False, skip_instance_cache=True)
    return FsspecObjectStore(fs, f"/{name}-{uuid.uuid4().hex}", description=f"memory storage {name!r}")


def s3_store(
    bucket: str,
    *,
    prefix: str = "",
    endpoint_url: str | None = None,
    region: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    server_side_encryption: str | None = None,
    kms_key_id: str | None = None,
    block_size: int = DEFAULT_S3_BLOCK_SIZE,
    connect_timeout_s: float = 2.0,
    read_timeout_s: float = 60.0,
    max_attempts: int = 3,
    public_endpoint_url: str | None = None,
) -> FsspecObjectStore:
    """A store in an S3 bucket (AWS, or any S3 API such as SeaweedFS or moto) through s3fs.

    Uploads buffer ``block_size`` bytes per part: anything larger goes up as a multipart upload, which S3 shows
    only once complete and which is aborted if the write fails. Nothing connects until the first operation. A
    dead endpoint fails within a few seconds: each request tries ``max_attempts`` times (botocore's "standard"
    retries: up to 1 s, then 2 s, ... between tries, and ``connect_timeout_s`` for each connection), and s3fs
    adds no retries of its own.

    Args:
        bucket: The bucket name (it must exist).
        prefix: A key prefix inside the bucket for every object (``punch/prod``), or ``""``.
        endpoint_url: The S3 API's URL for a non-AWS server (``http://127.0.0.1:9000``); ``None`` for AWS.
        region: The bucket's region (``eu-west-1``); ``None`` leaves it to botocore's configuration.
        key: The access key id; ``None`` (with ``secret``) uses botocore's usual credential chain.
        secret: The secret access key, given together with ``key``.
        server_side_encryption: ``"AES256"``, ``"aws:kms"`` or ``"aws:kms:dsse"`` to have S3 encrypt every
            object written; ``None`` leaves it to the bucket's default.
        kms_key_id: The KMS key for ``aws:kms`` encryption; ``None`` uses the account's default S3 key.
        block_size: Bytes per uploaded part, at least 5 MiB (S3's minimum part size).
        connect_timeout_s: Seconds to wait for a connection to open.
        read_timeout_s: Seconds to wait for the server to answer a request.
        max_attempts: Tries per request (1 means no retry).
        public_endpoint_url: The S3 API as browsers reach it, for the store's signed read URLs
            (``read_url``), when that is not ``endpoint_url`` (a private address behind a public one).

    Raises:
        ValidationError: An option is out of range (bucket name, prefix, encryption, sizes, a key without a
            secret).
    """
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise ValidationError("bucket", bucket, "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'")
    root_prefix = validate_prefix(prefix)
    if (key is None) != (secret is None):
        raise ValidationError("key", "<hidden>", "given together with a secret (or both left out)")
    if server_side_encryption is not None and server_side_encryption not in SERVER_SIDE_ENCRYPTIONS:
        raise ValidationError("server_side_encryption", server_side_encryption, " or ".join(SERVER_SIDE_ENCRYPTIONS))
    if kms_key_id is not None and not (server_side_encryption or "").startswith("aws:kms"):
        raise ValidationError("kms_key_id", kms_key_id, "given only with server_side_encryption 'aws:kms'")
    if block_size < MIN_S3_BLOCK_SIZE:
        raise ValidationError("block_size", block_size, f"at least {MIN_S3_BLOCK_SIZE} bytes (S3's smallest part)")
    if connect_timeout_s <= 0 or read_timeout_s <= 0:
        raise ValidationError("timeouts", (connect_timeout_s, read_timeout_s), "positive numbers of seconds")
    if max_attempts < 1:
        raise ValidationError("max_attempts", max_attempts, "at least 1")

    encryption: dict[str, str] = {}
    if server_side_encryption is not None:
        # s3fs passes these only to the calls that accept them (PutObject, CreateMultipartUpload).
        encryption["ServerSideEncryption"] = server_side_encryption
    if kms_key_id is not None:
        encryption["SSEKMSKeyId"] = kms_key_id
    fs = s3fs.S3FileSystem(
        key=key,
        secret=secret,
        endpoint_url=endpoint_url,
        client_kwargs={"region_name": region} if region else {},
        config_kwargs={
            "connect_timeout": connect_timeout_s,
            "read_timeout": read_timeout_s,
            "retries": {"total_max_attempts": max_attempts, "mode": "standard"},
        },
        s3_additional_kwargs=encryption,
        default_block_size=block_size,
        # A store of its own: fsspec would otherwise share one cached instance between equal configurations,
        # and the listing cache would let this process miss objects other processes wrote.
        skip_instance_cache=True,
        use_listings_cache=False,
    )
    fs.retries = _S3FS_RETRIES
    root = f"{bucket}/{root_prefix}" if root_prefix else bucket
    signer = S3ReadUrlSigner(endpoint_url=public_endpoint_url or endpoint_url, region=region, key=key, secret=secret)
    return FsspecObjectStore(
        fs, root, description=f"S3 bucket {bucket!r}", write_block_size=block_size, url_signer=signer
    )


def store_from_url(url: str, **options: Unpack[S3Options]) -> FsspecObjectStore:
    """A store from a storage URL, as settings give it.

    Accepted forms:

    * ``file:///var/lib/punch/objects`` or a plain path (``./data/objects``): ``local_store``;
    * ``memory://name``: ``memory_store(name)`` (a new, empty store);
    * ``s3://bucket`` or ``s3://bucket/prefix``: ``s3_store(bucket, prefix=prefix, **options)``.

    Args:
        url: The storage URL.
        **options: Keyword options of ``s3_store`` (endpoint, region, credentials, encryption...); local and
            memory stores take none.

    Raises:
        ValidationError: The URL's form is not one of the above, or options are given to a store without any.
    """
    allowed = "file:///absolute/path, a plain path, memory://name, or s3://bucket/prefix"
    if "://" not in url:
        if not url:
            raise ValidationError("storage_url", url, allowed)
        _no_options(url, options)
        return local_store(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in {"", "localhost"} or not parts.path:
            raise ValidationError("storage_url", url, allowed)
        _no_options(url, options)
        return local_store(unquote(parts.path))
    if scheme == "memory":
        _no_options(url, options)
        return memory_store(parts.netloc + parts.path.rstrip("/") or "objects")
    if scheme in {"s3", "s3a"}:
        if not parts.netloc or parts.query or parts.fragment:
            raise ValidationError("storage_url", url, allowed)
        return s3_store(parts.netloc, prefix=parts.path.strip("/"), **options)
    raise ValidationError("storage_url", url, allowed)


def _no_options(url: str, options: S3Options) -> None:
    if options:
        raise ValidationError("storage options", sorted(options), f"none for {url!r} (only S3 stores take options)")
