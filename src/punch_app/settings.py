"""Settings, from environment variables only (the README's table lists them). Nothing is read at import time.

With nothing set, every setting picks the embedded default: SQLite and local files under ``PUNCH_DATA_DIR``,
the in-process job runner, the offline coach.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from punch_core.errors import ValidationError


def _bool(env: Mapping[str, str], name: str) -> bool:
    text = (env.get(name) or "").strip().lower()
    if text in {"", "0", "false", "no", "off"}:
        return False
    if text in {"1", "true", "yes", "on"}:
        return True
    raise ValidationError(name, text, "true or false")


def _http_url(env: Mapping[str, str], name: str) -> str | None:
    text = (env.get(name) or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(name, text, "an http(s) address such as https://media.example.com")
    return text.rstrip("/")


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(name, text, f"a number of at least {minimum}") from None
    if not math.isfinite(value) or value < minimum:
        raise ValidationError(name, text, f"a number of at least {minimum}")
    return value


def _clamd_url(env: Mapping[str, str]) -> str | None:
    text = (env.get("PUNCH_CLAMD_URL") or "").strip()
    if not text:
        return None
    if not text.startswith(("unix:///", "tcp://")):
        raise ValidationError("PUNCH_CLAMD_URL", text, "unix:///path/to/clamd.ctl or tcp://host:3310")
    return text


@attrs.frozen(kw_only=True)
class Settings:
    """Everything deployment-specific.

    Attributes:
        data_dir: Where the embedded default keeps its database and files (``PUNCH_DATA_DIR``).
        database_url: SQLAlchemy URL (``PUNCH_DATABASE_URL``); default SQLite in ``data_dir``.
        storage_url: Object store URL (``PUNCH_STORAGE_URL``): a path, ``file://``, ``memory://``, ``s3://bucket/p``.
        s3_endpoint_url: S3 endpoint for S3-compatible servers (``PUNCH_S3_ENDPOINT_URL``).
        s3_region: S3 region (``PUNCH_S3_REGION``).
        s3_public_endpoint_url: The S3 endpoint as browsers reach it, when not ``s3_endpoint_url``
            (``PUNCH_S3_PUBLIC_ENDPOINT_URL``): signed media URLs point there.
        media_direct: Browsers read report videos straight from the S3 bucket through signed URLs valid for an
            hour, instead of through the API (``PUNCH_MEDIA_DIRECT=true``; S3 stores only).
        s3_sse: Server-side encryption for S3 objects, ``AES256`` or ``aws:kms`` (``PUNCH_S3_SSE``).
        s3_read_timeout_s: Longest wait for S3 to answer one request before it is retried
            (``PUNCH_S3_READ_TIMEOUT_S``, default 15): a stalled S3 then holds a request for about 3 x this, not
            3 minutes.
        redis_url: Redis for ARQ jobs and live progress (``PUNCH_REDIS_URL``); unset = in-process jobs.
        queue_name: The ARQ queue (``PUNCH_QUEUE_NAME``).
        stage_timeout_s: Hard limit for one processing stage (``PUNCH_STAGE_TIMEOUT_S``, default 300).
        max_attempts: Attempts at a stage that fails unexpectedly (``PUNCH_MAX_ATTEMPTS``).
        pose_workers: Pose processes per job (``PUNCH_POSE_WORKERS``); default one per core.
        pose_rate: Which frames get a pose inference (``PUNCH_POSE_RATE``): ``full`` (default: every frame) or
            ``adaptive`` (10 fps, and every frame where a hand or the head moves fast; docs/benchmarks.md has why it
            is not the default yet).
        llm_base_url: OpenAI-compatible API (``PUNCH_LLM_BASE_URL``); unset = the offline coach.
        llm_api_key: Its key (``PUNCH_LLM_API_KEY``).
        llm_model: Its model (``PUNCH_LLM_MODEL``).
        llm_timeout_s: Per-attempt timeout (``PUNCH_LLM_TIMEOUT_S``).
        log_format: ``json`` (default) or ``text`` (``PUNCH_LOG_FORMAT``).
        log_level: ``INFO`` by default (``PUNCH_LOG_LEVEL``).
        worker_metrics_port: Where a worker serves ``/metrics`` (``PUNCH_WORKER_METRICS_PORT``; 0 = off).
        production: ``PUNCH_ENV=production``: no local login, JWT keys required.
        public_url: Where users reach the app (``PUNCH_PUBLIC_URL``); OAuth redirects and share links use it.
        jwt_keys: Access-token keys, newest first (``PUNCH_JWT_KEYS``, comma-separated).
        data_keys: The key ring that encrypts PII at rest (``PUNCH_DATA_KEYS``: ``id:base64`` entries of 32-byte
            keys, comma-separated, newest first); unset = a key file in ``data_dir`` (required in production).
        google_client_id: Google sign-in (``PUNCH_GOOGLE_CLIENT_ID``, ``PUNCH_GOOGLE_CLIENT_SECRET``).
        google_client_secret: See ``google_client_id``.
        google_issuer: The OpenID issuer (``PUNCH_GOOGLE_ISSUER``; Google's by default).
        kakao_client_id: Kakao sign-in (``PUNCH_KAKAO_CLIENT_ID``, ``PUNCH_KAKAO_CLIENT_SECRET``).
        kakao_client_secret: See ``kakao_client_id``.
        kakao_base_url: Kakao's OAuth host override (``PUNCH_KAKAO_BASE_URL``, tests).
        frontend_dir: The built web app to serve (``PUNCH_FRONTEND_DIR``; default ``frontend/dist`` if built).
        otlp_endpoint: OpenTelemetry traces go here over OTLP/HTTP (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``).
        trusted_proxies: Addresses whose ``X-Forwarded-For`` is believed with ``--proxy-headers``
            (``PUNCH_TRUSTED_PROXIES``, comma-separated; never everyone: clients would pick their own address).
        clamd_url: ClamAV's clamd, which scans every completed upload (``PUNCH_CLAMD_URL``:
            ``unix:///run/clamav/clamd.ctl`` or ``tcp://host:3310``); unset = uploads are not scanned (the
            embedded default only: production refuses to start without it).
        clamd_timeout_s: Longest wait for clamd to take a chunk or give its answer (``PUNCH_CLAMD_TIMEOUT_S``).
    """

    data_dir: Path
    database_url: str
    storage_url: str
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_public_endpoint_url: str | None = None
    media_direct: bool = False
    s3_sse: str | None = None
    s3_read_timeout_s: float = 15.0
    redis_url: str | None = None
    queue_name: str = "punch:jobs"
    stage_timeout_s: float = 300.0
    max_attempts: int = 3
    pose_workers: int | None = None
    pose_rate: str = "full"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 30.0
    log_format: str = "json"
    log_level: str = "INFO"
    worker_metrics_port: int = 0
    production: bool = False
    public_url: str = "http://127.0.0.1:8000"
    jwt_keys: tuple[str, ...] = ()
    data_keys: str | None = attrs.field(default=None, repr=False)
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_issuer: str = "https://accounts.google.com"
    kakao_client_id: str | None = None
    kakao_client_secret: str | None = None
    kakao_base_url: str | None = None
    frontend_dir: str | None = None
    otlp_endpoint: str | None = None
    trusted_proxies: str = "127.0.0.1"
    clamd_url: str | None = None
    clamd_timeout_s: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default ``os.environ``).

        Raises:
            ValidationError: naming the variable and what it must be.
        """
        env = os.environ if env is None else env
        data_dir = Path(env.get("PUNCH_DATA_DIR") or Path.home() / ".local/share/punchanalytics").expanduser()
        workers = env.get("PUNCH_POSE_WORKERS")
        storage_url = env.get("PUNCH_STORAGE_URL") or str(data_dir / "objects")
        media_direct = _bool(env, "PUNCH_MEDIA_DIRECT")
        if media_direct and not storage_url.lower().startswith(("s3://", "s3a://")):
            raise ValidationError(
                "PUNCH_MEDIA_DIRECT", "true", "false unless PUNCH_STORAGE_URL is an s3:// bucket (browsers read it)"
            )
        pose_rate = (env.get("PUNCH_POSE_RATE") or "full").lower()
        if pose_rate not in {"adaptive", "full"}:
            raise ValidationError("PUNCH_POSE_RATE", pose_rate, "adaptive or full")
        log_format = env.get("PUNCH_LOG_FORMAT", "json")
        if log_format not in {"json", "text"}:
            raise ValidationError("PUNCH_LOG_FORMAT", log_format, "json or text")
        return cls(
            data_dir=data_dir,
            database_url=env.get("PUNCH_DATABASE_URL") or f"sqlite:///{data_dir / 'punch.sqlite3'}",
            storage_url=storage_url,
            s3_endpoint_url=env.get("PUNCH_S3_ENDPOINT_URL") or None,
            s3_region=env.get("PUNCH_S3_REGION") or None,
            s3_public_endpoint_url=_http_url(env, "PUNCH_S3_PUBLIC_ENDPOINT_URL"),
            media_direct=media_direct,
            s3_sse=env.get("PUNCH_S3_SSE") or None,
            s3_read_timeout_s=_float(env, "PUNCH_S3_READ_TIMEOUT_S", 15.0, minimum=1.0),
            redis_url=env.get("PUNCH_REDIS_URL") or None,
            queue_name=env.get("PUNCH_QUEUE_NAME") or "punch:jobs",
            stage_timeout_s=_float(env, "PUNCH_STAGE_TIMEOUT_S", 300.0, minimum=1.0),
            max_attempts=int(_float(env, "PUNCH_MAX_ATTEMPTS", 3, minimum=1)),
            pose_workers=int(_float(env, "PUNCH_POSE_WORKERS", 0, minimum=1)) if workers else None,
            pose_rate=pose_rate,
            llm_base_url=env.get("PUNCH_LLM_BASE_URL") or None,
            llm_api_key=env.get("PUNCH_LLM_API_KEY") or None,
            llm_model=env.get("PUNCH_LLM_MODEL") or "gpt-4o-mini",
            llm_timeout_s=_float(env, "PUNCH_LLM_TIMEOUT_S", 30.0, minimum=1.0),
            log_format=log_format,
            log_level=(env.get("PUNCH_LOG_LEVEL") or "INFO").upper(),
            worker_metrics_port=int(_float(env, "PUNCH_WORKER_METRICS_PORT", 0)),
            production=(env.get("PUNCH_ENV") or "").lower() == "production",
            public_url=(env.get("PUNCH_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
            jwt_keys=tuple(k.strip() for k in (env.get("PUNCH_JWT_KEYS") or "").split(",") if k.strip()),
            data_keys=(env.get("PUNCH_DATA_KEYS") or "").strip() or None,
            google_client_id=env.get("PUNCH_GOOGLE_CLIENT_ID") or None,
            google_client_secret=env.get("PUNCH_GOOGLE_CLIENT_SECRET") or None,
            google_issuer=env.get("PUNCH_GOOGLE_ISSUER") or "https://accounts.google.com",
            kakao_client_id=env.get("PUNCH_KAKAO_CLIENT_ID") or None,
            kakao_client_secret=env.get("PUNCH_KAKAO_CLIENT_SECRET") or None,
            kakao_base_url=env.get("PUNCH_KAKAO_BASE_URL") or None,
            frontend_dir=env.get("PUNCH_FRONTEND_DIR") or str(Path(__file__).resolve().parents[2] / "frontend/dist"),
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or None,
            trusted_proxies=env.get("PUNCH_TRUSTED_PROXIES") or "127.0.0.1",
            clamd_url=_clamd_url(env),
            clamd_timeout_s=_float(env, "PUNCH_CLAMD_TIMEOUT_S", 120.0, minimum=1.0),
        )
