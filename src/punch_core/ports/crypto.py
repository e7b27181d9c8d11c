"""Encrypting single stored values at rest."""

from __future__ import annotations

from typing import Protocol

#: How every encrypted stored value begins (``FieldCipher``); anything else is plain text from before encryption.
ENCRYPTED_PREFIX = "enc:"


class FieldCipher(Protocol):
    """Encrypts single stored values (a user's email, name) at rest, each bound to the place it is stored.

    ``context`` names that place (``users.email:<user id>``): a value decrypts only under the context it was
    encrypted with, so a ciphertext copied into another row or column is refused. Decrypting a value that is not
    in the cipher's format returns it unchanged (rows written before encryption was switched on); decrypting a
    tampered value, or one under a key the cipher no longer has, raises (never returns garbage). That error is
    the operator's (wrong keys), not the user's, so it is not a ``PunchError``. Encrypted values start with
    :data:`ENCRYPTED_PREFIX`; a stored value without it is plain text written before encryption was switched on.
    """

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """The stored form of ``plaintext``, under the newest key."""
        ...

    def decrypt(self, stored: str, *, context: str) -> str:
        """The plaintext of a stored value (legacy plain text comes back as it is)."""
        ...

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is encrypted under the newest key (key rotation skips those)."""
        ...
