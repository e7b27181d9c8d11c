"""An API process keeps what it made at start-up out of the garbage collector's full passes (a pause for every
request in flight, about 110 ms per pass over an API process's start-up objects)."""

from __future__ import annotations

import gc
from pathlib import Path

from litestar.testing import TestClient

from punch_app.settings import Settings
from punch_app.web import build_app


def test_start_up_objects_are_frozen_and_requests_still_collected(tmp_path: Path) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(build_app(Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path)}))) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 100_000  # modules, the app and its clients
        assert client.get("/healthz").status_code == 200
        garbage: list[object] = []
        garbage.append(garbage)  # a cycle made after start-up
        del garbage
        assert gc.collect() >= 1  # ...is collected as before
        assert gc.get_freeze_count() <= frozen  # requests freeze nothing (frozen objects may still be freed)
