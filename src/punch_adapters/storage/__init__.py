"""Object storage through fsspec: a local folder (the default), S3 through s3fs, or memory.

``FsspecObjectStore`` implements the ``ObjectStore`` port on any of them; build one with ``local_store``,
``memory_store``, ``s3_store`` or, from settings, ``store_from_url``.
"""

from punch_adapters.storage.factories import local_store, memory_store, s3_store, store_from_url
from punch_adapters.storage.store import FsspecObjectStore

__all__ = ["FsspecObjectStore", "local_store", "memory_store", "s3_store", "store_from_url"]
