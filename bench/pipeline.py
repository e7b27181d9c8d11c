"""`punch analyze` on a 3-minute 720p 30 fps video at both pose rates, against a plain single-process pose loop.

Usage: .venv/bin/python bench/pipeline.py [--seconds 180] [--workers N]

Builds (once, cached in .bench_cache/) a portrait 720x1280 30 fps H.264 montage of the given length from the
shadowcoach clips in ../shared/media, then in one run, side by side:
  1. the plain loop: one process, one VIDEO-mode PoseLandmarker, every frame decoded, halved if large, converted
     and inferred (what a straightforward implementation costs);
  2. `punch analyze --pose-rate full` and `punch analyze --pose-rate adaptive` as child processes, timed, with
     their CPU seconds (the whole process tree) and the peak memory of the tree sampled from /proc;
  3. the adaptive policy's floor: the pose stage alone, in the same worker processes and segments, inferring the
     base frames only (no fast span filled): what any policy with this base rate costs before the first punch.
Prints, for each: wall time, CPU seconds, frames inferred; for the two analyses their peak RSS and the detection
figures on the montage, whose strikes are labelled (each clip's labels in bench/labels/, shifted to where the clip
sits in the montage), and how much each strike's peak speed changed between the two rates.
Goals (issue 27): adaptive wall <= 0.35 x the plain loop; strike recall, precision and type within 0.01 of full;
peak speeds within 5%; peak memory no higher than full's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.accuracy import stamps_as_events  # noqa: E402 - after the path
from bench.corpus import Clip, source_of  # noqa: E402
from bench.labels import read_labels  # noqa: E402
from bench.scoring import Event, Tally, score_clip  # noqa: E402

SHARED = ROOT.parent / "shared" / "media" / "shadowcoach"
CACHE = ROOT / ".bench_cache"
SIZE = (720, 1280)
FPS = 30
WALL_GOAL = 0.35
FIGURE_TOLERANCE = 0.01
SPEED_TOLERANCE = 0.05


def montage_clips() -> list[Path]:
    """The clips the montage is made of, in order."""
    return sorted((SHARED / "jab").glob("*.mp4")) + sorted((SHARED / "non_jab").glob("*.mp4"))


def build_video(seconds: int) -> Path:
    """Concatenate the shadowcoach clips (60 fps -> 30 fps, scaled to 720x1280) up to ``seconds``."""
    import av  # noqa: PLC0415
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    out = CACHE / f"round_{seconds}s_720p30.mp4"
    if out.exists():
        return out
    clips = montage_clips()
    if not clips:
        sys.exit(f"needs the shadowcoach clips in {SHARED} (the ../shared folder beside the project)")
    CACHE.mkdir(exist_ok=True)
    target = seconds * FPS
    written = 0
    tmp = out.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as box:
        stream = box.add_stream("libx264", rate=Fraction(FPS, 1))
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        while written < target:
            for clip in clips:
                cap = cv2.VideoCapture(str(clip))
                step = max(1, round((cap.get(cv2.CAP_PROP_FPS) or FPS) / FPS))
                i = 0
                while written < target:
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    if i % step == 0:
                        rgb = np.asarray(
                            cv2.cvtColor(cv2.resize(bgr, SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB),
                            dtype=np.uint8,
                        )
                        for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                            box.mux(packet)
                        written += 1
                    i += 1
                cap.release()
                if written >= target:
                    break
        for packet in stream.encode():
            box.mux(packet)
    tmp.rename(out)
    return out


def montage_labels(seconds: int) -> list[Event]:
    """The montage's labelled events: each clip's labels shifted to where :func:`build_video` put the clip."""
    import cv2  # noqa: PLC0415

    events: list[Event] = []
    written, target = 0, seconds * FPS
    while written < target:
        for clip in montage_clips():
            cap = cv2.VideoCapture(str(clip))
            clip_fps = cap.get(cv2.CAP_PROP_FPS) or FPS
            step = max(1, round(clip_fps / FPS))
            frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            cap.release()
            kept = min(-(-frames // step), target - written)
            offset = written / FPS
            rel = clip.relative_to(ROOT.parent / "shared" / "media").as_posix()
            labelled = Clip(path=rel, source=source_of(rel))
            doc = read_labels(labelled.label_file, labelled)
            shown_s = kept * step / clip_fps
            events.extend(
                attrs.evolve(
                    e, t_peak_s=offset + e.t_peak_s, t_start_s=offset + e.t_start_s, t_end_s=offset + e.t_end_s
                )
                for e in doc.events
                if e.t_peak_s < shown_s
            )
            written += kept
            if written >= target:
                break
    return events


def plain_loop(video: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and frames of the plain single-process pose loop over the whole video."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    from punch_adapters.pose.mediapipe_pose import _landmarker, _mp_image, _shrink  # noqa: PLC0415

    started, cpu = time.perf_counter(), time.process_time()
    frames = 0
    cap = cv2.VideoCapture(str(video))
    try:
        with _landmarker(video=True, num_poses=1) as landmarker:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                small = _shrink(np.asarray(bgr, dtype=np.uint8))
                rgb = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), dtype=np.uint8)
                landmarker.detect_for_video(_mp_image(rgb), round(frames * 1000 / FPS))
                frames += 1
    finally:
        cap.release()
    return time.perf_counter() - started, time.process_time() - cpu, frames


def _base_frames_only(segment: tuple[str, int, int, float, int]) -> tuple[float, int]:
    """One worker of :func:`base_floor`: a segment's base frames inferred, no span filled (CPU seconds, frames)."""
    from punch_adapters.pose import mediapipe_pose  # noqa: PLC0415

    # Measurement only: the span trigger is switched off in this worker process, nowhere else.
    def never(before: mediapipe_pose.PoseRecord, after: mediapipe_pose.PoseRecord) -> bool:
        return False

    mediapipe_pose._fast = never
    path, start, stop, fps, stride = segment
    cpu = time.process_time()
    frames = sum(1 for _ in mediapipe_pose._segment(path, start, stop, 1, fps, stride))
    return time.process_time() - cpu, frames


def base_floor(video: Path, workers: int, n_frames: int) -> tuple[float, float, int]:
    """Wall, CPU seconds and frames of the pose stage inferring only the adaptive rate's base frames."""
    import multiprocessing as mp  # noqa: PLC0415

    from punch_adapters.pose.adaptive import base_stride  # noqa: PLC0415
    from punch_adapters.pose.mediapipe_pose import plan_segments  # noqa: PLC0415

    segments = [(str(video), a, b, float(FPS), base_stride(FPS)) for a, _, b in plan_segments(n_frames, workers)]
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(len(segments)) as pool:
        parts = pool.map(_base_frames_only, segments)
    return time.perf_counter() - started, sum(c for c, _ in parts), sum(n for _, n in parts)


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(stat[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def analyze(video: Path, rate: str, workers: int) -> dict[str, Any]:
    """``punch analyze`` at one pose rate as a child process: wall, CPU seconds, peak RSS of its tree, its report."""
    peak = 0
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "punch_app.cli", "analyze", str(video), "--height-cm", "175", "--out", out]
        cmd += ["--workers", str(workers), "--pose-rate", rate]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)  # noqa: S603 - our own CLI
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss_bytes(proc.pid))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        wall_s = time.perf_counter() - started
        stop.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"punch analyze failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
        report = json.loads((Path(out) / "report.json").read_text(encoding="utf-8"))
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall_s, "cpu_s": cpu_s, "peak": peak, "report": report}


def _speeds(found: list[Event]) -> dict[float, float]:
    return {round(e.t_peak_s, 1): float(e.peak_speed_mps) for e in found if e.family == "strike" and e.peak_speed_mps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    from punch_adapters.pose.mediapipe_pose import available_cores  # noqa: PLC0415

    cores = args.workers or available_cores()
    video = build_video(args.seconds)
    labels = montage_labels(args.seconds)
    plain_wall, plain_cpu, frames = plain_loop(video)
    runs = {rate: analyze(video, rate, cores) for rate in ("full", "adaptive")}
    floor_wall, floor_cpu, floor_frames = base_floor(video, cores, frames)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"video: {video.name} ({frames} frames, {SIZE[0]}x{SIZE[1]} @ {FPS} fps); {len(labels)} labelled events")
    print(f"{'':24}{'wall s':>8}{'x plain':>9}{'CPU s':>8}{'inferred':>10}{'peak RSS':>10}")
    print(f"{'plain loop (1 process)':24}{plain_wall:8.1f}{1.0:9.2f}{plain_cpu:8.1f}{frames:10d}{'':>10}")
    tallies: dict[str, Tally] = {}
    speeds: dict[str, dict[float, float]] = {}
    for rate, run in runs.items():
        report = run["report"]
        inferred = int(report["video"].get("pose_frames", frames))
        name = f"punch analyze, {rate}"
        print(
            f"{name:24}{run['wall_s']:8.1f}{run['wall_s'] / plain_wall:9.2f}{run['cpu_s']:8.1f}{inferred:10d}"
            f"{run['peak'] / 2**20:8.0f} M"
        )
        found = [e for e in stamps_as_events(report["stamps"]) if e.family in ("strike",)]
        tallies[rate] = score_clip(labels, found, ("strike",))
        speeds[rate] = _speeds(found)
    name = "base frames only (pose)"
    print(f"{name:24}{floor_wall:8.1f}{floor_wall / plain_wall:9.2f}{floor_cpu:8.1f}{floor_frames:10d}{'':>10}")
    print(
        f"  the goal leaves {WALL_GOAL * plain_wall - floor_wall:.1f} s above the base frames for every fast span and "
        f"the other stages; adaptive took {runs['adaptive']['wall_s'] - floor_wall:.1f} s"
    )
    print("\nstrikes on the montage (its clips' labels):")
    for rate, t in tallies.items():
        print(
            f"  {rate:9} labelled {t.strikes_labelled}, found {t.strikes_detected}: recall {t.strike_recall:.3f}, "
            f"precision {t.strike_precision:.3f}, type {t.type_accuracy:.3f}, hand {t.hand_accuracy:.3f}"
        )
    common = speeds["full"].keys() & speeds["adaptive"].keys()
    changes = sorted(abs(speeds["adaptive"][k] / speeds["full"][k] - 1) for k in common if speeds["full"][k] > 0)
    within = sum(c <= SPEED_TOLERANCE for c in changes) / max(len(changes), 1)
    if changes:
        print(
            f"  peak speed of the {len(changes)} strikes found at both rates: median change "
            f"{100 * changes[len(changes) // 2]:.1f}%, within 5%: {within:.2f}"
        )
    ratio = runs["adaptive"]["wall_s"] / plain_wall
    figures = max(
        abs((getattr(tallies["adaptive"], f) or 0.0) - (getattr(tallies["full"], f) or 0.0))
        for f in ("strike_recall", "strike_precision", "type_accuracy")
    )
    memory_ok = runs["adaptive"]["peak"] <= runs["full"]["peak"] * 1.05
    print(f"\nadaptive wall / plain loop: {ratio:.2f} (goal <= {WALL_GOAL})")
    print(f"largest change of recall, precision, type against full: {figures:.3f} (goal <= {FIGURE_TOLERANCE})")
    print(f"peak memory adaptive / full: {runs['adaptive']['peak'] / max(runs['full']['peak'], 1):.2f} (goal <= 1)")
    met = ratio <= WALL_GOAL and figures <= FIGURE_TOLERANCE and within >= 0.9 and memory_ok
    print(f"goals: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
