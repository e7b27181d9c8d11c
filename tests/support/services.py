"""Real services the integration and contract tests talk to (PostgreSQL, Redis), found by URL.

A service that cannot be reached skips its tests with the reason, except with ``CI=true``, where a missing
service fails the run (CI must never go green by skipping what it is there to check).
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get("PUNCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PUNCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    """Whether this run is CI (``CI=true``): missing services fail instead of skipping."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(url: str, default_port: int) -> bool:
    """Whether a TCP connection to the URL's host and port opens within a second."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> str:
    """Return ``url`` if the service answers; otherwise skip (fail under CI) with a clear reason."""
    if reachable(url, default_port):
        return url
    reason = f"{name} is not reachable at {url} (set the URL in the environment or start the service)"
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)
