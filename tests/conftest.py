"""Shared fixtures: where ../shared is, and a skip with a reason when it is absent."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder beside the checkout; skips the test when it is absent."""
    if not (SHARED / "media").is_dir():
        pytest.skip(f"needs the shared data folder at {SHARED} (real clips and landmarks); it is absent here")
    return SHARED


# Every process the test run starts carries this mark in its environment (children inherit it); whatever still
# carries it when the run ends outlived the test that started it (issue 25: a SeaweedFS and a clamd once did).
RUN_MARK = "PUNCH_TEST_RUN"
LEFTOVER_GRACE_S = 5.0
_EXIT_WITH_US = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def _marked_processes(mark: str) -> dict[int, str]:
    """Processes (pid -> command line) whose environment holds ``RUN_MARK=mark``, other than this one."""
    needle = f"{RUN_MARK}={mark}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            status, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if status == "Z":
            continue  # a zombie has exited; only its parent's wait is missing
        if int(ppid) == os.getpid() and any(helper in command for helper in _EXIT_WITH_US):
            continue  # multiprocessing's helpers read a pipe from this process and end when it does
        found[int(entry.name)] = command or entry.name
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    """Mark the run's environment, so every process it starts can be found at the end."""
    if not hasattr(session.config, "workerinput"):  # pytest-xdist workers inherit the controller's mark
        os.environ.setdefault(RUN_MARK, f"{os.getpid()}-{time.time_ns()}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a process it started outlives it (killed, so it does not linger either)."""
    mark = os.environ.get(RUN_MARK)
    if mark is None or hasattr(session.config, "workerinput") or not Path("/proc/self/environ").exists():
        return
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while (left := _marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.2)  # a server told to stop may take a moment to exit
    if not left:
        return
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    lines = "\n".join(f"  pid {pid}: {command}" for pid, command in sorted(left.items()))
    sys.stderr.write(f"\nprocesses started by the test run outlived it (now killed):\n{lines}\n")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
