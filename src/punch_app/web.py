"""The web process: the Litestar app on the composition root's services, served by uvicorn (``punch serve``).

Embedded default (nothing configured): one process on http://127.0.0.1:8000 with SQLite, local files, the
in-process job runner, the offline coach and the local login. Production settings come from the environment
(README, "Settings"); with ``PUNCH_ENV=production`` the local login is off and the JWT keys must be given.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from litestar import Litestar

from punch_adapters.auth.jwt_signer import JwtSigner
from punch_adapters.http.app import create_app
from punch_adapters.http.deps import LOOPBACK_HOSTS, ApiDeps, HttpConfig, is_loopback_url
from punch_adapters.inprocess.ids import SecretIds
from punch_adapters.report_html import render_report_html
from punch_app.container import Services, build_cipher, build_scanner, build_services
from punch_app.logs import configure_logging
from punch_app.settings import Settings
from punch_app.tracing import configure_tracing
from punch_core.errors import ValidationError
from punch_core.ports.identity import IdentityProvider, TokenSigner
from punch_core.ports.scan import MalwareScanner
from punch_core.ports.storage import ObjectStore

logger = logging.getLogger("punch.app")


def jwt_keys(settings: Settings) -> list[str]:
    """The JWT key ring: ``PUNCH_JWT_KEYS`` (newest first), or a key made once and kept in the data folder.

    The embedded default keeps its key in the data folder so that sign-ins survive restarts.

    Raises:
        ValueError: in production without keys.
    """
    if settings.jwt_keys:
        return list(settings.jwt_keys)
    if settings.production:
        raise ValueError("PUNCH_ENV=production needs PUNCH_JWT_KEYS (at least one key of 32+ bytes)")
    path = settings.data_dir / "jwt.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return [path.read_text(encoding="utf-8").strip()]


def identity_providers(settings: Settings) -> dict[str, IdentityProvider]:
    """The configured sign-in providers (Google, Kakao); none in the embedded default."""
    from punch_adapters.auth.providers import GoogleOidcProvider, KakaoProvider  # noqa: PLC0415 - Authlib only here

    providers: dict[str, IdentityProvider] = {}
    if settings.google_client_id and settings.google_client_secret:
        providers["google"] = GoogleOidcProvider(
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret or "",
            issuer=settings.google_issuer,
        )
    if settings.kakao_client_id and settings.kakao_client_secret:
        kakao = KakaoProvider(client_id=settings.kakao_client_id, client_secret=settings.kakao_client_secret or "")
        if settings.kakao_base_url:  # one host serving Kakao's three endpoints (a staging or test server)
            base = settings.kakao_base_url.rstrip("/")
            kakao = KakaoProvider(
                client_id=settings.kakao_client_id,
                client_secret=settings.kakao_client_secret or "",
                authorize_url=f"{base}/oauth/authorize",
                token_url=f"{base}/oauth/token",
                userinfo_url=f"{base}/v2/user/me",
            )
        providers["kakao"] = kakao
    return providers


def api_deps(
    services: Services,
    settings: Settings,
    *,
    providers: Mapping[str, IdentityProvider] | None = None,
    signer: TokenSigner | None = None,
    config: HttpConfig | None = None,
    scanner: MalwareScanner | None = None,
) -> ApiDeps:
    """The HTTP adapter's ports from the services."""
    repos = services.repositories
    return ApiDeps(
        users=repos.users,
        refresh_tokens=repos.refresh_tokens,
        uploads=repos.uploads,
        videos=repos.videos,
        analyses=repos.analyses,
        stamps=repos.stamps,
        reports=repos.reports,
        share_links=repos.share_links,
        store=services.store,
        queue=services.queue,
        progress=services.progress,
        metrics=services.metrics,
        clock=services.ports.clock,
        ids=SecretIds(),
        signer=signer or JwtSigner(jwt_keys(settings)),
        processing=services.ports,
        providers=dict(providers if providers is not None else identity_providers(settings)),
        rate_limit_store=_rate_limit_store(settings),
        metrics_exposition=services.metrics.exposition,
        report_page=lambda report, thumbs: render_report_html(report, thumbnails=thumbs),
        config=media_config(config or http_config(settings), services.store, settings),
        scanner=scanner,
    )


def media_config(config: HttpConfig, store: ObjectStore, settings: Settings) -> HttpConfig:
    """``config`` with the object store's origin when browsers read videos from it (``PUNCH_MEDIA_DIRECT``).

    The origin is taken from a URL the store signs (no request is made), so it is exactly where the routes will
    redirect, whatever addressing the S3 client picks.

    Raises:
        ValidationError: the store cannot sign read URLs (not S3).
    """
    if not settings.media_direct:
        return config
    url = store.read_url("media-origin-probe", expires_s=60)
    if url is None:
        raise ValidationError("PUNCH_MEDIA_DIRECT", "true", "false for a store that cannot sign read URLs (not S3)")
    parts = urlsplit(url)
    return attrs.evolve(config, media_origin=f"{parts.scheme}://{parts.netloc}")


def local_login_enabled(settings: Settings) -> bool:
    """Whether the passwordless one-account local login is offered.

    It is for a machine's own user: never in production, and never when the app is reachable under another address
    than loopback (anyone could sign in as that account). ``serve`` also refuses a non-loopback bind while it is on.
    """
    return not settings.production and is_loopback_url(settings.public_url)


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to listen beyond loopback while the local login is on.

    Raises:
        ValueError: with what to do instead, for a host that is not loopback (``0.0.0.0``, ``::``, an address).
    """
    if local_login_enabled(settings) and host not in LOOPBACK_HOSTS:
        raise ValueError(
            f"--host {host} would open the passwordless local login to the network, so it is refused. Serve "
            "yourself with --host 127.0.0.1; to serve other machines, set PUNCH_PUBLIC_URL to the address they use "
            "and PUNCH_GOOGLE_CLIENT_ID or PUNCH_KAKAO_CLIENT_ID for sign-in (docs/deployment.md)"
        )


def uvicorn_options(settings: Settings, *, host: str, port: int, proxy_headers: bool) -> dict[str, Any]:
    """Uvicorn's settings.

    Proxy headers (X-Forwarded-For, -Proto) are believed only with ``proxy_headers``, from
    ``PUNCH_TRUSTED_PROXIES``: uvicorn's own default believes them from 127.0.0.1, so any local client (or a proxy
    that passes the header through) could pick the address the rate limits count.
    """
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        # Idle keep-alive connections stay open longer than a proxy's or browser's own idle timeout (60 s is
        # common): a server that closes first races with a client reusing the connection, and the client sees a
        # reset.
        "timeout_keep_alive": KEEP_ALIVE_S,
        "proxy_headers": proxy_headers,
    }
    if proxy_headers:
        options["forwarded_allow_ips"] = settings.trusted_proxies
    return options


def http_config(settings: Settings) -> HttpConfig:
    """The HTTP adapter's settings."""
    frontend = settings.frontend_dir if settings.frontend_dir and Path(settings.frontend_dir).is_dir() else None
    return HttpConfig(
        public_url=settings.public_url.rstrip("/"),
        local_login=local_login_enabled(settings),
        frontend_dir=str(frontend) if frontend else None,
    )


def _rate_limit_store(settings: Settings) -> Any:  # noqa: ANN401 - a litestar Store
    if not settings.redis_url:
        return None  # the adapter uses a per-process memory store
    from litestar.stores.redis import RedisStore  # noqa: PLC0415

    return RedisStore.with_client(url=settings.redis_url, namespace=f"{settings.queue_name}:ratelimit")


def _plugins(settings: Settings) -> Sequence[Any]:
    provider = configure_tracing(settings, service_name="punchanalytics-api")
    if provider is None:
        return ()
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin  # noqa: PLC0415

    return (OpenTelemetryPlugin(OpenTelemetryConfig(tracer_provider=provider)),)


def freeze_startup_objects() -> None:
    """Keep everything made so far (modules, the app, clients, their models) out of the garbage collector's way.

    A full collection walks every tracked object: an API process holds hundreds of thousands from its start
    alone (measured: about 110 ms for the imports and one boto3 client), and the whole process waits meanwhile,
    which lands on whichever requests are in flight. Frozen objects are never walked again; what requests create
    afterwards is collected as before.
    """
    gc.collect()
    gc.freeze()


IO_THREADS = 40
"""Threads for blocking database and storage calls in one API process (anyio's own default for sync handlers)."""


def build_app(settings: Settings, **overrides: Any) -> Litestar:  # noqa: ANN401 - build_services overrides
    """The whole web app: services are built on start-up (inside the server's event loop) and closed on shutdown."""
    holder: dict[str, Services] = {}
    signer = JwtSigner(jwt_keys(settings))
    providers = identity_providers(settings)
    scanner = build_scanner(settings)
    # Before the server listens: a missing or malformed PUNCH_DATA_KEYS stops `punch serve` with its message.
    cipher = build_cipher(settings)

    async def startup(app: Litestar) -> None:
        # Handlers run their database and storage calls in threads (asyncio.to_thread): mostly waiting on I/O,
        # so a process needs more of them than its default (cores + 4), or requests queue behind slow reads.
        asyncio.get_running_loop().set_default_executor(
            concurrent.futures.ThreadPoolExecutor(IO_THREADS, thread_name_prefix="punch-io")
        )
        services = await build_services(settings, **({"cipher": cipher} | overrides))
        holder["services"] = services
        app.state["deps"] = api_deps(services, settings, providers=providers, signer=signer, scanner=scanner)
        app.state["services"] = services
        freeze_startup_objects()
        logger.info("web.started", extra={"public_url": settings.public_url, "embedded": not settings.redis_url})

    async def shutdown(_app: Litestar) -> None:
        if "services" in holder:
            await holder["services"].close()

    return create_app(
        None,
        on_startup=[startup],
        on_shutdown=[shutdown],
        plugins=_plugins(settings),
        frontend_dir=http_config(settings).frontend_dir,
    )


def app_from_env() -> Litestar:
    """The app from the environment's settings (what each uvicorn worker process imports)."""
    settings = Settings.from_env()
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    return build_app(settings)


KEEP_ALIVE_S = 75


def serve(settings: Settings, *, host: str, port: int, workers: int = 1, proxy_headers: bool = False) -> int:
    """Run the web app with uvicorn until stopped; several worker processes need Redis (jobs run elsewhere).

    Raises:
        ValueError: for more than one worker without ``PUNCH_REDIS_URL`` (each process would run its own jobs), or
            a bind beyond loopback while the local login is on (:func:`check_bind`).
    """
    import uvicorn  # noqa: PLC0415

    if workers > 1 and not settings.redis_url:
        raise ValueError("several API processes need PUNCH_REDIS_URL: jobs must run in `punch worker` processes")
    check_bind(settings, host)
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    common = uvicorn_options(settings, host=host, port=port, proxy_headers=proxy_headers)
    if workers > 1:
        uvicorn.run("punch_app.web:app_from_env", factory=True, workers=workers, **common)
    else:
        uvicorn.run(build_app(settings), **common)
    return 0
