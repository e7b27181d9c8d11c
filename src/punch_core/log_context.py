"""Ids that every log line carries (request, user, analysis), held in context variables.

Handlers set them with :func:`log_context`; the logging configuration (``punch_app.logs``) copies them onto each
record. Context variables follow ``asyncio`` tasks and ``asyncio.to_thread``, so the ids reach every line a request
or job causes. Nothing here does I/O.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

LOG_IDS: dict[str, ContextVar[str | None]] = {
    name: ContextVar(name, default=None) for name in ("request_id", "user_id", "analysis_id")
}


@contextlib.contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Attach ids (``request_id``, ``user_id``, ``analysis_id``) to every log line inside the block."""
    tokens = [(LOG_IDS[name], LOG_IDS[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind_log_ids(**ids: str | None) -> None:
    """Set ids for the rest of the current task (a request handler that learns the user id part-way)."""
    for name, value in ids.items():
        LOG_IDS[name].set(value)
