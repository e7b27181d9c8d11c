"""Counting and timing what the service does."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    """Counts and times what the service does (Prometheus in production; docs/observability.md lists names)."""

    def increment(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        ...

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation of a histogram (durations in seconds)."""
        ...

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge."""
        ...
