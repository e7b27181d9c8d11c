"""Sign-in providers build their TLS context once (loading the CA bundle costs about 25 ms of CPU a time)."""

from __future__ import annotations

import ssl

import pytest

from punch_adapters.auth import providers
from punch_adapters.auth.providers import GoogleOidcProvider, KakaoProvider


@pytest.mark.parametrize(
    "provider",
    [
        GoogleOidcProvider(client_id="id", client_secret="secret"),  # noqa: S106 - a test value
        KakaoProvider(client_id="id", client_secret="secret"),  # noqa: S106 - a test value
    ],
)
def test_every_client_of_a_provider_shares_one_verifying_tls_context(
    provider: GoogleOidcProvider | KakaoProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = providers._authlib_httpx()
    made: list[ssl.SSLContext] = []
    real = library.create_ssl_context

    def counted() -> ssl.SSLContext:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(library, "create_ssl_context", counted)

    clients = [provider._client("https://punch.example.com/callback") for _ in range(3)]

    assert len(made) == 1
    assert made[0].verify_mode == ssl.CERT_REQUIRED
    assert made[0].check_hostname
    assert all(client is not clients[0] for client in clients[1:])  # separate clients, one context
