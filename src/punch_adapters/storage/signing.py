"""Presigned S3 GET URLs: a browser reads a video straight from the bucket instead of through the API.

Signing is local work (an HMAC over the request): no request goes to S3. It uses a plain (synchronous) botocore
client of its own, not the s3fs one, whose single event-loop thread also carries every upload's parts: a
signature must not wait behind an 8 MiB part being hashed and sent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, NoCredentialsError

from punch_core.errors import StorageUnavailableError, ValidationError

logger = logging.getLogger("punch.storage")

MAX_EXPIRES_S = 7 * 24 * 3600
"""SigV4's longest validity for a presigned URL."""


class S3ReadUrlSigner:
    """Signs GET URLs for objects of one S3 endpoint, with the store's credentials.

    Args:
        endpoint_url: The S3 API as browsers reach it (``https://media.example.com``, ``http://127.0.0.1:8333``);
            ``None`` for AWS itself.
        region: The bucket's region (SigV4 signs it, and unlike a client a signed URL gets no second try in
            the right region); ``None`` takes botocore's configuration (``AWS_DEFAULT_REGION``, the config
            file). On AWS itself one of the two is required; other servers accept ``us-east-1``.
        key: The access key id; ``None`` (with ``secret``) uses botocore's usual credential chain.
        secret: The secret access key.
    """

    def __init__(self, *, endpoint_url: str | None, region: str | None, key: str | None, secret: str | None) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._key = key
        self._secret = secret
        self._client: Any = None
        self._lock = threading.Lock()

    def _s3(self) -> Any:  # noqa: ANN401 - botocore has no type stubs
        with self._lock:
            if self._client is None:
                session = botocore.session.get_session()
                region = self._region or session.get_config_variable("region")
                if region is None and self._endpoint_url is None:
                    raise ValidationError(
                        "PUNCH_S3_REGION", None, "the bucket's region (eu-west-1...): AWS signs it into media URLs"
                    )
                # A non-AWS server is reached by path (http://host:port/bucket/key): its host name has no
                # bucket subdomains.
                addressing = "path" if self._endpoint_url else "virtual"
                try:
                    self._client = session.create_client(
                        "s3",
                        endpoint_url=self._endpoint_url,
                        region_name=region or "us-east-1",
                        aws_access_key_id=self._key,
                        aws_secret_access_key=self._secret,
                        config=Config(signature_version="s3v4", s3={"addressing_style": addressing}),
                    )
                except (BotoCoreError, ValueError) as exc:  # "Invalid endpoint" is a ValueError
                    logger.warning("storage.signing_failed", extra={"error": f"{type(exc).__name__}: {exc}"})
                    raise StorageUnavailableError("the object store's media links cannot be signed") from exc
            return self._client

    def __call__(self, bucket: str, key: str, *, expires_s: int, content_type: str | None = None) -> str:
        """A URL that GETs ``bucket``/``key`` for ``expires_s`` seconds (``content_type`` as its answer's type).

        Raises:
            StorageUnavailableError: No credentials to sign with, or botocore refuses.
        """
        params: dict[str, str] = {"Bucket": bucket, "Key": key}
        if content_type:
            params["ResponseContentType"] = content_type
        client = self._s3()  # a missing region raises ValidationError, naming the setting
        try:
            url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s)
        except NoCredentialsError as exc:
            raise StorageUnavailableError("the object store's media links cannot be signed: no credentials") from exc
        except (BotoCoreError, ValueError) as exc:  # botocore says "Invalid endpoint" with a ValueError
            # The endpoint and the reason go to the operators' log; the message names neither.
            logger.warning("storage.signing_failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            raise StorageUnavailableError("the object store's media links cannot be signed right now") from exc
        return str(url)
