"""Sign-in sessions: who signed in, a short access token, and a rotating refresh token.

A session is one sign-in. It carries a short-lived access token (a JWT, 15 minutes, checked without a database
lookup) and a long-lived refresh token (7 days) that buys a new pair. Refresh tokens are random secrets stored only
as their SHA-256 hash, and each is good for one use: refreshing marks it used and issues the next token of the same
*family*. Presenting a used token again means two parties hold it (one of them stole it), and since we cannot
tell which is the boxer, the whole family is revoked and both must sign in again (OAuth 2.0 Security BCP,
refresh token rotation).

Every function takes the ports it needs in :class:`SessionPorts`; none reads a clock or draws random numbers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import attrs

from punch_core.errors import AuthError, ConflictError, NotFoundError
from punch_core.ports.identity import ProviderIdentity, TokenSigner
from punch_core.ports.repositories import RefreshTokenRepository, UserRepository
from punch_core.ports.system import Clock, IdGenerator
from punch_core.service.records import Identity, RefreshToken, User

ACCESS_TOKEN_TTL_S = 15 * 60
REFRESH_TOKEN_TTL_S = 7 * 24 * 3600
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - the JWT "typ" claim, not a password

LOCAL_PROVIDER = "local"
LOCAL_SUBJECT = "local"

SESSION_ENDED_FOR_SAFETY = (
    "your session was ended for safety because an old sign-in was used again (or you had signed out); sign in again"
)
SESSION_UNKNOWN = "your session has ended; sign in again"
SESSION_EXPIRED = "your session has expired after 7 days; sign in again"


@attrs.frozen(kw_only=True)
class SessionPorts:
    """The ports the session use cases talk to."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    signer: TokenSigner
    ids: IdGenerator
    clock: Clock


@attrs.frozen(kw_only=True)
class SessionTokens:
    """The tokens of a session, as handed to the browser. The tokens are secrets: they never appear in ``repr``.

    Attributes:
        user_id: Whose session it is.
        family_id: The sign-in this pair descends from (shared by every rotation of it).
        access_token: The signed access JWT (claims ``sub`` and ``typ="access"``).
        refresh_token: The refresh secret; only its hash is stored.
        access_expires_in_s: Seconds the access token is valid for.
        refresh_expires_at: When the refresh token stops working (UTC).
    """

    user_id: str
    family_id: str
    access_token: str = attrs.field(repr=False)
    refresh_token: str = attrs.field(repr=False)
    access_expires_in_s: int
    refresh_expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a refresh token: SHA-256, lower-case hex.

    A plain hash suffices (no salt or stretching) because the token is 256 random bits: nothing to guess.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(ports: SessionPorts, identity: ProviderIdentity) -> User:
    """The user an identity belongs to, created on first sign-in; email and name follow the provider's latest.

    A provider that leaves out the email or name (Kakao without consent, say) does not erase what we have.

    Raises:
        AuthError: if the provider did not say who signed in (an empty provider or subject).
    """
    if not identity.provider or not identity.subject:
        raise AuthError("the sign-in service did not tell us who you are; try signing in again")
    user = ports.users.find_by_identity(identity.provider, identity.subject)
    if user is None:
        user = User(id=ports.ids.new_id(), email=identity.email, name=identity.name, created_at=ports.clock.now())
        try:
            ports.users.add(user, Identity(provider=identity.provider, subject=identity.subject, user_id=user.id))
        except ConflictError:
            # Two first sign-ins raced (two tabs): the other one created the user; use theirs.
            existing = ports.users.find_by_identity(identity.provider, identity.subject)
            if existing is None:
                raise
            user = existing
        else:
            return user
    updated = attrs.evolve(user, email=identity.email or user.email, name=identity.name or user.name)
    if updated != user:
        ports.users.update(updated)
    return updated


def start_session(ports: SessionPorts, user_id: str) -> SessionTokens:
    """A new session (a new refresh-token family) for a signed-in user.

    Raises:
        AuthError: if the user no longer exists.
    """
    return _issue(ports, user_id, family_id=ports.ids.new_id(), now=ports.clock.now())


def refresh_session(ports: SessionPorts, refresh_token: str) -> SessionTokens:
    """Trade a refresh token for a new pair in the same family; the old token is used up.

    Raises:
        AuthError: if the token is unknown or expired; or if it was already used or revoked, in which case the
            whole family is revoked first (a reused token is a stolen one).
    """
    now = ports.clock.now()
    token_hash = hash_token(refresh_token)
    stored = ports.refresh_tokens.get(token_hash)
    if stored is None:
        raise AuthError(SESSION_UNKNOWN)
    if stored.used_at is not None or stored.revoked_at is not None:
        ports.refresh_tokens.revoke_family(stored.family_id, now)
        raise AuthError(SESSION_ENDED_FOR_SAFETY)
    if stored.expires_at <= now:
        raise AuthError(SESSION_EXPIRED)
    if not ports.refresh_tokens.mark_used(token_hash, now):
        # Another request used this token between our read and now: that is a reuse too.
        ports.refresh_tokens.revoke_family(stored.family_id, now)
        raise AuthError(SESSION_ENDED_FOR_SAFETY)
    return _issue(ports, stored.user_id, family_id=stored.family_id, now=now)


def end_session(ports: SessionPorts, refresh_token: str) -> None:
    """Sign out: revoke the refresh token's family. An unknown token is not an error (already signed out)."""
    stored = ports.refresh_tokens.get(hash_token(refresh_token))
    if stored is not None:
        ports.refresh_tokens.revoke_family(stored.family_id, ports.clock.now())


def ensure_session_active(refresh_tokens: RefreshTokenRepository, claims: dict[str, object]) -> None:
    """Refuse an access token whose sign-in has ended.

    An access token names its sign-in (the ``sid`` claim, the refresh-token family). Signing out, a refresh token
    used twice, or the account's removal revokes the family; from then on its access tokens are refused too,
    instead of working until they expire. Tokens issued before the claim existed carry none and are accepted
    until they expire (15 minutes at most).

    Raises:
        AuthError: if the token's sign-in was ended.
    """
    family_id = claims.get("sid")
    if isinstance(family_id, str) and refresh_tokens.family_revoked(family_id):
        raise AuthError(SESSION_UNKNOWN)


def _issue(ports: SessionPorts, user_id: str, *, family_id: str, now: datetime) -> SessionTokens:
    refresh_token = ports.ids.new_secret()
    expires_at = now + timedelta(seconds=REFRESH_TOKEN_TTL_S)
    try:
        ports.refresh_tokens.add(
            RefreshToken(
                token_hash=hash_token(refresh_token),
                user_id=user_id,
                family_id=family_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
    except NotFoundError as exc:
        raise AuthError("your account no longer exists; sign in again to create a new one") from exc
    access_token = ports.signer.sign(
        {"sub": user_id, "typ": ACCESS_TOKEN_TYPE, "sid": family_id}, expires_in_s=ACCESS_TOKEN_TTL_S
    )
    return SessionTokens(
        user_id=user_id,
        family_id=family_id,
        access_token=access_token,
        refresh_token=refresh_token,
        access_expires_in_s=ACCESS_TOKEN_TTL_S,
        refresh_expires_at=expires_at,
    )
