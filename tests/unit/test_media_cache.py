"""The API's per-process memory of immutable media: bounded by bytes (pose views) and by entries (video sizes)."""

from __future__ import annotations

import threading

from punch_adapters.http.media_cache import LruBytes, LruSizes


def test_least_recently_used_values_go_first_once_over_the_byte_budget():
    cache = LruBytes(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recently used
    cache.put("c", b"90ab")  # 12 bytes: b, the least recently used, goes
    assert cache.get("b") is None
    assert cache.get("a") == b"1234"
    assert cache.get("c") == b"90ab"
    assert cache.total_bytes == 8
    assert len(cache) == 2


def test_replacing_a_value_counts_its_size_once_and_oversized_values_are_not_kept():
    cache = LruBytes(max_bytes=10)
    cache.put("a", b"12345678")
    cache.put("a", b"12")
    assert cache.total_bytes == 2
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None
    assert cache.get("a") == b"12"


def test_sizes_keep_at_most_their_entries():
    sizes = LruSizes(max_entries=2)
    sizes.put("v1", 10)
    sizes.put("v2", 20)
    assert sizes.get("v1") == 10
    sizes.put("v3", 30)
    assert sizes.get("v2") is None
    assert (sizes.get("v1"), sizes.get("v3")) == (10, 30)


def test_threads_never_push_the_cache_over_its_budget():
    cache = LruBytes(max_bytes=1000)

    def work(n: int) -> None:
        for i in range(500):
            cache.put(f"{n}-{i}", bytes(7 + (i % 50)))
            cache.get(f"{n}-{i // 2}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.total_bytes <= 1000
    assert cache.total_bytes == sum(len(cache.get(k) or b"") for k in list(cache._items))
