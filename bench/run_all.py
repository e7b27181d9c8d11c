"""Run every benchmark and write docs/benchmarks.md with their figures and the machine they ran on (`make bench`).

Usage: .venv/bin/python bench/run_all.py [--only detect,pipeline,accuracy,pose-rates,train,load,load-reads]
       [--out docs/benchmarks.md]

Each benchmark runs as its own process, one after the other (never side by side: they would share the cores);
its printed figures go into the page as they are, with its command, exit status, wall time, date and commit.
With --only, the other benchmarks' sections of the existing page are kept as they were. A benchmark that misses
its goal exits 1: the page says so, and this script exits 1 too, after writing the page.
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
    "pipeline": ("Video to report (`punch analyze`) at both pose rates, and a plain pose loop", ["bench/pipeline.py"]),
    "accuracy": ("Detection accuracy on the labelled clips", ["bench/accuracy.py"]),
    "pose-rates": (
        "Detection accuracy at both pose rates (full and adaptive tracks)",
        ["bench/accuracy.py", "--quick", "--pose-rate", "both"],
    ),
    "train": (
        "Strike typers and the learned confidence, leave-one-source-out (cached pose tracks)",
        ["bench/train.py", "--compare-only"],
    ),
    "load": ("Load on the production topology", ["bench/load.py"]),
    "load-reads": (
        "Load on the production topology, reads only (no uploads)",
        ["bench/load.py", "--uploaders", "0", "--alone-uploads", "0"],
    ),
}
NO_GOAL = {
    "accuracy": "exit 0: every labelled clip scored (figures, no goal)",
    "pose-rates": "exit 0: every labelled clip scored at both rates (the goal is judged in the text)",
    "train": "exit 0: every source scored by models trained without it (figures, no goal)",
}
"""Benchmarks that measure without a goal: what their exit 0 means."""


def _commit() -> str:
    answer = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return answer.stdout.strip() or "unknown"


def _existing_sections(page: Path) -> dict[str, list[str]]:
    """The benchmark sections of an existing page, by title (kept when only some benchmarks run again)."""
    sections: dict[str, list[str]] = {}
    if not page.exists():
        return sections
    current: list[str] | None = None
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:], [])
        if current is not None:
            current.append(line)
    return sections


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
    return [
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
    sections: dict[str, list[str]] = _existing_sections(Path(args.out)) if len(chosen) < len(BENCHMARKS) else {}
    failed: list[str] = []
    commit = _commit()
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
        verdict = (
            NO_GOAL.get(name, "goals met")
            if run.returncode == 0
            else f"exit {run.returncode}: a goal NOT met (or an error)"
        )
        body = run.stdout.strip() or run.stderr.strip()[-3000:]
        sections[title] = [
            f"## {title}",
            "",
            f"`.venv/bin/python {' '.join(script)}` — {seconds:.0f} s, {verdict} "
            f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`).",
            "",
            "```",
            body,
            "```",
            "",
        ]
    page = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run_all.py); every figure below was printed by the benchmark named above it",
        "on this machine, in the run its line dates (with the commit it ran). Each script's docstring says what it",
        "measures and its goals; each prints whether it met them. Compare figures only between runs on one machine.",
        "",
        "Machine:",
        "",
        *machine(),
        "",
        *(line for title, _ in BENCHMARKS.values() if title in sections for line in sections[title]),
    ]
    Path(args.out).write_text("\n".join(page).rstrip() + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}" + (f"; goals missed or errors in: {', '.join(failed)}" if failed else ""), file=sys.stderr
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
