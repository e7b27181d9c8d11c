"""Metrics kept in memory: the embedded default when no Prometheus is wired, and what tests read back."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from punch_core.ports.metrics import Metrics

_Key = tuple[str, tuple[tuple[str, str], ...]]


def _key(name: str, labels: dict[str, str]) -> _Key:
    return name, tuple(sorted(labels.items()))


class MemoryMetrics(Metrics):
    """Counters, gauges and histogram observations in dicts keyed by name and sorted labels; thread-safe.

    Counters only go up (a negative or non-finite increment raises ``ValueError``, as Prometheus does), so a
    test that passes here does not fail against the production adapter.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[_Key, float] = {}
        self._gauges: dict[_Key, float] = {}
        self._observations: dict[_Key, list[float]] = {}
        self._gauge_functions: dict[str, Callable[[], float]] = {}

    def increment(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` (>= 0) to a counter.

        Raises:
            ValueError: When ``amount`` is negative or not finite.
        """
        if not (math.isfinite(amount) and amount >= 0):
            raise ValueError(f"a counter only goes up: amount must be a finite number >= 0, got {amount!r}")
        key = _key(name, labels)
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation of a histogram."""
        key = _key(name, labels)
        with self._lock:
            self._observations.setdefault(key, []).append(value)

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge."""
        with self._lock:
            self._gauges[_key(name, labels)] = value

    def set_gauge_function(self, name: str, read: Callable[[], float]) -> None:
        """Make an unlabelled gauge read ``read()`` whenever it is asked for (as a Prometheus scrape does)."""
        with self._lock:
            self._gauge_functions[name] = read

    def value(self, name: str, **labels: str) -> float:
        """The counter or gauge with exactly these labels; 0.0 when nothing was recorded."""
        key = _key(name, labels)
        with self._lock:
            read = None if labels else self._gauge_functions.get(name)
        if read is not None:
            return float(read())
        with self._lock:
            if key in self._counters:
                return self._counters[key]
            return self._gauges.get(key, 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum of a counter over every label set that includes these labels (all of them when none given)."""
        wanted = set(labels.items())
        with self._lock:
            return sum(v for (n, ls), v in self._counters.items() if n == name and wanted <= set(ls))

    def observations(self, name: str, **labels: str) -> list[float]:
        """A copy of the observations of a histogram with exactly these labels, in the order recorded."""
        with self._lock:
            return list(self._observations.get(_key(name, labels), []))
