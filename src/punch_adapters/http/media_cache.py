"""A per-process memory of immutable media facts (pose views, video sizes), so repeat views skip the object store.

Only what never changes once written goes in: an analysis's pose view (its track is made once) and an uploaded
video's size. Routes consult it only after the database has said the caller may see the analysis, so a deleted
analysis or a revoked share link answers 404 even while its bytes are still remembered here (they age out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

POSE_VIEWS_MAX_BYTES = 128 * 1024 * 1024
"""A 3-minute round's pose view is about 3.6 MB of JSON, 0.9 MB gzipped as it is kept (a 1-minute one 0.33 MB):
128 MiB keeps the last 140 to 400 rounds viewed in each API process."""
SIZES_MAX_ENTRIES = 10_000


class LruBytes:
    """Bytes by key, least recently used dropped first once over ``max_bytes``; safe across threads.

    Args:
        max_bytes: Total size kept; a single value larger than this is not kept at all.
    """

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The value, marked as just used; None if not kept."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        """Keep ``value`` (replacing any earlier one), dropping the least recently used values to make room."""
        if len(value) > self._max:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= len(old)
            self._items[key] = value
            self._total += len(value)
            while self._total > self._max:
                _, dropped = self._items.popitem(last=False)
                self._total -= len(dropped)

    @property
    def total_bytes(self) -> int:
        """Bytes kept now."""
        return self._total

    def __len__(self) -> int:
        return len(self._items)


class LruSizes:
    """Object sizes by key, at most ``max_entries``, least recently used dropped first; safe across threads."""

    def __init__(self, max_entries: int = SIZES_MAX_ENTRIES) -> None:
        self._max = max_entries
        self._items: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> int | None:
        """The size, marked as just used; None if not kept."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, size: int) -> None:
        """Keep ``size`` for ``key``."""
        with self._lock:
            self._items[key] = size
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


class MediaCache:
    """The media routes' memory: pose views and video sizes."""

    def __init__(
        self, *, pose_max_bytes: int = POSE_VIEWS_MAX_BYTES, sizes_max_entries: int = SIZES_MAX_ENTRIES
    ) -> None:
        self.pose_views = LruBytes(pose_max_bytes)
        self.video_sizes = LruSizes(sizes_max_entries)
