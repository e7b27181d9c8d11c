"""Shared fixtures: where ../shared is, and a skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the checkout; skips the test when it is absent."""
    if not (SHARED / "media").is_dir():
        pytest.skip(f"needs the shared data folder at {SHARED} (real clips and landmarks); it is absent here")
    return SHARED
