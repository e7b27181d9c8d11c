"""Where the data-key ring comes from: PUNCH_DATA_KEYS, the embedded default's key file, or a start-up error."""

from __future__ import annotations

import logging
import stat

import pytest

from punch_adapters.crypto.aesgcm import DataKey
from punch_app.container import build_cipher
from punch_app.settings import Settings
from punch_core.errors import ValidationError

K1 = DataKey.generate("k1")
K2 = DataKey.generate("k2")


def settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"PUNCH_DATA_DIR": str(tmp_path), **env})


def test_the_embedded_default_makes_a_private_key_file_once_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="punch.app"):
        first = build_cipher(settings(tmp_path))
    assert [r.getMessage() for r in caplog.records] == ["encryption.key_created"]
    assert caplog.records[0].path == str(tmp_path / "data.keys")
    assert stat.S_IMODE((tmp_path / "data.keys").stat().st_mode) == 0o600

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="punch.app"):
        second = build_cipher(settings(tmp_path))  # a restart
    assert caplog.records == []
    stored = first.encrypt("ali@example.com", context="users.email:u1")
    assert second.decrypt(stored, context="users.email:u1") == "ali@example.com"


def test_punch_data_keys_is_used_newest_first_and_no_file_is_made(tmp_path):
    cipher = build_cipher(settings(tmp_path, PUNCH_DATA_KEYS=f"{K2.to_text()},{K1.to_text()}"))
    assert cipher.key_ids == ("k2", "k1")
    assert cipher.encrypt("x", context="c").startswith("enc:v1:k2:")
    assert not (tmp_path / "data.keys").exists()


def test_production_needs_punch_data_keys(tmp_path):
    with pytest.raises(ValidationError, match=r"PUNCH_DATA_KEYS must be set with PUNCH_ENV=production"):
        build_cipher(settings(tmp_path, PUNCH_ENV="production"))
    assert not (tmp_path / "data.keys").exists()
    assert build_cipher(settings(tmp_path, PUNCH_ENV="production", PUNCH_DATA_KEYS=K1.to_text())).key_ids == ("k1",)


def test_a_malformed_punch_data_keys_is_a_clear_error(tmp_path):
    with pytest.raises(ValidationError, match=r"PUNCH_DATA_KEYS must be keys of 32 bytes.*entry 1 \(k1\) of 3 bytes"):
        build_cipher(settings(tmp_path, PUNCH_DATA_KEYS="k1:YWJj"))


def test_the_keys_never_show_in_the_settings_repr(tmp_path):
    assert K1.to_text().split(":")[1] not in repr(settings(tmp_path, PUNCH_DATA_KEYS=K1.to_text()))
