"""The clock and the source of ids and secrets (the core reads neither the system clock nor a random source)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the time (the domain never reads the system clock itself)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    """Makes unique ids and secrets (the domain draws no random numbers itself)."""

    def new_id(self) -> str:
        """A new unique id (URL-safe, 16+ characters)."""
        ...

    def new_secret(self) -> str:
        """A new unguessable secret (URL-safe, 256 bits): refresh tokens, OAuth state, PKCE verifiers."""
        ...

    def new_share_hash(self) -> str:
        """A new 8-character base62 share hash."""
        ...
