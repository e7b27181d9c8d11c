"""The embedded default's key ring: made once in the data folder (mode 0600), read on every later start."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from punch_adapters.crypto.aesgcm import DataKey, KeyRing

#: The key file's name inside ``PUNCH_DATA_DIR``.
KEY_FILE_NAME = "data.keys"


def load_or_create_key_file(path: Path, *, key_id: str = "k1") -> tuple[KeyRing, bool]:
    """The key ring kept at ``path`` (``PUNCH_DATA_KEYS`` form), made with one new key if the file is missing.

    The file appears whole or not at all (written aside, then hard-linked into place), and only one of several
    processes starting together creates it: the others read the winner's, so nothing is ever encrypted under a
    key that is then lost. To rotate, put a new ``id:base64`` entry in front of the file's text.

    Returns:
        The ring, and whether this call created the file.

    Raises:
        ValidationError: if the file exists but does not hold a valid ring (naming the file).
        OSError: if the folder cannot be written.
    """
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = KeyRing((DataKey.generate(key_id),)).to_text() + "\n"
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".data-keys-")
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                os.fchmod(file.fileno(), 0o600)  # mkstemp's default too; said here because it matters
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                os.link(temporary, path)
                created = True
        finally:
            Path(temporary).unlink(missing_ok=True)
    return KeyRing.parse(path.read_text(encoding="ascii"), variable=str(path)), created
