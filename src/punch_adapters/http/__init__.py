"""The HTTP API on Litestar: ``/api/v1``, OpenAPI at ``/schema``, the share pages, ``/metrics``."""
