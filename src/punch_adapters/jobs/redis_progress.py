"""Progress over Redis pub/sub: API processes follow what worker processes publish.

Pub/sub keeps nothing: a follower sees events published after it subscribed. Callers that need the current
state first (the WebSocket) read it from the analysis record, then follow.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from punch_core.errors import StorageUnavailableError
from punch_core.ports.jobs import ProgressSink

CHANNEL_PREFIX = "punch:progress:"


def channel(analysis_id: str, *, namespace: str = "") -> str:
    """The pub/sub channel of one analysis."""
    return f"{CHANNEL_PREFIX}{namespace}{analysis_id}"


class RedisProgress(ProgressSink):
    """``ProgressSink`` on Redis pub/sub; ``namespace`` keeps test runs and deployments apart."""

    def __init__(self, redis: Redis, *, namespace: str = "") -> None:
        self._redis = redis
        self._namespace = namespace

    @classmethod
    def from_url(cls, url: str, *, namespace: str = "") -> RedisProgress:
        """Connect lazily to Redis at ``url``."""
        return cls(Redis.from_url(url), namespace=namespace)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()

    async def publish(self, analysis_id: str, event: Mapping[str, Any]) -> None:
        """Publish an event as JSON.

        Raises:
            StorageUnavailableError: if Redis cannot be reached.
        """
        try:
            await self._redis.publish(channel(analysis_id, namespace=self._namespace), json.dumps(dict(event)))
        except (RedisError, OSError) as exc:
            raise StorageUnavailableError("live progress is unavailable right now; the status still updates") from exc

    async def follow(self, analysis_id: str) -> AsyncIterator[Mapping[str, Any]]:
        """Events of one analysis from the moment of subscription.

        Raises:
            StorageUnavailableError: if Redis cannot be reached or drops the connection.
        """
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel(analysis_id, namespace=self._namespace))
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield json.loads(message["data"])
        except (RedisError, OSError) as exc:
            raise StorageUnavailableError("live progress is unavailable right now; the status still updates") from exc
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis 5 leaves it unannotated
