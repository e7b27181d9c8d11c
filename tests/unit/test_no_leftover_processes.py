"""The test run fails when a process it started outlives it (tests/conftest.py, issue 25 item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, test_body: str) -> pytest.RunResult:
    monkeypatch.delenv("PUNCH_TEST_RUN", raising=False)  # the inner run marks its own processes
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_inner=test_body)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")


def test_a_server_left_running_fails_the_run_and_is_killed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = pytester.path / "pid"
    result = _run(
        pytester,
        monkeypatch,
        f"""
import subprocess, sys
def test_starts_a_server():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    open({str(pid_file)!r}, "w").write(str(proc.pid))
""",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stderr.fnmatch_lines(["*processes started by the test run outlived it (now killed):*", "*time.sleep(120)*"])
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]


def test_a_run_that_stops_what_it_starts_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(
        pytester,
        monkeypatch,
        """
import subprocess, sys
def test_starts_and_stops_a_server():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    proc.terminate()
    proc.wait()
""",
    )
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    assert "outlived" not in result.stderr.str()
