"""Ids and secrets from the operating system's random source (``secrets``)."""

from __future__ import annotations

import secrets
import string

from punch_core.ports.system import IdGenerator

BASE62 = string.digits + string.ascii_letters


class SecretIds(IdGenerator):
    """``IdGenerator`` on ``secrets``: ids of 16 URL-safe characters, 256-bit secrets, 8-character share hashes."""

    def new_id(self) -> str:
        """A new id (96 random bits)."""
        return secrets.token_urlsafe(12)

    def new_secret(self) -> str:
        """A new secret (256 random bits)."""
        return secrets.token_urlsafe(32)

    def new_share_hash(self) -> str:
        """8 base62 characters (47.6 bits): guessing is rate-limited by the API."""
        return "".join(secrets.choice(BASE62) for _ in range(8))
