"""Structured JSON logs: one object per line with the event name and the request, user and analysis ids.

Code anywhere logs with the stdlib (``logger.info("processing.stage", extra={"stage": "pose"})``); the ids come
from context variables set by whoever handles the request or job (:func:`log_context`), so they also reach
log lines from threads started with ``asyncio.to_thread`` (which copies the context).
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from punch_core.log_context import LOG_IDS, log_context

__all__ = ["ContextFilter", "configure_logging", "log_context"]


class ContextFilter(logging.Filter):
    """Copies the context ids and the event name onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields; never drops a record."""
        for name, var in LOG_IDS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        if not getattr(record, "event", None):
            record.event = record.getMessage()
        return True


def configure_logging(*, fmt: str = "json", level: str = "INFO") -> None:
    """Send the root logger's records to stderr as JSON lines (or plain text for a terminal)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(event)s %(request_id)s %(user_id)s %(analysis_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
