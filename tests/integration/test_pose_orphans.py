"""Pose worker processes stop when the process that started them is killed outright (a job runner SIGKILLed
mid-job), instead of running their segments to the end while the job runs again elsewhere."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from scripts.run_prod_local import kill_marked, marked_processes

from tests.integration.test_video_adapter import _encode

ROOT = Path(__file__).resolve().parents[2]
MARK = "PUNCH_TEST_POSE_ORPHANS"
# Runs the parallel pose stage on the video and says when both workers are under way.
RUNNER = """
import sys
from punch_adapters.pose.mediapipe_pose import MediaPipePoseEstimator
from punch_adapters.pose.video import OpenCvFrameSource

if __name__ == "__main__":
    path = sys.argv[1]
    info = OpenCvFrameSource().probe(path)
    said = []

    def progress(share):
        if share > 0.05 and not said:
            said.append(1)
            print("under way", flush=True)

    with MediaPipePoseEstimator(workers=2) as pose:
        pose.people_track(path, info, max_people=1, progress=progress)
    print("finished", flush=True)
"""


def test_pose_workers_stop_soon_after_their_parent_is_killed(tmp_path: Path) -> None:
    # 90 s of empty 320x240 frames: each worker's half takes far longer than the test waits for it to stop.
    video = _encode(tmp_path / "long.mp4", seconds=90.0)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    session = uuid.uuid4().hex
    env = {**os.environ, MARK: session, "PYTHONPATH": str(ROOT / "src")}
    parent = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(runner), str(video)], env=env, stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().decode().strip()
        assert line == "under way", f"the pose stage did not start: {line!r} (exit {parent.poll()})"
        workers = [pid for pid in marked_processes(MARK, session) if pid != parent.pid]
        assert len(workers) >= 2, workers  # the two pose workers (and multiprocessing's resource tracker)

        parent.send_signal(signal.SIGKILL)
        parent.wait()
        started = time.monotonic()
        while _alive(workers) and time.monotonic() - started < 10:
            time.sleep(0.2)
        left = _alive(workers)
        print(f"\npose workers gone {time.monotonic() - started:.1f} s after their parent was killed")
        assert not left, f"pose workers {left} still run {time.monotonic() - started:.0f} s after their parent died"
    finally:
        kill_marked(MARK, session)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def _alive(pids: list[int]) -> list[int]:
    """The pids still running (not gone, not zombies)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive
