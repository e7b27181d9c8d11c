"""The ARQ job queue on the real Redis: stage priorities and one job per stage of an analysis."""

from __future__ import annotations

import asyncio
import uuid

from punch_adapters.jobs.arq_queue import ArqJobQueue
from punch_core.service.records import Stage
from tests.support.services import REDIS_URL, require_service


def test_thumbnails_jump_ahead_of_pose_which_jumps_ahead_of_coaching_and_duplicates_are_dropped():
    url = require_service("Redis", REDIS_URL, 6379)
    queue_name = f"punch:test:{uuid.uuid4().hex[:8]}"

    async def scenario():
        queue = await ArqJobQueue.connect(url, queue_name=queue_name)
        try:
            await queue.enqueue(Stage.COACHING, "a")
            await queue.enqueue(Stage.POSE, "b")
            await queue.enqueue(Stage.THUMBNAILS, "c")
            again = await queue.enqueue(Stage.POSE, "b")  # already queued: no second job
            order = [k.decode() for k in await queue._pool.zrange(queue_name, 0, -1)]
            size = await queue.size()
            await queue._pool.delete(queue_name, *[f"arq:job:{k}" for k in order])
            return again, order, size
        finally:
            await queue.close()

    again, order, size = asyncio.run(scenario())
    assert again == Stage.POSE.job_id("b")
    assert order == ["c:thumbnails", "b:pose", "a:coaching"]  # the order workers take them in
    assert size == 3
