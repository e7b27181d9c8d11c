"""AES-256-GCM for single stored values, under a key ring whose newest key encrypts and every key decrypts.

Stored form: ``enc:v1:<key id>:<base64url(nonce || ciphertext || tag)>``, with a random 96-bit nonce per value.
The associated data is ``punch:v1:<key id>:<context>``, so a value only decrypts in the place it was written
(``users.email:<user id>``) and under the key id its header names: a ciphertext copied into another row or
column, or a header edited to another key, fails the GCM tag check instead of decrypting. 2^32 values per key
keep random-nonce collisions negligible (NIST SP 800-38D, 8.3); rotate long before that.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from punch_core.errors import ValidationError
from punch_core.ports.crypto import ENCRYPTED_PREFIX, FieldCipher

#: The environment variable the key ring comes from.
ENV_VARIABLE = "PUNCH_DATA_KEYS"
FORMAT_VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, GCM's native nonce size
TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_HOW_TO_MAKE = "openssl rand -base64 32"


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted: changed, copied from another row or column, or under a key that is gone.

    The message names where the value is stored and the key id, never the value.
    """


@attrs.frozen(kw_only=True)
class DataKey:
    """One AES-256 key and its id (the id is written into every value it encrypts)."""

    key_id: str
    secret: bytes = attrs.field(repr=False)

    @classmethod
    def generate(cls, key_id: str) -> DataKey:
        """A new random key from the operating system's random source."""
        return cls(key_id=key_id, secret=os.urandom(KEY_BYTES))

    def to_text(self) -> str:
        """``id:base64``, the form ``PUNCH_DATA_KEYS`` takes."""
        return f"{self.key_id}:{base64.b64encode(self.secret).decode('ascii')}"


@attrs.frozen
class KeyRing:
    """Data keys, newest first: the newest encrypts, every one decrypts."""

    keys: tuple[DataKey, ...]

    @classmethod
    def parse(cls, text: str, *, variable: str = ENV_VARIABLE) -> KeyRing:
        """Read ``id:base64`` entries separated by commas, newest first (``k2:AAAA...,k1:BBBB...``).

        Base64 may be standard or URL-safe, padded or not. Error messages name ``variable`` and the entry, never the
        key material.

        Raises:
            ValidationError: for an empty ring, an entry without ``:``, a bad or repeated id, text that is not
                base64, or a key that is not 32 bytes.
        """
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        if not entries:
            raise ValidationError(variable, "nothing", f"one or more ID:BASE64 keys, newest first ({_HOW_TO_MAKE})")
        keys: list[DataKey] = []
        for number, entry in enumerate(entries, start=1):
            key_id, colon, encoded = entry.partition(":")
            key_id, encoded = key_id.strip(), encoded.strip()
            if not colon:
                raise ValidationError(variable, f"entry {number} without ':'", "comma-separated ID:BASE64 entries")
            if not _KEY_ID.fullmatch(key_id):
                raise ValidationError(
                    variable, f"entry {number} with id {key_id[:40]!r}", "key ids of 1-32 letters, digits, - or _"
                )
            if any(key.key_id == key_id for key in keys):
                raise ValidationError(variable, f"key id {key_id!r} twice", "one entry per key id")
            try:
                secret = _b64decode(encoded)
            except ValueError:
                raise ValidationError(
                    variable, f"entry {number} ({key_id}) that is not base64", f"base64 keys ({_HOW_TO_MAKE})"
                ) from None
            if len(secret) != KEY_BYTES:
                raise ValidationError(
                    variable,
                    f"entry {number} ({key_id}) of {len(secret)} bytes",
                    f"keys of {KEY_BYTES} bytes for AES-256 ({_HOW_TO_MAKE})",
                )
            keys.append(DataKey(key_id=key_id, secret=secret))
        return cls(tuple(keys))

    @property
    def newest(self) -> DataKey:
        """The key new values are encrypted with."""
        return self.keys[0]

    def to_text(self) -> str:
        """The ring in ``PUNCH_DATA_KEYS`` form."""
        return ",".join(key.to_text() for key in self.keys)


class AesGcmFieldCipher(FieldCipher):
    """The ``FieldCipher`` port on AES-256-GCM (``cryptography``'s AESGCM), over a :class:`KeyRing`."""

    def __init__(self, ring: KeyRing) -> None:
        if not ring.keys:
            raise ValueError("a key ring needs at least one key")
        self._newest = ring.newest.key_id
        self._aeads = {key.key_id: AESGCM(key.secret) for key in ring.keys}
        self._header = f"{ENCRYPTED_PREFIX}{FORMAT_VERSION}:"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the ring, newest first."""
        return tuple(self._aeads)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """``enc:v1:<newest key id>:<base64url(nonce || ciphertext || tag)>`` bound to ``context``."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self._newest].encrypt(nonce, plaintext.encode("utf-8"), _aad(self._newest, context))
        return f"{self._header}{self._newest}:{_b64encode(nonce + sealed)}"

    def decrypt(self, stored: str, *, context: str) -> str:
        """The plaintext of ``stored`` (a value without the ``enc:`` prefix is legacy plain text, returned as is).

        Raises:
            DecryptionError: for an unknown format version, a key id not in the ring, or a value that fails the
                integrity check (changed, or written under another context).
        """
        if not stored.startswith(ENCRYPTED_PREFIX):
            return stored
        version, _, rest = stored[len(ENCRYPTED_PREFIX) :].partition(":")
        key_id, _, data = rest.partition(":")
        if version != FORMAT_VERSION or not key_id or not data:
            raise DecryptionError(
                f"the value of {context} is not in a format this version reads (enc:{FORMAT_VERSION}:<key id>:<data>)"
            )
        aead = self._aeads.get(key_id)
        if aead is None:
            raise DecryptionError(
                f"the value of {context} is encrypted under key {key_id!r}, which is not in {ENV_VARIABLE} "
                f"(it has {', '.join(self._aeads)}): put that key back at the end of the ring"
            )
        try:
            raw = _b64decode(data)
        except ValueError:
            raw = b""
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"the value of {context} under key {key_id!r} is cut short or not base64")
        try:
            plaintext = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, context))
        except InvalidTag:
            raise DecryptionError(
                f"the value of {context} under key {key_id!r} fails its integrity check: it was changed, or copied "
                "from another row or column"
            ) from None
        return plaintext.decode("utf-8")

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is encrypted under the newest key."""
        return stored.startswith(f"{self._header}{self._newest}:")


def _aad(key_id: str, context: str) -> bytes:
    return f"punch:{FORMAT_VERSION}:{key_id}:{context}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not. Raises ``ValueError`` (``binascii.Error`` is one)."""
    normalised = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None
