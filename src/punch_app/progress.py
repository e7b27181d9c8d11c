"""A one-line progress bar on stderr for the CLI (plain lines when stderr is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

STAGE_WEIGHTS = {"thumbnails": 0.05, "pose": 0.80, "stamps": 0.04, "coaching": 0.02, "report": 0.04, "overlay": 0.05}
_WIDTH = 28


class ProgressBar:
    """Shows stage and overall percent; ``update(stage, share)`` is the use case's progress callback."""

    def __init__(self, stream: TextIO | None = None, /, *, stages: tuple[str, ...] = tuple(STAGE_WEIGHTS)) -> None:
        self._out = stream or sys.stderr
        self._tty = self._out.isatty()
        self._stages = stages
        total = sum(STAGE_WEIGHTS.get(s, 0.05) for s in stages)
        self._weights = {s: STAGE_WEIGHTS.get(s, 0.05) / total for s in stages}
        self._started = time.monotonic()
        self._last_line = ""
        self._last_stage = ""

    def update(self, stage: str, share: float) -> None:
        """Record that ``stage`` is ``share`` (0-1) done; earlier stages count as finished."""
        done = 0.0
        for s in self._stages:
            if s == stage:
                done += self._weights.get(s, 0.0) * min(max(share, 0.0), 1.0)
                break
            done += self._weights.get(s, 0.0)
        filled = round(_WIDTH * done)
        elapsed = time.monotonic() - self._started
        line = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {100 * done:3.0f}% {stage:<10} {elapsed:5.1f} s"
        if self._tty:
            if line != self._last_line:
                self._out.write("\r" + line)
                self._out.flush()
        elif stage != self._last_stage:
            self._out.write(line + "\n")
        self._last_line, self._last_stage = line, stage

    def finish(self) -> None:
        """End the bar's line."""
        if self._tty and self._last_line:
            self._out.write("\n")
            self._out.flush()
