"""ProgressSink contract, run against the in-process adapter and Redis pub/sub on 127.0.0.1."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from punch_adapters.inprocess.progress import MemoryProgress
from punch_adapters.jobs.redis_progress import RedisProgress
from punch_core.errors import StorageUnavailableError
from punch_core.ports.jobs import ProgressSink
from tests.support.services import REDIS_URL, require_service


async def _collect(sink: ProgressSink, analysis_id: str, n: int, ready: asyncio.Event) -> list[Mapping[str, Any]]:
    events: list[Mapping[str, Any]] = []
    stream = sink.follow(analysis_id)
    assert isinstance(stream, AsyncIterator)
    pending = asyncio.ensure_future(anext(stream))
    ready.set()
    while True:
        events.append(await pending)
        if len(events) == n:
            break
        pending = asyncio.ensure_future(anext(stream))
    await stream.aclose()  # type: ignore[attr-defined]
    return events


async def _subscribed(sink: ProgressSink, analysis_id: str) -> None:
    """Wait until the follower is really listening (Redis subscribes asynchronously)."""
    if isinstance(sink, RedisProgress):
        from punch_adapters.jobs.redis_progress import channel  # noqa: PLC0415

        for _ in range(200):
            counts = await sink._redis.pubsub_numsub(channel(analysis_id, namespace=sink._namespace))
            if counts and counts[0][1] > 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the follower never subscribed")
    await asyncio.sleep(0.01)


class ProgressContract:
    def make_sink(self) -> ProgressSink:
        raise NotImplementedError

    def test_followers_get_events_in_order_and_only_their_analysis(self):
        async def scenario():
            sink = self.make_sink()
            a, b = f"a-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"
            ready_a, ready_b = asyncio.Event(), asyncio.Event()
            follower_a = asyncio.create_task(_collect(sink, a, 3, ready_a))
            follower_b = asyncio.create_task(_collect(sink, b, 1, ready_b))
            await ready_a.wait()
            await ready_b.wait()
            await _subscribed(sink, a)
            await _subscribed(sink, b)
            for percent in (10.0, 50.0, 100.0):
                await sink.publish(a, {"stage": "pose", "percent": percent})
            await sink.publish(b, {"stage": "thumbnails", "percent": 100.0})
            got_a = await asyncio.wait_for(follower_a, 5)
            got_b = await asyncio.wait_for(follower_b, 5)
            await _close(sink)
            return got_a, got_b

        got_a, got_b = asyncio.run(scenario())
        assert [e["percent"] for e in got_a] == [10.0, 50.0, 100.0]
        assert got_b == [{"stage": "thumbnails", "percent": 100.0}]

    def test_two_followers_of_one_analysis_both_get_every_event(self):
        async def scenario():
            sink = self.make_sink()
            a = f"a-{uuid.uuid4().hex}"
            ready1, ready2 = asyncio.Event(), asyncio.Event()
            f1 = asyncio.create_task(_collect(sink, a, 2, ready1))
            f2 = asyncio.create_task(_collect(sink, a, 2, ready2))
            await ready1.wait()
            await ready2.wait()
            await _subscribed(sink, a)
            await sink.publish(a, {"percent": 1.0})
            await sink.publish(a, {"percent": 2.0})
            result = await asyncio.wait_for(asyncio.gather(f1, f2), 5)
            await _close(sink)
            return result

        first, second = asyncio.run(scenario())
        assert first == second == [{"percent": 1.0}, {"percent": 2.0}]

    def test_publishing_with_no_follower_is_fine(self):
        async def scenario():
            sink = self.make_sink()
            await sink.publish(f"nobody-{uuid.uuid4().hex}", {"percent": 5.0})
            await _close(sink)

        asyncio.run(scenario())


async def _close(sink: ProgressSink) -> None:
    if isinstance(sink, RedisProgress):
        await sink.close()


class TestMemoryProgress(ProgressContract):
    def make_sink(self) -> ProgressSink:
        return MemoryProgress()


class TestRedisProgress(ProgressContract):
    @pytest.fixture(autouse=True)
    def _redis(self):
        self.url = require_service("Redis", REDIS_URL, 6379)

    def make_sink(self) -> ProgressSink:
        return RedisProgress.from_url(self.url, namespace=f"test-{uuid.uuid4().hex}:")


def test_redis_down_is_a_storage_unavailable_error():
    async def scenario():
        sink = RedisProgress.from_url("redis://127.0.0.1:1/0")
        try:
            await sink.publish("x", {"percent": 1.0})
        finally:
            await sink.close()

    with pytest.raises(StorageUnavailableError, match="live progress is unavailable"):
        asyncio.run(scenario())
