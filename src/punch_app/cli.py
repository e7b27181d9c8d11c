"""The ``punch`` command line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from punch_app.settings import Settings
from punch_core.body import BodySpecs
from punch_core.errors import PunchError, TrackFormatError
from punch_core.formats import read_track

# The analysis engine (scipy.signal: over a second to import) loads inside the commands that use it, so that
# `punch --help`, `punch db` and every pose worker process, which imports this module again as the spawned
# process's main module, start without it.

EXIT_USAGE = 2
EXIT_FAILED = 1


def _frame_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels such as 464x832, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"frame size must be positive, got {text!r}")
    return w, h


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="punch", description="PunchAnalytics: boxing sparring analysis.")
    sub = parser.add_subparsers(dest="command", required=True)
    detect = sub.add_parser(
        "detect",
        help="analyse a pose track (.npz or landmarks CSV) and write the report JSON",
        description="Pose track -> stamps -> metrics -> offline coaching -> report JSON (docs/formats.md).",
    )
    detect.add_argument("track", type=Path, help="pose track: .npz (docs/formats.md) or a landmarks CSV")
    detect.add_argument("--stance", default="orthodox", help="orthodox (left lead) or southpaw (right lead)")
    detect.add_argument("--height-cm", required=True, help="the boxer's height, 100-250")
    detect.add_argument("--weight-kg", default=None, help="the boxer's weight, 30-200")
    detect.add_argument("--experience", default="intermediate", help="beginner, intermediate or advanced")
    detect.add_argument("--lang", default="en", choices=["en", "ko"], help="coaching language")
    detect.add_argument("--frame-size", type=_frame_size, default=None, help="WIDTHxHEIGHT, needed for a CSV track")
    detect.add_argument("--out", type=Path, default=None, help="write the report here instead of stdout")

    analyze = sub.add_parser(
        "analyze",
        help="analyse a video (MP4, MOV or WebM) and write a report folder",
        description=(
            "Video -> thumbnails -> subject -> pose -> stamps -> metrics -> offline coaching. Writes "
            "DIR/report.json, DIR/pose_track.npz, DIR/report.html and, with --overlay, DIR/overlay.mp4."
        ),
    )
    analyze.add_argument("video", type=Path, help="the video file")
    analyze.add_argument("--stance", default="orthodox", help="orthodox (left lead) or southpaw (right lead)")
    analyze.add_argument("--height-cm", required=True, help="the boxer's height, 100-250")
    analyze.add_argument("--weight-kg", default=None, help="the boxer's weight, 30-200")
    analyze.add_argument("--experience", default="intermediate", help="beginner, intermediate or advanced")
    analyze.add_argument(
        "--subject",
        default="auto",
        help="auto (the largest person) or X,Y,W,H@T: a pixel box around you on the upright frame at T seconds",
    )
    analyze.add_argument("--lang", default="en", choices=["en", "ko"], help="coaching language")
    analyze.add_argument("--out", type=Path, default=None, help="output folder (default: VIDEO's name + _report)")
    analyze.add_argument("--overlay", action="store_true", help="also write overlay.mp4 (H.264, skeleton and stamps)")
    analyze.add_argument(
        "--pose-rate",
        choices=["adaptive", "full"],
        default=(os.environ.get("PUNCH_POSE_RATE") or "full").lower(),
        help="full (default, or PUNCH_POSE_RATE): pose on every frame; adaptive: at 10 fps and on every frame where "
        "a hand or the head moves fast",
    )
    analyze.add_argument("--workers", type=int, default=None, help="pose worker processes (default: one per core)")
    analyze.add_argument("--verbose", action="store_true", help="show MediaPipe's own log messages")

    serve = sub.add_parser(
        "serve",
        help="serve the web app and API (embedded default: everything in one process, no configuration)",
        description="The web app and API on uvicorn. Settings from PUNCH_* environment variables (README).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="API processes (more than 1 needs PUNCH_REDIS_URL)")
    serve.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-For/-Proto (behind a reverse proxy only)"
    )
    sub.add_parser(
        "worker",
        help="run processing jobs from Redis (ARQ) until stopped; settings from PUNCH_* environment variables",
        description="An ARQ worker for the processing stages. Needs PUNCH_REDIS_URL; see the README's settings table.",
    )
    db = sub.add_parser(
        "db",
        help="database migrations (Alembic) and key rotation",
        description="Migrate PUNCH_DATABASE_URL, or re-encrypt its PII under the newest key of PUNCH_DATA_KEYS.",
    )
    db.add_argument(
        "action",
        choices=["upgrade", "current", "rotate-keys"],
        help="upgrade to the newest schema, show the version, or re-encrypt every encrypted value with the newest "
        "data key (and encrypt values stored before encryption); idempotent",
    )
    db.add_argument("--batch-size", type=int, default=500, help="rotate-keys: rows per transaction (default 500)")
    return parser


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(report: dict[str, Any]) -> str:
    """What a report holds, in one line: its stamps, the strikes its metrics count, and why they may differ.

    Stamps under the coach's confidence floor stay in the report (the boxer may confirm them) but are not counted:
    without saying so, "1 stamp, 0 strikes" over a listed cross reads as a contradiction.
    """
    stamps = report["stamps"]
    floor = report["quality"].get("coach_min_confidence")
    unsure = 0 if floor is None else sum(1 for s in stamps if (s.get("confidence") or 0.0) < floor)
    text = f"{_count(len(stamps), 'stamp')}, {_count(report['metrics']['strikes_total'], 'strike')} counted"
    if unsure:
        text += f"; {unsure} under the coach's confidence floor ({floor:.2f}): listed, not counted"
    return text


def _detect(args: argparse.Namespace) -> int:
    from punch_core.coaching import OfflineCoach  # noqa: PLC0415 - see the note on the imports
    from punch_core.report import analyse_track  # noqa: PLC0415

    specs = BodySpecs.parse(
        height_cm=args.height_cm, weight_kg=args.weight_kg, stance=args.stance, experience=args.experience
    )
    track = read_track(args.track, args.frame_size)
    report = analyse_track(track, specs, OfflineCoach(), language=args.lang, video={"source": args.track.name})
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote {args.out} ({summary(report)})\n")
    return 0


@contextlib.contextmanager
def _native_logs_aside(*, keep: bool) -> Iterator[TextIO]:
    """Send what native libraries (MediaPipe, LiteRT) print on file descriptor 2 to a log file, not the terminal.

    Yields a stream on the real stderr for the progress bar. The log is deleted on success and named on failure.
    """
    if keep:
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.NamedTemporaryFile("w+b", prefix="punch-native-", suffix=".log", delete=False) as log:
        os.dup2(log.fileno(), 2)
    console = os.fdopen(os.dup(saved), "w", buffering=1)
    failed = False
    try:
        yield console
    except PunchError:
        raise  # a message for the user; the native chatter adds nothing
    except BaseException:
        failed = True
        raise
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        console.close()
        if failed:
            sys.stderr.write(f"punch: native library messages are in {log.name}\n")
        else:
            Path(log.name).unlink(missing_ok=True)


def _analyze(args: argparse.Namespace) -> int:
    from punch_app.analyze import analyze_video_to_dir  # noqa: PLC0415 - video libraries load only for this command
    from punch_app.progress import ProgressBar  # noqa: PLC0415
    from punch_core.service.thumbnails import parse_subject  # noqa: PLC0415

    specs = BodySpecs.parse(
        height_cm=args.height_cm, weight_kg=args.weight_kg, stance=args.stance, experience=args.experience
    )
    subject = parse_subject(args.subject)
    if not args.video.is_file():
        sys.stderr.write(f"punch: {args.video} does not exist or is not a file\n")
        return EXIT_USAGE
    if args.workers is not None and args.workers < 1:
        sys.stderr.write("punch: --workers must be at least 1\n")
        return EXIT_USAGE
    if args.pose_rate not in {"adaptive", "full"}:
        sys.stderr.write(f"punch: PUNCH_POSE_RATE must be adaptive or full, not {args.pose_rate!r}\n")
        return EXIT_USAGE
    out_dir = args.out or args.video.with_name(args.video.stem + "_report")
    stages = ("thumbnails", "pose", "stamps", "report", *(("overlay",) if args.overlay else ()))
    with _native_logs_aside(keep=args.verbose) as console:
        bar = ProgressBar(console, stages=stages)
        try:
            report = analyze_video_to_dir(
                args.video,
                out_dir,
                specs=specs,
                subject=subject,
                language=args.lang,
                overlay=args.overlay,
                progress=bar,
                workers=args.workers,
                pose_rate=args.pose_rate,
            )
        finally:
            bar.finish()
    sys.stderr.write(
        f"wrote {out_dir}/ ({summary(report)}; pose coverage {100 * report['quality']['pose_coverage']:.0f}%)\n"
    )
    for warning in report["quality"]["warnings"]:
        sys.stderr.write(f"warning: {warning}\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from punch_app.web import serve  # noqa: PLC0415 - the web stack loads only for this command

    if args.workers < 1:
        sys.stderr.write("punch: --workers must be at least 1\n")
        return EXIT_USAGE
    try:
        return serve(
            Settings.from_env(), host=args.host, port=args.port, workers=args.workers, proxy_headers=args.proxy_headers
        )
    except ValueError as exc:
        sys.stderr.write(f"punch: {exc}\n")
        return EXIT_USAGE


def _worker(_args: argparse.Namespace) -> int:
    from punch_app.worker import run_worker  # noqa: PLC0415 - service libraries load only for this command

    return run_worker(Settings.from_env())


def _db(args: argparse.Namespace) -> int:
    from punch_adapters.sql.migrate import current, upgrade  # noqa: PLC0415 - SQLAlchemy loads only for this command

    settings = Settings.from_env()
    if args.action == "rotate-keys":
        return _rotate_keys(settings, batch_size=args.batch_size)
    if args.action == "upgrade":
        upgrade(settings.database_url)
    sys.stdout.write(f"{current(settings.database_url)}\n")
    return 0


def _rotate_keys(settings: Settings, *, batch_size: int) -> int:
    from punch_adapters.crypto.aesgcm import DecryptionError  # noqa: PLC0415 - service libraries load only here
    from punch_adapters.sql.encryption import RotationCounts, rotate_keys  # noqa: PLC0415
    from punch_adapters.sql.engine import make_engine  # noqa: PLC0415
    from punch_app.container import build_cipher  # noqa: PLC0415

    if batch_size < 1:
        sys.stderr.write("punch: --batch-size must be at least 1\n")
        return EXIT_USAGE
    cipher = build_cipher(settings)

    def progress(table: str, counts: RotationCounts) -> None:
        sys.stderr.write(f"{table}: {counts.rows} rows read, {counts.rewritten} values rewritten\n")

    engine = make_engine(settings.database_url)
    try:
        counts = rotate_keys(engine, cipher, batch_size=batch_size, on_batch=progress)
    except DecryptionError as exc:
        sys.stderr.write(f"punch: {exc}. Batches before it are rotated; fix the key ring and run this again\n")
        return EXIT_FAILED
    finally:
        engine.dispose()
    rate = counts.rows / counts.seconds if counts.seconds > 0 else 0.0
    sys.stdout.write(
        f"rotated to data key {cipher.key_ids[0]!r}: {counts.rows} rows, {counts.reencrypted} values re-encrypted, "
        f"{counts.encrypted} plain values encrypted, {counts.current} already current "
        f"({counts.seconds:.2f} s, {rate:.0f} rows/s)\n"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 analysis failed, 2 bad usage or input)."""
    args = _parser().parse_args(argv)
    try:
        commands = {"detect": _detect, "analyze": _analyze, "serve": _serve, "worker": _worker, "db": _db}
        command = commands.get(args.command)
        if command is not None:
            return command(args)
    except TrackFormatError as exc:
        sys.stderr.write(f"punch: {exc}\n")
        return EXIT_USAGE
    except PunchError as exc:
        sys.stderr.write(f"punch: {exc.user_message}\n")
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_FAILED
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
