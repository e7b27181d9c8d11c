"""Access tokens as JWTs (HS256, PyJWT), with a key ring so the signing key can be rotated without sign-outs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from punch_core.errors import AuthError
from punch_core.ports.identity import TokenSigner

ISSUER = "punchanalytics"
MIN_KEY_BYTES = 32


class JwtSigner(TokenSigner):
    """Signs with the first key; verifies with any key of the ring (the old key stays until its tokens expire)."""

    def __init__(self, keys: Sequence[str], *, now: Callable[[], datetime] | None = None) -> None:
        if not keys or any(len(k.encode()) < MIN_KEY_BYTES for k in keys):
            raise ValueError(f"JWT keys must be at least {MIN_KEY_BYTES} bytes (set PUNCH_JWT_KEYS)")
        self._keys = list(keys)
        self._now = now or (lambda: datetime.now(UTC))

    def sign(self, claims: Mapping[str, Any], *, expires_in_s: int) -> str:
        """A JWT with ``claims``, ``iat``, ``exp`` and ``iss``, signed with the current key."""
        now = self._now()
        payload = {**claims, "iss": ISSUER, "iat": now, "exp": now + timedelta(seconds=expires_in_s)}
        return jwt.encode(payload, self._keys[0], algorithm="HS256", headers={"kid": str(0)})

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token. Raises ``AuthError`` when tampered with, expired or malformed."""
        now = self._now().timestamp()
        last_error: Exception | None = None
        for key in self._keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=["HS256"],
                    issuer=ISSUER,
                    options={"require": ["exp", "iat", "iss", "sub"], "verify_exp": False},
                )
            except jwt.InvalidSignatureError as exc:
                last_error = exc
                continue
            except jwt.PyJWTError as exc:
                raise AuthError("your sign-in is not valid; sign in again") from exc
            if float(claims["exp"]) <= now:
                raise AuthError("your sign-in has expired; sign in again")
            return claims
        raise AuthError("your sign-in is not valid; sign in again") from last_error
