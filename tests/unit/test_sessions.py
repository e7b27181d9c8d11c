"""Sessions: sign-in, rotation, reuse detection and expiry, on the shipped memory repositories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from punch_adapters.auth.jwt_signer import JwtSigner
from punch_adapters.inprocess.ids import SecretIds
from punch_adapters.memory.repositories import MemoryRepositories
from punch_core.errors import AuthError
from punch_core.ports.identity import ProviderIdentity
from punch_core.service.sessions import (
    ACCESS_TOKEN_TTL_S,
    REFRESH_TOKEN_TTL_S,
    SESSION_ENDED_FOR_SAFETY,
    SessionPorts,
    end_session,
    hash_token,
    refresh_session,
    sign_in,
    start_session,
)

KEY = "unit-test-key-" + "k" * 40
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@attrs.define
class StepClock:
    """A clock the test moves by hand."""

    at: datetime = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def repos() -> MemoryRepositories:
    return MemoryRepositories.create()


@pytest.fixture
def ports(repos: MemoryRepositories, clock: StepClock) -> SessionPorts:
    return SessionPorts(
        users=repos.users,
        refresh_tokens=repos.refresh_tokens,
        signer=JwtSigner([KEY], now=clock.now),
        ids=SecretIds(),
        clock=clock,
    )


GOOGLE_ANA = ProviderIdentity(provider="google", subject="1001", email="ana@example.com", name="Ana")


def test_hash_token_is_sha256_hex():
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert len(hash_token("x" * 43)) == 64


class TestSignIn:
    def test_first_sign_in_creates_the_user_and_the_identity(self, ports, repos):
        user = sign_in(ports, GOOGLE_ANA)
        assert (user.email, user.name, user.created_at) == ("ana@example.com", "Ana", T0)
        assert repos.users.find_by_identity("google", "1001") == user

    def test_second_sign_in_finds_the_same_user(self, ports):
        first = sign_in(ports, GOOGLE_ANA)
        assert sign_in(ports, GOOGLE_ANA).id == first.id

    def test_the_same_subject_at_another_provider_is_another_user(self, ports):
        google = sign_in(ports, GOOGLE_ANA)
        kakao = sign_in(ports, attrs.evolve(GOOGLE_ANA, provider="kakao"))
        assert google.id != kakao.id

    def test_email_and_name_follow_the_provider(self, ports, repos):
        user = sign_in(ports, GOOGLE_ANA)
        renamed = sign_in(ports, attrs.evolve(GOOGLE_ANA, email="ana@new.example", name="Ana K"))
        assert (renamed.id, renamed.email, renamed.name) == (user.id, "ana@new.example", "Ana K")
        assert repos.users.get(user.id) == renamed

    def test_a_missing_email_or_name_keeps_what_we_have(self, ports):
        user = sign_in(ports, GOOGLE_ANA)
        again = sign_in(ports, attrs.evolve(GOOGLE_ANA, email=None, name=None))
        assert again == user

    def test_an_empty_subject_is_refused(self, ports):
        with pytest.raises(AuthError, match="did not tell us who you are"):
            sign_in(ports, ProviderIdentity(provider="kakao", subject=""))


class TestStartSession:
    def test_tokens_and_the_stored_hash(self, ports, repos):
        user = sign_in(ports, GOOGLE_ANA)
        tokens = start_session(ports, user.id)
        claims = ports.signer.verify(tokens.access_token)
        assert claims["sub"] == user.id
        assert claims["typ"] == "access"
        assert claims["exp"] - claims["iat"] == ACCESS_TOKEN_TTL_S
        assert tokens.access_expires_in_s == ACCESS_TOKEN_TTL_S
        stored = repos.refresh_tokens.get(hash_token(tokens.refresh_token))
        assert stored is not None
        assert (stored.user_id, stored.family_id, stored.created_at) == (user.id, tokens.family_id, T0)
        assert stored.expires_at == T0 + timedelta(seconds=REFRESH_TOKEN_TTL_S) == tokens.refresh_expires_at
        # Only the hash is kept: the token itself appears nowhere in storage.
        assert all(tokens.refresh_token not in (t.token_hash, t.family_id) for t in repos.store.refresh_tokens.values())

    def test_each_sign_in_is_its_own_family(self, ports):
        user = sign_in(ports, GOOGLE_ANA)
        assert start_session(ports, user.id).family_id != start_session(ports, user.id).family_id

    def test_tokens_stay_out_of_repr(self, ports):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        assert tokens.refresh_token not in repr(tokens)
        assert tokens.access_token not in repr(tokens)

    def test_an_unknown_user_gets_no_session(self, ports):
        with pytest.raises(AuthError, match="no longer exists"):
            start_session(ports, "nobody")

    def test_the_access_token_expires_after_15_minutes(self, ports, clock):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        clock.advance(ACCESS_TOKEN_TTL_S - 1)
        ports.signer.verify(tokens.access_token)
        clock.advance(1)
        with pytest.raises(AuthError, match="expired"):
            ports.signer.verify(tokens.access_token)


class TestRefresh:
    def test_rotation_keeps_the_family_and_uses_up_the_old_token(self, ports, repos, clock):
        first = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        clock.advance(60)
        second = refresh_session(ports, first.refresh_token)
        assert second.family_id == first.family_id
        assert second.refresh_token != first.refresh_token
        assert second.access_token != first.access_token
        old = repos.refresh_tokens.get(hash_token(first.refresh_token))
        assert old is not None
        assert old.used_at == T0 + timedelta(seconds=60)
        new = repos.refresh_tokens.get(hash_token(second.refresh_token))
        assert new is not None
        assert new.expires_at == clock.now() + timedelta(seconds=REFRESH_TOKEN_TTL_S)

    def test_a_chain_of_rotations(self, ports, clock):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        family = tokens.family_id
        for _ in range(5):
            clock.advance(ACCESS_TOKEN_TTL_S)
            tokens = refresh_session(ports, tokens.refresh_token)
            assert tokens.family_id == family
            ports.signer.verify(tokens.access_token)

    def test_reusing_an_old_token_revokes_the_whole_family(self, ports, repos):
        first = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        second = refresh_session(ports, first.refresh_token)
        with pytest.raises(AuthError) as caught:
            refresh_session(ports, first.refresh_token)
        assert str(caught.value) == SESSION_ENDED_FOR_SAFETY
        assert "ended for safety" in str(caught.value)
        # The thief's and the boxer's latest token are both dead.
        with pytest.raises(AuthError, match="ended for safety"):
            refresh_session(ports, second.refresh_token)
        assert all(t.revoked_at is not None for t in repos.store.refresh_tokens.values())

    def test_reuse_after_several_rotations_revokes_the_latest(self, ports):
        tokens = [start_session(ports, sign_in(ports, GOOGLE_ANA).id)]
        for _ in range(3):
            tokens.append(refresh_session(ports, tokens[-1].refresh_token))
        with pytest.raises(AuthError):
            refresh_session(ports, tokens[1].refresh_token)
        with pytest.raises(AuthError):
            refresh_session(ports, tokens[-1].refresh_token)

    def test_reuse_leaves_other_sessions_alone(self, ports):
        user = sign_in(ports, GOOGLE_ANA)
        phone = start_session(ports, user.id)
        laptop = start_session(ports, user.id)
        refresh_session(ports, phone.refresh_token)
        with pytest.raises(AuthError):
            refresh_session(ports, phone.refresh_token)
        assert refresh_session(ports, laptop.refresh_token).family_id == laptop.family_id

    def test_an_unknown_token_is_refused(self, ports):
        with pytest.raises(AuthError, match="session has ended"):
            refresh_session(ports, "not-a-token")

    def test_a_refresh_token_expires_after_7_days(self, ports, repos, clock):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        clock.advance(REFRESH_TOKEN_TTL_S)
        with pytest.raises(AuthError, match="expired"):
            refresh_session(ports, tokens.refresh_token)
        # Expiry is not theft: nothing is revoked.
        stored = repos.refresh_tokens.get(hash_token(tokens.refresh_token))
        assert stored is not None
        assert stored.revoked_at is None

    def test_just_before_expiry_still_works(self, ports, clock):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        clock.advance(REFRESH_TOKEN_TTL_S - 1)
        assert refresh_session(ports, tokens.refresh_token).family_id == tokens.family_id

    def test_rotation_restarts_the_7_days(self, ports, clock):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        clock.advance(REFRESH_TOKEN_TTL_S - 10)
        tokens = refresh_session(ports, tokens.refresh_token)
        clock.advance(REFRESH_TOKEN_TTL_S - 10)
        refresh_session(ports, tokens.refresh_token)

    def test_losing_the_mark_used_race_counts_as_reuse(self, ports, repos):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        # Another request marks the token used between our read and our mark_used.
        racing = attrs.evolve(ports, refresh_tokens=_UsedBehindTheBack(repos.refresh_tokens))
        with pytest.raises(AuthError, match="ended for safety"):
            refresh_session(racing, tokens.refresh_token)
        stored = repos.refresh_tokens.get(hash_token(tokens.refresh_token))
        assert stored is not None
        assert stored.revoked_at is not None


class TestEndSession:
    def test_sign_out_revokes_the_family(self, ports):
        first = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        second = refresh_session(ports, first.refresh_token)
        end_session(ports, second.refresh_token)
        with pytest.raises(AuthError):
            refresh_session(ports, second.refresh_token)

    def test_signing_out_with_an_old_token_also_ends_the_session(self, ports):
        first = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        second = refresh_session(ports, first.refresh_token)
        end_session(ports, first.refresh_token)
        with pytest.raises(AuthError):
            refresh_session(ports, second.refresh_token)

    def test_an_unknown_token_is_fine(self, ports):
        end_session(ports, "never-issued")

    def test_signing_out_twice_is_fine(self, ports):
        tokens = start_session(ports, sign_in(ports, GOOGLE_ANA).id)
        end_session(ports, tokens.refresh_token)
        end_session(ports, tokens.refresh_token)


@attrs.define
class _UsedBehindTheBack:
    """A refresh-token repository where another request always wins the ``mark_used`` race."""

    inner: object

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def mark_used(self, token_hash: str, at: datetime) -> bool:
        assert self.inner.mark_used(token_hash, at)  # type: ignore[attr-defined]
        return False
