"""AES-256-GCM field encryption: round trips, binding to the place a value is stored, key rings and rotation order."""

from __future__ import annotations

import base64
import os
import stat
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punch_adapters.crypto.aesgcm import AesGcmFieldCipher, DataKey, DecryptionError, KeyRing
from punch_adapters.crypto.key_file import load_or_create_key_file
from punch_core.errors import ValidationError

K1 = DataKey(key_id="k1", secret=bytes(range(32)))
K2 = DataKey(key_id="k2", secret=bytes(range(100, 132)))
CONTEXT = "users.email:u1"


def cipher(*keys: DataKey) -> AesGcmFieldCipher:
    return AesGcmFieldCipher(KeyRing(keys))


def b64(secret: bytes) -> str:
    return base64.b64encode(secret).decode()


@given(st.text())
def test_any_text_round_trips(text):
    stored = cipher(K1).encrypt(text, context=CONTEXT)
    assert stored.startswith("enc:v1:k1:")
    assert cipher(K1).decrypt(stored, context=CONTEXT) == text


@pytest.mark.parametrize("text", ["", "Ali", "김민수", "ali+sparring@example.com", "👊🥊", "enc:v1:k1:looks-encrypted"])
def test_edge_values_round_trip_and_never_show_in_the_stored_form(text):
    stored = cipher(K1).encrypt(text, context=CONTEXT)
    assert cipher(K1).decrypt(stored, context=CONTEXT) == text
    if len(text) >= 3:
        assert text not in stored.removeprefix("enc:v1:k1:")


def test_each_encryption_uses_a_fresh_nonce():
    values = {cipher(K1).encrypt("same@example.com", context=CONTEXT) for _ in range(50)}
    assert len(values) == 50


def test_a_changed_byte_is_refused_not_decrypted_into_garbage():
    stored = cipher(K1).encrypt("ali@example.com", context=CONTEXT)
    head, data = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        changed = raw.copy()
        changed[position] ^= 0x01
        tampered = f"{head}:{base64.urlsafe_b64encode(bytes(changed)).decode().rstrip('=')}"
        with pytest.raises(DecryptionError, match="integrity check"):
            cipher(K1).decrypt(tampered, context=CONTEXT)


def test_a_value_copied_to_another_row_or_column_is_refused():
    stored = cipher(K1).encrypt("ali@example.com", context="users.email:u1")
    with pytest.raises(DecryptionError, match=r"users\.email:u2.*copied from another row or column"):
        cipher(K1).decrypt(stored, context="users.email:u2")
    with pytest.raises(DecryptionError, match="integrity check"):
        cipher(K1).decrypt(stored, context="users.name:u1")


def test_a_header_edited_to_name_another_key_is_refused():
    # Both keys are in the ring; the key id is part of the associated data, so relabelling fails too.
    stored = cipher(K1, K2).encrypt("ali@example.com", context=CONTEXT)
    relabelled = stored.replace("enc:v1:k1:", "enc:v1:k2:")
    with pytest.raises(DecryptionError, match="integrity check"):
        cipher(K1, K2).decrypt(relabelled, context=CONTEXT)


def test_a_value_under_a_key_no_longer_in_the_ring_names_the_key():
    stored = cipher(K1).encrypt("ali@example.com", context=CONTEXT)
    with pytest.raises(DecryptionError, match=r"key 'k1', which is not in PUNCH_DATA_KEYS \(it has k2\)") as caught:
        cipher(K2).decrypt(stored, context=CONTEXT)
    assert "ali" not in str(caught.value)


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("enc:v2:k1:AAAA", "format"),
        ("enc:v1:k1", "format"),
        ("enc:v1:k1:AAAA", "cut short"),
        ("enc:v1:k1:!!!not base64!!!", "cut short or not base64"),
    ],
)
def test_malformed_encrypted_values_are_refused(stored, message):
    with pytest.raises(DecryptionError, match=message):
        cipher(K1).decrypt(stored, context=CONTEXT)


def test_legacy_plain_text_reads_as_it_is():
    assert cipher(K1).decrypt("ali@example.com", context=CONTEXT) == "ali@example.com"
    assert not cipher(K1).is_current("ali@example.com")


def test_rotation_order_newest_writes_every_key_reads():
    old = cipher(K1).encrypt("ali@example.com", context=CONTEXT)
    rotated = cipher(K2, K1)  # k2 added in front
    new = rotated.encrypt("ali@example.com", context=CONTEXT)
    assert new.startswith("enc:v1:k2:")
    assert rotated.decrypt(old, context=CONTEXT) == rotated.decrypt(new, context=CONTEXT) == "ali@example.com"
    assert rotated.is_current(new)
    assert not rotated.is_current(old)
    assert cipher(K2).decrypt(new, context=CONTEXT) == "ali@example.com"  # k1 removed after re-encryption


def test_the_ring_parses_newest_first_in_standard_or_url_safe_base64():
    text = f" k2:{b64(K2.secret)} , k1:{base64.urlsafe_b64encode(K1.secret).decode().rstrip('=')} "
    ring = KeyRing.parse(text)
    assert ring.keys == (K2, K1)
    assert ring.newest == K2
    assert KeyRing.parse(ring.to_text()) == ring


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "PUNCH_DATA_KEYS must be one or more ID:BASE64 keys"),
        (" , ", "PUNCH_DATA_KEYS must be one or more ID:BASE64 keys"),
        (b64(bytes(32)), "entry 1 without ':'"),
        (f"k 1:{b64(bytes(32))}", "key ids of 1-32 letters"),
        (f"k1:{b64(bytes(32))},k1:{b64(bytes(range(32)))}", "key id 'k1' twice"),
        ("k1:not*base64", r"entry 1 \(k1\) that is not base64"),
        (f"k1:{b64(bytes(32))},k0:{b64(bytes(16))}", r"keys of 32 bytes for AES-256.*entry 2 \(k0\) of 16 bytes"),
    ],
)
def test_a_bad_ring_is_refused_naming_the_variable_and_never_the_key(text, message):
    with pytest.raises(ValidationError, match=message) as caught:
        KeyRing.parse(text)
    assert str(caught.value).startswith("PUNCH_DATA_KEYS must be")
    secret = text.partition(":")[2].split(",")[0]
    if len(secret) > 8:
        assert secret not in str(caught.value)


def test_a_key_never_shows_in_repr():
    assert b64(K1.secret) not in repr(KeyRing((K1,)))
    assert repr(K1.secret) not in repr(K1)


def test_the_key_file_is_made_once_private_and_reused(tmp_path):
    path = tmp_path / "data" / "data.keys"
    ring, created = load_or_create_key_file(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_key_file(path)
    assert (again, created_again) == (ring, False)
    assert [p.name for p in path.parent.iterdir()] == ["data.keys"]  # no temporary file left behind


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "data.keys"
    barrier = threading.Barrier(8)
    rings: list[KeyRing] = []

    def start() -> None:
        barrier.wait()
        rings.append(load_or_create_key_file(path)[0])

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rings) == 8
    assert all(ring == rings[0] for ring in rings)


def test_a_damaged_key_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "data.keys"
    path.write_text("k1:c2hvcnQ=\n")  # base64 of 5 bytes
    os.chmod(path, 0o600)
    with pytest.raises(ValidationError, match=f"{path} must be keys of 32 bytes"):
        load_or_create_key_file(path)
