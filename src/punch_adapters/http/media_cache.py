"""A per-process memory of immutable media facts (pose views, video sizes), so repeat views skip the object store.

Only what never changes once written goes in: an analysis's pose view (its track is made once) and an uploaded
video's size. Routes consult it only after the database has said the caller may see the analysis, so a deleted
analysis or a revoked share link answers 404 even while its bytes are still remembered here (they age out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

POSE_VIEWS_MAX_BYTES = 128 * 1024 * 1024
"""A 3-minute round's pose view is about 3.6 MB of JSON, 0.9 MB gzipped as it is kept (a 1-minute one 0.33 MB):
128 MiB keeps the last 140 to 400 rounds viewed in each API process."""
SIZES_MAX_ENTRIES = 10_000

V = TypeVar("V")


class _Lru(Generic[V]):
    """Values by key, least recently used dropped first once their total weight is over ``max_weight``.

    Safe across threads. A single value heavier than ``max_weight`` is not kept at all.
    """

    def __init__(self, max_weight: int, weigh: Callable[[V], int]) -> None:
        self._max = max_weight
        self._weigh = weigh
        self._items: OrderedDict[str, V] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value, marked as just used; None if not kept."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        """Keep ``value`` (replacing any earlier one), dropping the least recently used values to make room."""
        if self._weigh(value) > self._max:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= self._weigh(old)
            self._items[key] = value
            self._total += self._weigh(value)
            while self._total > self._max:
                _, dropped = self._items.popitem(last=False)
                self._total -= self._weigh(dropped)

    def __len__(self) -> int:
        return len(self._items)


class LruBytes(_Lru[bytes]):
    """Bytes by key, at most ``max_bytes`` in all, least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, len)

    @property
    def total_bytes(self) -> int:
        """Bytes kept now."""
        return self._total


class LruSizes(_Lru[int]):
    """Object sizes by key, at most ``max_entries``, least recently used dropped first."""

    def __init__(self, max_entries: int = SIZES_MAX_ENTRIES) -> None:
        super().__init__(max_entries, lambda _size: 1)


class MediaCache:
    """The media routes' memory: pose views and video sizes."""

    def __init__(
        self, *, pose_max_bytes: int = POSE_VIEWS_MAX_BYTES, sizes_max_entries: int = SIZES_MAX_ENTRIES
    ) -> None:
        self.pose_views = LruBytes(pose_max_bytes)
        self.video_sizes = LruSizes(sizes_max_entries)
