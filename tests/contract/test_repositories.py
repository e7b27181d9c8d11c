"""The repository contracts, run against every adapter: memory, SQLite (a migrated temp file), PostgreSQL.

SQL schemas are migrated once per session with ``migrate.upgrade`` (so these tests also run the migrations), and
the SQL repositories encrypt PII as the service's do (AES-256-GCM, ``test_encryption_at_rest.py``);
tables are emptied before each test. PostgreSQL skips when it is not reachable (fails under ``CI=true``).
Select one adapter with ``-k memory``, ``-k sqlite`` or ``-k postgresql``.
"""

from __future__ import annotations

import pytest

from punch_adapters.crypto.aesgcm import AesGcmFieldCipher, DataKey, KeyRing
from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.sql import migrate
from punch_adapters.sql.engine import make_engine
from punch_adapters.sql.repositories import SqlRepositories
from tests.contract.repository_contracts import (
    AnalysisRepositoryContract,
    RefreshTokenRepositoryContract,
    ReportRepositoryContract,
    ShareLinkRepositoryContract,
    StampRepositoryContract,
    UploadRepositoryContract,
    UserRepositoryContract,
    VideoRepositoryContract,
)
from tests.contract.sql_databases import clean_tables, postgres_schema
from tests.support.services import POSTGRES_URL, require_service

CIPHER = AesGcmFieldCipher(KeyRing((DataKey.generate("contract"),)))


@pytest.fixture(scope="session")
def sqlite_repositories(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('sql') / 'punch.db'}"
    migrate.upgrade(url)
    repositories = SqlRepositories.from_engine(make_engine(url, busy_timeout_s=60.0), cipher=CIPHER)
    yield repositories
    repositories.dispose()


@pytest.fixture(scope="session")
def postgresql_repositories():
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    with postgres_schema(POSTGRES_URL, "contract") as url:
        migrate.upgrade(url)
        repositories = SqlRepositories.from_engine(make_engine(url, pool_size=10), cipher=CIPHER)
        yield repositories
        repositories.dispose()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def repos(request):
    if request.param == "memory":
        return MemoryRepositories.create()
    repositories = request.getfixturevalue(f"{request.param}_repositories")
    clean_tables(repositories.engine)
    return repositories


class TestUserRepository(UserRepositoryContract):
    pass


class TestRefreshTokenRepository(RefreshTokenRepositoryContract):
    pass


class TestUploadRepository(UploadRepositoryContract):
    pass


class TestVideoRepository(VideoRepositoryContract):
    pass


class TestAnalysisRepository(AnalysisRepositoryContract):
    pass


class TestStampRepository(StampRepositoryContract):
    pass


class TestReportRepository(ReportRepositoryContract):
    pass


class TestShareLinkRepository(ShareLinkRepositoryContract):
    pass
