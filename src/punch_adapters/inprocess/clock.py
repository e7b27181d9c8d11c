"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime

from punch_core.ports.system import Clock


class SystemClock(Clock):
    """The real clock."""

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        return datetime.now(UTC)
