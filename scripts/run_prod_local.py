"""The production topology on one machine, for testing: `make run-prod-local`.

Starts, with configuration only through environment variables (as in production):
  - an S3 server on 127.0.0.1:9000: SeaweedFS (`weed mini`), with its objects on disk in the data folder's s3/
    (or PUNCH_LOCAL_S3_DIR), so that they outlive a restart as the database rows do,
  - 2 ARQ workers (`punch worker`),
  - the API with 2 processes (`punch serve --workers 2`) on http://127.0.0.1:8000,
against PostgreSQL (database `punch_local`, or PUNCH_LOCAL_DATABASE; created if missing) and Redis (db 1, or
PUNCH_LOCAL_REDIS) on 127.0.0.1, with local files in .local-prod (or PUNCH_LOCAL_DATA_DIR).
The local login stays on (PUNCH_ENV is not "production") so that load tests can sign in without a provider.
Ctrl-C stops everything. Options: --api-workers N --workers N --worker-nice N --port P --s3-port P --proxy-headers.
The workers run at niceness 10: on one machine, analyses take the cores the API's requests leave.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make `scripts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.seaweedfs import start_seaweedfs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("PUNCH_LOCAL_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("PUNCH_LOCAL_REDIS", "redis://127.0.0.1:6379/1")
S3_PORT = 9000
BUCKET = "punch-local"
S3_KEY = "local"  # the local S3 server's only credentials
DATA_DIR = Path(os.environ.get("PUNCH_LOCAL_DATA_DIR", str(ROOT / ".local-prod")))
S3_DIR = Path(os.environ.get("PUNCH_LOCAL_S3_DIR", str(DATA_DIR / "s3")))


def ensure_database(name: str) -> str:
    """Create the database if it is missing; returns its URL."""
    import psycopg  # noqa: PLC0415

    plain = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def wait_for(url: str, timeout_s: float = 60.0) -> None:
    """Wait until ``url`` answers (any status)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own loopback URL
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout_s:.0f} s")


def stop_all(procs: list[subprocess.Popen[bytes]], *, timeout_s: float) -> None:
    """Stop each process's group: SIGTERM to all (last started first), then SIGKILL.

    A group still running ``timeout_s`` after the SIGTERMs (in all, not per process) is killed.
    """
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def marked_processes(name: str, value: str) -> list[int]:
    """The pids of live processes whose environment has ``name=value``.

    Every process a topology starts inherits its environment: with a marker there, a test or benchmark can clean
    up after a topology that could not stop its children.
    """
    marker = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours to read
                continue
    return found


def kill_marked(name: str, value: str) -> None:
    """SIGKILL every live process marked ``name=value`` (see :func:`marked_processes`)."""
    for pid in marked_processes(name, value):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def nice_session(pid: int, nice: int) -> bool:
    """Give the session of ``pid`` (Linux's autogroup) the CPU weight of ``nice``; False where there is none.

    With autogroup scheduling on (``/proc/sys/kernel/sched_autogroup_enabled``, the default of most desktop and
    many server kernels), the scheduler first shares the cores equally between sessions, and only then between
    the processes of one session by their nice values. Each process of the topology starts its own session (so
    that it can be stopped as a group), so a worker's nice alone changed nothing against the API: its session
    got as much CPU as each API process's. The session's own nice does.
    """
    try:
        Path(f"/proc/{pid}/autogroup").write_text(f"{nice}\n", encoding="ascii")
    except OSError:  # no autogroup support (or not Linux): the processes' nice values are all there is
        return False
    return True


def topology_env(port: int, s3_port: int = S3_PORT) -> dict[str, str]:
    """The environment every process of the topology gets (creates the database if missing)."""
    return {
        **os.environ,
        "PUNCH_DATA_DIR": str(DATA_DIR),
        "PUNCH_DATABASE_URL": ensure_database(os.environ.get("PUNCH_LOCAL_DATABASE", "punch_local")),
        "PUNCH_REDIS_URL": REDIS,
        "PUNCH_QUEUE_NAME": "punch:local",
        "PUNCH_STORAGE_URL": f"s3://{BUCKET}/objects",
        "PUNCH_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "PUNCH_S3_REGION": "eu-west-1",
        # Browsers on this machine play videos straight from the S3 server (signed URLs), as in production.
        "PUNCH_MEDIA_DIRECT": os.environ.get("PUNCH_MEDIA_DIRECT", "true"),
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_KEY,
        "PUNCH_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PUNCH_JWT_KEYS": os.environ.get("PUNCH_JWT_KEYS", "local-prod-key-" + "k" * 40),
        "PUNCH_POSE_WORKERS": "1",  # one pose process per worker: the workers share the cores
    }


def main() -> int:
    """Start the topology and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--s3-port", type=int, default=S3_PORT)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="CPU niceness of the workers (0-19), so that analyses do not slow the API on a shared machine",
    )
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="believe X-Forwarded-For from 127.0.0.1, as behind a reverse proxy (load tests use it)",
    )
    args = parser.parse_args()
    # Stopped by a supervisor (SIGTERM) as by Ctrl-C: the finally block below stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    endpoint = f"http://127.0.0.1:{args.s3_port}"
    env = topology_env(args.port, args.s3_port)
    procs: list[subprocess.Popen[bytes]] = []

    def start(*command: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(command), env=env, start_new_session=True)  # noqa: S603 - our own tools
        procs.append(proc)
        return proc

    try:
        procs.append(start_seaweedfs(S3_DIR, s3_port=args.s3_port, key=S3_KEY, secret=S3_KEY, bucket=BUCKET))
        subprocess.run([str(BIN / "punch"), "db", "upgrade"], env=env, check=True)  # noqa: S603
        for _ in range(args.workers):
            # Batch work yields the cores to the API's requests (on their own machines, workers need no nice).
            worker = start("nice", "-n", str(args.worker_nice), str(BIN / "punch"), "worker")
            nice_session(worker.pid, args.worker_nice)
        serve = [str(BIN / "punch"), "serve", "--port", str(args.port), "--workers", str(args.api_workers)]
        start(*serve, *(["--proxy-headers"] if args.proxy_headers else []))
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        database = env["PUNCH_DATABASE_URL"].rsplit("/", 1)[-1]
        sys.stderr.write(
            f"\nproduction topology up: API http://127.0.0.1:{args.port} ({args.api_workers} processes), "
            f"{args.workers} workers, PostgreSQL {database}, Redis {REDIS}, S3 {endpoint}. Ctrl-C stops.\n"
        )
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        sys.stderr.write("a process stopped; stopping the others\n")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(procs, timeout_s=20)


if __name__ == "__main__":
    raise SystemExit(main())
