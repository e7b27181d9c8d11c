"""Routes: shares (being written)."""

from __future__ import annotations

from typing import Any

API_ROUTES: list[Any] = []
PAGE_ROUTES: list[Any] = []
