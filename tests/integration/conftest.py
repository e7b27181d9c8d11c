"""Fixtures shared by integration test modules."""

from tests.integration.test_upload_api import make_api  # noqa: F401 - a fixture, re-exported for test_upload_fuzz
