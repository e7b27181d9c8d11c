"""Application-level encryption of stored values: AES-256-GCM (``cryptography``) under a rotating key ring.

``KeyRing.parse`` reads ``PUNCH_DATA_KEYS`` (``id:base64`` entries, newest first); ``AesGcmFieldCipher`` is the
``FieldCipher`` port over it; ``key_file`` keeps the embedded default's key ring in the data folder.
"""
