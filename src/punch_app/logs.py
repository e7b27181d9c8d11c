"""Structured JSON logs: one object per line with the event name and the request, user and analysis ids.

Code anywhere logs with the stdlib (``logger.info("processing.stage", extra={"stage": "pose"})``); the ids come
from context variables set by whoever handles the request or job (:func:`log_context`), so they also reach
log lines from threads started with ``asyncio.to_thread`` (which copies the context).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

_CONTEXT: dict[str, ContextVar[str | None]] = {
    name: ContextVar(name, default=None) for name in ("request_id", "user_id", "analysis_id")
}


@contextlib.contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Attach ids (``request_id``, ``user_id``, ``analysis_id``) to every log line inside the block."""
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Copies the context ids and the event name onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields; never drops a record."""
        for name, var in _CONTEXT.items():
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
