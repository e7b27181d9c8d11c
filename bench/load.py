"""Load test of the production topology: 100 boxers for 60 s (locust, headless), figures per request kind.

Usage: .venv/bin/python bench/load.py [--users 100] [--seconds 60] [--uploaders 10] [--port 8100] [--uploads-only]

In one run:
  1. builds (once, cached in .bench_cache/) a 62 s round from the ../shared clips for the seed analysis, and a
     70 s 720p 30 fps round (tens of MB) for the uploads;
  2. starts an OpenID provider on loopback (oidc-provider-mock) and the production topology with it as the
     Google sign-in (`scripts/run_prod_local.py --proxy-headers`: 2 API processes, 2 ARQ workers, PostgreSQL,
     Redis, an S3 server);
  3. seeds: one boxer signs in, uploads the 62 s round, picks the subject, enters specs and the workers analyse
     it; the finished round (report, stamps, pose track, thumbnails) is then given, through the repositories and
     the object store, to every load user ``load-<n>`` with a share link, as if each had analysed it;
  4. runs locust headless (bench/locustfile.py): every user signs in through the OAuth flow, then reads the
     dashboard, its report, status, pose track, a video range, the SSE status stream, the share link (JSON and
     HTML page, anonymous) and refreshes its session; every ``--uploaders``-th user uploads the 720p round in
     8 MiB chunks and completes it once;
  5. then times --alone-uploads uploads of the 720p round one at a time with nothing else running;
  6. prints requests/s, p50/p95/p99/max per request kind and overall (exact, from every request), for the whole
     run and for the steady state after the ramp-up, the errors, and the upload throughput (MB/s per upload,
     from its first byte to its completed answer). Goals (issue 7): 0 errors, p99 < 200 ms for reads, uploads
     >= 50 MB/s.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.videos import concat_clips  # noqa: E402

SHARED = ROOT.parent / "shared" / "media" / "shadowcoach"
CACHE = ROOT / ".bench_cache"
BIN = Path(sys.executable).parent
CLIENT_ID = "punch-load"
CLIENT_SECRET = "punch-load-secret"  # noqa: S105 - the local test provider accepts any secret
DATABASE = "punch_load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_videos() -> tuple[Path, Path]:
    """The seed round (62 s, 360x640 15 fps) and the upload round (70 s, 720x1280 30 fps, high quality)."""
    clips = sorted((SHARED / "jab").glob("*.mp4"))
    if not clips:
        sys.exit(f"needs the shadowcoach clips in {SHARED} (the ../shared folder beside the project)")
    CACHE.mkdir(exist_ok=True)
    seed, upload = CACHE / "load_seed_62s.mp4", CACHE / "load_upload_70s_720p30_crf12.mp4"
    for path, kwargs in (
        (seed, {"seconds": 62, "fps": 15}),
        (upload, {"seconds": 70, "fps": 30, "size": (720, 1280), "crf": 12}),
    ):
        if not path.exists():
            tmp = path.with_suffix(".part.mp4")
            concat_clips(clips, tmp, **kwargs)
            tmp.rename(path)
    return seed, upload


def wait_for(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout_s:.0f} s")


def sign_in(base: str, subject: str) -> httpx.Client:
    """A client signed in as ``subject`` through the real OAuth flow with the local provider."""
    client = httpx.Client(base_url=base, timeout=60, headers={"X-Forwarded-For": "10.255.0.1"})
    started = client.get("/api/v1/auth/google/login")
    approved = httpx.post(started.headers["location"], data={"sub": subject}, timeout=30)
    back = urlsplit(approved.headers["location"])
    arrived = client.get(f"{back.path}?{back.query}")
    if arrived.status_code != 302 or "punch_access" not in client.cookies:
        sys.exit(f"signing in as {subject} failed: {arrived.status_code} {arrived.text[:300]}")
    return client


def wait_status(client: httpx.Client, analysis_id: str, done: Any, timeout_s: float) -> dict[str, Any]:  # noqa: ANN401
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/analyses/{analysis_id}").json()
        if body["status"] == "failed":
            sys.exit(f"the seed analysis failed: {body.get('error')}")
        if done(body):
            return body
        time.sleep(0.5)
    sys.exit(f"the seed analysis did not finish within {timeout_s:.0f} s")


def analyse_seed(base: str, video: Path) -> str:
    """The seed boxer uploads, configures and analyses one round through the API; returns its analysis id."""
    client = sign_in(base, "load-seed")
    data = video.read_bytes()
    created = client.post(
        "/api/v1/uploads", json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"}
    )
    created.raise_for_status()
    upload_id = created.json()["id"]
    client.put(f"/api/v1/uploads/{upload_id}/chunks?offset=0", content=data).raise_for_status()
    completed = client.post(f"/api/v1/uploads/{upload_id}/complete")
    completed.raise_for_status()
    analysis_id: str = completed.json()["analysis_id"]
    wait_status(client, analysis_id, lambda s: "thumbnails" in s["done_stages"], 120)
    client.put(f"/api/v1/analyses/{analysis_id}/subject", json={"thumbnail": 0, "box": 0}).raise_for_status()
    specs = {"height_cm": 175, "weight_kg": 70, "stance": "orthodox", "language": "en"}
    client.put(f"/api/v1/analyses/{analysis_id}/specs", json=specs).raise_for_status()
    client.post(f"/api/v1/analyses/{analysis_id}/start").raise_for_status()
    started = time.monotonic()
    wait_status(client, analysis_id, lambda s: s["status"] == "completed", 600)
    print(f"seed analysis of a 62 s round: {time.monotonic() - started:.1f} s on the workers", file=sys.stderr)
    return analysis_id


def fresh_database(name: str) -> None:
    """Drop and re-create the load test's own database: every run starts from the same empty state (the S3
    server's objects go in a fresh folder of each run)."""
    import psycopg  # noqa: PLC0415
    from scripts.run_prod_local import POSTGRES  # noqa: PLC0415

    plain = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def reset_rate_limits(env: dict[str, str]) -> None:
    """Forget the topology's rate-limit counters: every run starts as a fresh hour for its users."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(env["PUNCH_REDIS_URL"])
    keys = list(client.scan_iter(match=f"{env['PUNCH_QUEUE_NAME']}:ratelimit*"))
    if keys:
        client.delete(*keys)
    client.close()


def give_round_to_users(env: dict[str, str], seed_id: str, users: int) -> None:
    """Every ``load-<n>`` account gets a copy of the seed round and a share link (skipped where it has one)."""
    import attrs  # noqa: PLC0415

    from punch_adapters.inprocess.ids import SecretIds  # noqa: PLC0415
    from punch_adapters.sql.engine import make_engine  # noqa: PLC0415
    from punch_adapters.sql.repositories import SqlRepositories  # noqa: PLC0415
    from punch_app.container import build_cipher, build_store  # noqa: PLC0415
    from punch_app.settings import Settings  # noqa: PLC0415
    from punch_core.service.artifacts import AnalysisArtifacts  # noqa: PLC0415
    from punch_core.service.records import Identity, ShareLink, User  # noqa: PLC0415

    settings = Settings.from_env(env)
    engine = make_engine(settings.database_url)
    repos = SqlRepositories.from_engine(engine, cipher=build_cipher(settings))
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})  # read by s3fs
    store = build_store(settings)
    ids = SecretIds()
    seed = repos.analyses.get(seed_id)
    video = repos.videos.get(seed.video_id)
    report = repos.reports.get(seed_id)
    stamps = repos.stamps.list(seed_id)
    seed_prefix = AnalysisArtifacts(seed_id).prefix
    # Every object of the seed analysis, by its key below the analysis's prefix (started.json is long gone).
    objects = {key[len(seed_prefix) :]: store.get(key) for key in store.sizes(seed_prefix)}
    now = datetime.now(UTC)
    made = 0
    for n in range(users):
        user = repos.users.find_by_identity("google", f"load-{n}")
        if user is None:
            user = User(id=ids.new_id(), email=f"load-{n}@example.com", name=f"Load {n}", created_at=now)
            repos.users.add(user, Identity(provider="google", subject=f"load-{n}", user_id=user.id))
        copy_video = attrs.evolve(video, id=ids.new_id(), owner_id=user.id, created_at=now)
        repos.videos.add(copy_video)
        analysis = attrs.evolve(seed, id=ids.new_id(), owner_id=user.id, video_id=copy_video.id)
        repos.analyses.add(analysis)
        for below, data in objects.items():
            store.put(AnalysisArtifacts(analysis.id).prefix + below, data)
        repos.stamps.replace(analysis.id, stamps)
        repos.reports.save(analysis.id, user.id, {**report, "analysis_id": analysis.id}, created_at=now)
        repos.share_links.add(
            ShareLink(hash=ids.new_share_hash(), analysis_id=analysis.id, owner_id=user.id, created_at=now)
        )
        made += 1
    engine.dispose()
    print(f"seeded {made} users with the analysed round", file=sys.stderr)


def wait_queue_idle(env: dict[str, str], timeout_s: float = 600) -> None:
    """Wait until the workers have nothing queued or running (the mixed run's uploads leave thumbnail jobs)."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(env["PUNCH_REDIS_URL"])
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not client.zcard(env["PUNCH_QUEUE_NAME"]) and not next(client.scan_iter(match="arq:in-progress:*"), None):
            break
        time.sleep(0.5)
    client.close()


def upload_alone(base: str, video: Path, rounds: int, env: dict[str, str]) -> list[float]:
    """MB/s of uploads made one at a time with nothing else running (each by its own new boxer).

    Each upload starts once the workers are idle: the thumbnails of the one before (a decode of the whole
    video) would otherwise share the cores with it.
    """
    data = video.read_bytes()
    rates = []
    for n in range(rounds):
        wait_queue_idle(env)
        client = sign_in(base, f"load-uploader-{n}")
        started = time.perf_counter()
        created = client.post(
            "/api/v1/uploads", json={"filename": "round.mp4", "size_bytes": len(data), "content_type": "video/mp4"}
        )
        created.raise_for_status()
        upload_id, step = created.json()["id"], int(created.json()["chunk_size_hint"])
        for offset in range(0, len(data), step):
            client.put(
                f"/api/v1/uploads/{upload_id}/chunks?offset={offset}", content=data[offset : offset + step]
            ).raise_for_status()
        sent = time.perf_counter()
        client.post(f"/api/v1/uploads/{upload_id}/complete").raise_for_status()
        done = time.perf_counter()
        rates.append(len(data) / (done - started) / 1e6)
        print(f"upload alone {n + 1}: chunks {sent - started:.2f} s, complete {done - sent:.2f} s", file=sys.stderr)
        client.close()
    return rates


def run_locust(base: str, args: argparse.Namespace, env: dict[str, str], out: Path) -> None:
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.seconds}s",
        "--csv",
        str(out / "load"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    with (out / "locust.log").open("wb") as log:  # locust's own summary; the figures below come from the samples
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603


def _percentile(sorted_ms: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted response times."""
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q / 100 * len(sorted_ms) + 0.5) - 1))]


def _table(samples: list[tuple[float, str, str, float, bool]], seconds: float) -> tuple[list[str], float, str, int]:
    """Lines of figures per request kind and overall; also the worst read p99 (ms, which) and the error count."""
    head = f"{'request':52} {'n':>6} {'err':>4} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    lines = [head, "-" * len(head)]
    by_name: dict[str, list[tuple[float, bool]]] = {}
    for _at, kind, name, ms, failed in samples:
        by_name.setdefault(f"{kind} {name}", []).append((ms, failed))
    by_name["all (the provider's page excluded)"] = [
        (ms, failed) for _at, _kind, name, ms, failed in samples if "provider" not in name
    ]
    worst, worst_name, errors = 0.0, "", 0
    for label, rows in by_name.items():
        times = sorted(ms for ms, _ in rows)
        failed_n = sum(1 for _, f in rows if f)
        p99 = _percentile(times, 99)
        if label.startswith("GET ") and "provider" not in label and p99 > worst:
            worst, worst_name = p99, label
        if label.startswith("all"):
            errors = failed_n
        lines.append(
            f"{label:52.52} {len(rows):>6} {failed_n:>4} {len(rows) / seconds:6.1f} {_percentile(times, 50):6.0f} "
            f"{_percentile(times, 95):6.0f} {p99:6.0f} {times[-1]:6.0f}"
        )
    return lines, worst, worst_name, errors


def _exceptions(out: Path) -> int:
    """Exceptions raised in user tasks (a broken answer the task could not use); prints each kind."""
    path = out / "load_exceptions.csv"
    count = 0
    if path.exists():
        for row in csv.DictReader(path.open()):
            print(f"  exception in a user task: {row['Message'][:160]} x{row['Count']}")
            count += int(row["Count"])
    return count


def _upload_rates(upload_log: Path) -> tuple[list[float], int]:
    """MB/s of each finished upload and the upload size."""
    rates, size = [], 0
    if upload_log.exists():
        for line in upload_log.read_text().split("\n"):
            if line.strip():
                size_text, seconds = line.split()
                size = int(size_text)
                rates.append(size / float(seconds) / 1e6)
    return rates, size


def report(out: Path, args: argparse.Namespace, upload_log: Path, alone: list[float], alone_mb: float) -> int:
    """Print the figures (whole run, and steady state once every user has started); 1 when a goal is missed."""
    lines = (out / "samples.tsv").read_text().splitlines()
    spawned_at = float(lines[0])
    samples = []
    for line in lines[1:]:
        at, kind, name, ms, failed = line.split("\t")
        samples.append((float(at), kind, name, float(ms), failed == "1"))
    first, last = samples[0][0], samples[-1][0]
    # Steady state: once every user has started and the last sign-in has finished (the sign-in burst is over).
    signed_in = [at for at, _kind, name, _ms, _failed in samples if name.endswith("/callback")]
    steady_from = max([spawned_at, *signed_in])
    steady = [x for x in samples if x[0] > steady_from]
    uploads = f"every {args.uploaders}th user uploading once" if args.uploaders else "no uploads"
    topology = f"the production topology ({args.api_workers} API processes)"
    print(f"load: {args.users} users, {args.seconds} s, against {topology}; {uploads}")
    print(f"(milliseconds; exact percentiles over every request; sign-in burst {steady_from - first:.1f} s)")
    print("\nwhole run (sign-ins included):")
    whole, _, _, errors = _table(samples, last - first)
    print("\n".join(whole))
    print("\nsteady state (after the last sign-in):")
    table, worst, worst_name, _ = _table(steady, last - steady_from)
    print("\n".join(table))
    errors += _exceptions(out)
    rates, size = _upload_rates(upload_log)
    if rates:
        print(
            f"uploads: {len(rates)} x {size / 1e6:.1f} MB, each from its first byte to its completed answer: median "
            f"{statistics.median(rates):.1f} MB/s (min {min(rates):.1f}, max {max(rates):.1f})"
        )
    if alone:
        print(
            f"uploads alone (after the load, one at a time, {alone_mb:.1f} MB each): "
            + ", ".join(f"{rate:.1f}" for rate in alone)
            + f" MB/s, median {statistics.median(alone):.1f}"
        )
    goals = [
        ("0 errors", errors == 0, f"{errors} errors"),
        ("p99 < 200 ms for every read (steady state)", worst < 200, f"worst: {worst_name} {worst:.0f} ms"),
    ]
    if alone:
        median = statistics.median(alone)
        goals.append(("uploads >= 50 MB/s (one at a time)", median >= 50, f"median {median:.1f} MB/s"))
    for goal, met, figure in goals:
        print(f"goal {goal}: {'met' if met else 'NOT met'} ({figure})")
    return 0 if all(met for _, met, _ in goals) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--uploaders", type=int, default=10, help="every Nth user uploads once (0 = none)")
    parser.add_argument("--alone-uploads", type=int, default=3, help="uploads timed one at a time after the load")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--api-workers", type=int, default=2, help="API processes of the topology")
    parser.add_argument(
        "--uploads-only", action="store_true", help="skip the seed and locust: only time --alone-uploads uploads"
    )
    args = parser.parse_args()
    seed_video, upload_video = build_videos()

    from scripts.run_prod_local import kill_marked, stop_all, topology_env  # noqa: PLC0415

    os.environ["PUNCH_LOCAL_DATABASE"] = DATABASE
    fresh_database(DATABASE)

    provider_port = free_port()
    provider_url = f"http://127.0.0.1:{provider_port}"
    base = f"http://127.0.0.1:{args.port}"
    out = Path(tempfile.mkdtemp(prefix="punch-load-"))
    env = {
        **topology_env(args.port),
        "PUNCH_GOOGLE_CLIENT_ID": CLIENT_ID,
        "PUNCH_GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "PUNCH_GOOGLE_ISSUER": provider_url,
        "PUNCH_LOG_LEVEL": "WARNING",
        "PUNCH_LOCAL_S3_DIR": str(out / "s3"),
        "PUNCH_LOAD_RUN": out.name,  # marks every process of the topology (cleaned up below)
    }
    procs: list[subprocess.Popen[bytes]] = []
    upload_log = out / "uploads.txt"
    topology_log = (out / "topology.log").open("wb")
    print(f"logs and locust's CSV files: {out}", file=sys.stderr)
    try:
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own tools
                [str(BIN / "oidc-provider-mock"), "--port", str(provider_port), "--require-nonce", "true"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_for(f"{provider_url}/.well-known/openid-configuration", 30)
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own tools
                [
                    sys.executable,
                    str(ROOT / "scripts/run_prod_local.py"),
                    *("--port", str(args.port), "--api-workers", str(args.api_workers), "--proxy-headers"),
                ],
                env=env,
                stdout=topology_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        wait_for(f"{base}/healthz", 120)
        reset_rate_limits(env)
        if args.uploads_only:
            alone = upload_alone(base, upload_video, args.alone_uploads, env)
            print(
                f"uploads alone ({upload_video.stat().st_size / 1e6:.1f} MB each): "
                + ", ".join(f"{rate:.1f}" for rate in alone)
                + f" MB/s, median {statistics.median(alone):.1f}"
            )
            return 0 if statistics.median(alone) >= 50 else 1
        give_round_to_users(env, analyse_seed(base, seed_video), args.users)
        locust_env = {
            **os.environ,
            "LOAD_PROVIDER_URL": provider_url,
            "LOAD_UPLOAD_VIDEO": str(upload_video),
            "LOAD_UPLOADERS": str(args.uploaders),
            "LOAD_UPLOAD_LOG": str(upload_log),
            "LOAD_SAMPLES": str(out / "samples.tsv"),
        }
        run_locust(base, args, locust_env, out)
        alone = upload_alone(base, upload_video, args.alone_uploads, env) if args.alone_uploads else []
        return report(out, args, upload_log, alone, upload_video.stat().st_size / 1e6)
    finally:
        stop_all(procs, timeout_s=30)
        kill_marked("PUNCH_LOAD_RUN", out.name)  # anything the topology could not stop in time
        shutil.rmtree(out / "s3", ignore_errors=True)  # the uploaded videos: hundreds of MB


if __name__ == "__main__":
    raise SystemExit(main())
