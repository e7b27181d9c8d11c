"""Run every benchmark and write docs/benchmarks.md with their figures and the machine they ran on (`make bench`).

Usage: .venv/bin/python bench/run_all.py [--only detect,pipeline,accuracy,load] [--out docs/benchmarks.md]

Each benchmark runs as its own process, one after the other (never side by side: they would share the cores);
its printed figures go into the page as they are, with its command, exit status and wall time. A benchmark that
misses its goal exits 1: the page says so, and this script exits 1 too, after writing the page.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = {
    "detect": ("Stamp detection on pose tracks", ["bench/detect.py"]),
    "pipeline": ("Video to report (`punch analyze`) against the pose-inference floor", ["bench/pipeline.py"]),
    "accuracy": ("Detection accuracy on the labelled clips", ["bench/accuracy.py"]),
    "load": ("Load on the production topology", ["bench/load.py"]),
}


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{total_kb / 1024 / 1024:.1f} GiB"
    system = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(line.split("=", 1) for line in release.read_text().splitlines() if "=" in line)
        system = fields.get("PRETTY_NAME", system).strip('"')
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit or 'unknown'}`",
        f"- CPU: {cpu}, {os.cpu_count()} cores (usable: {len(os.sched_getaffinity(0))})",
        f"- Memory: {memory}",
        f"- System: {system}, Python {platform.python_version()}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    sections: list[str] = []
    failed: list[str] = []
    for name in chosen:
        title, script = BENCHMARKS[name]
        command = [sys.executable, *script]
        print(f"== {name}: {' '.join(script)}", file=sys.stderr, flush=True)
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        seconds = time.monotonic() - started
        sys.stderr.write(run.stdout)
        if run.returncode != 0:
            failed.append(name)
            sys.stderr.write(run.stderr[-4000:])
        verdict = "goals met" if run.returncode == 0 else f"exit {run.returncode}: a goal missed or an error"
        body = run.stdout.strip() or run.stderr.strip()[-3000:]
        sections += [
            f"## {title}",
            "",
            f"`.venv/bin/python {' '.join(script)}` — {seconds:.0f} s, {verdict}.",
            "",
            "```",
            body,
            "```",
            "",
        ]
    page = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run_all.py); every figure below was printed by the benchmark named above it,",
        "in one run on this machine. Each script's docstring says what it measures and its goals. Re-run it",
        "to check a figure; compare figures only between runs on the same machine.",
        "",
        "Machine:",
        "",
        *machine(),
        "",
        *sections,
    ]
    Path(args.out).write_text("\n".join(page).rstrip() + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}" + (f"; goals missed or errors in: {', '.join(failed)}" if failed else ""), file=sys.stderr
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
