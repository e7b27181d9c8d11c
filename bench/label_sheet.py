"""Label sheets: a clip as numbered frame strips with the time, the pose overlay and the wrists' traces, so its
events can be labelled (and re-checked) without a video player.

Usage:
    .venv/bin/python bench/label_sheet.py CLIP [CLIP ...] [--step N] [--t0 S] [--t1 S] [--out DIR]

CLIP is a path relative to ../shared/media (``compubox/jab_cross.mp4``, ``thai-boxing/straight_left_6_landmarks.csv``)
as ``python bench/corpus.py list`` prints it. The pose is the corpus's cached track (``bench/corpus.py tracks``
makes it); a landmarks CSV is drawn on a blank canvas (there is no video).

Each page holds up to 40 frames (every ``--step``-th frame, by default about 15 a second), cropped to the boxer,
each titled with its frame number and time; the boxer's LEFT arm is drawn blue, the RIGHT arm orange. Under the
frames, on the same time axis, three traces: each wrist's speed in the image (torso lengths per second), each
wrist's reach from its shoulder (torso lengths: a punch peaks at full extension), and the head's sideways offset
from the hips and its height above them (torso lengths: slips move the first, ducks lower the second). Grey lines
mark the frames shown. Pages go to ``.bench_cache/sheets/<clip>/page<N>.png`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CACHE, MEDIA, Clip, read_track, source_of

from punch_adapters.pose.video import OpenCvFrameSource
from punch_core.landmarks import Landmark as L  # noqa: N817 - the landmark names read as L.LEFT_WRIST
from punch_core.track import PoseTrack

COLUMNS = 8
LEFT_RGB = (40, 110, 255)
RIGHT_RGB = (255, 140, 0)
BODY_RGB = (0, 220, 120)
LEFT_ARM = ((L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST))
RIGHT_ARM = ((L.RIGHT_SHOULDER, L.RIGHT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST))
BODY = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_SHOULDER, L.LEFT_HIP), (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_HIP, L.LEFT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_HIP, L.RIGHT_KNEE), (L.RIGHT_KNEE, L.RIGHT_ANKLE), (L.NOSE, L.LEFT_SHOULDER), (L.NOSE, L.RIGHT_SHOULDER),
)  # fmt: skip

Image = npt.NDArray[np.uint8]


def _pixels(track: PoseTrack) -> npt.NDArray[np.float64]:
    """Landmark x, y in pixels, (T, 33, 2); NaN where unseen."""
    pixels: npt.NDArray[np.float64] = np.asarray(track.landmarks[:, :, :2], dtype=np.float64) * np.array(
        [track.width, track.height]
    )
    return pixels


def _traces(track: PoseTrack) -> dict[str, npt.NDArray[np.float64]]:
    """The sheet's traces, in torso lengths (shoulder centre to hip centre, the clip's median) and seconds."""
    px = _pixels(track)
    shoulders = (px[:, L.LEFT_SHOULDER] + px[:, L.RIGHT_SHOULDER]) / 2
    hips = (px[:, L.LEFT_HIP] + px[:, L.RIGHT_HIP]) / 2
    torso = float(np.nanmedian(np.linalg.norm(shoulders - hips, axis=1)))
    if not np.isfinite(torso) or torso <= 0:
        torso = float(track.height) / 4
    dt = np.gradient(track.t_s) if track.n_frames > 1 else np.ones(track.n_frames)
    traces: dict[str, npt.NDArray[np.float64]] = {}
    for side, wrist, shoulder in (("L", L.LEFT_WRIST, L.LEFT_SHOULDER), ("R", L.RIGHT_WRIST, L.RIGHT_SHOULDER)):
        xy = px[:, wrist]
        velocity = np.gradient(xy, axis=0) / dt[:, None] if track.n_frames > 1 else np.zeros_like(xy)
        traces[f"{side} wrist speed"] = np.linalg.norm(velocity, axis=1) / torso
        traces[f"{side} reach"] = np.linalg.norm(xy - px[:, shoulder], axis=1) / torso
    traces["head sideways"] = (px[:, L.NOSE, 0] - hips[:, 0]) / torso
    traces["head height"] = (hips[:, 1] - px[:, L.NOSE, 1]) / torso
    return traces


def _crop_box(track: PoseTrack) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 around everything the boxer's landmarks reach in the clip, with a margin."""
    px = _pixels(track).reshape(-1, 2)
    px = px[np.all(np.isfinite(px), axis=1)]
    if not px.size:
        return 0, 0, track.width, track.height
    lo = np.percentile(px, 0.5, axis=0)
    hi = np.percentile(px, 99.5, axis=0)
    margin = np.maximum(0.08 * (hi - lo), 0.04 * (hi - lo).max())
    x0, y0 = np.maximum(lo - margin, 0)
    x1, y1 = np.minimum(hi + margin, [track.width, track.height])
    return int(x0), int(y0), int(x1), int(y1)


def _draw_pose(image: Image, points: npt.NDArray[np.float64], offset: tuple[int, int]) -> None:
    thick = max(2, round(min(image.shape[:2]) / 160))
    shifted = points - np.array(offset)
    for bones, rgb in ((BODY, BODY_RGB), (LEFT_ARM, LEFT_RGB), (RIGHT_ARM, RIGHT_RGB)):
        for a, b in bones:
            if np.all(np.isfinite(shifted[[a, b]])):
                pa = tuple(int(v) for v in shifted[a])
                pb = tuple(int(v) for v in shifted[b])
                cv2.line(image, pa, pb, rgb, thick, cv2.LINE_AA)
    for wrist, rgb in ((L.LEFT_WRIST, LEFT_RGB), (L.RIGHT_WRIST, RIGHT_RGB)):
        if np.all(np.isfinite(shifted[wrist])):
            cv2.circle(image, tuple(int(v) for v in shifted[wrist]), thick * 3, rgb, -1, cv2.LINE_AA)


def _frames(clip_file: Path, indices: list[int], size: tuple[int, int]) -> dict[int, Image]:
    """The upright RGB frames at these indices (a blank canvas for each when the clip is a landmarks CSV)."""
    if clip_file.suffix.lower() == ".csv":
        width, height = size
        return {i: np.full((height, width, 3), 255, np.uint8) for i in indices}
    wanted = set(indices)
    out: dict[int, Image] = {}
    for frame in OpenCvFrameSource().frames(str(clip_file)):
        if frame.index in wanted:
            out[frame.index] = frame.rgb.copy()
        if frame.index >= max(indices):
            break
    return out


def _mosaic(tiles: list[Image], titles: list[str], columns: int, tile_w: int) -> Image:
    """The tiles scaled to ``tile_w`` pixels wide, in rows, each under its title."""
    band = 22
    scaled = [cv2.resize(t, (tile_w, max(1, round(t.shape[0] * tile_w / t.shape[1])))) for t in tiles]
    tile_h = max(s.shape[0] for s in scaled) + band
    rows = -(-len(scaled) // columns)
    sheet = np.full((rows * tile_h, columns * tile_w, 3), 255, np.uint8)
    for k, (tile, title) in enumerate(zip(scaled, titles, strict=True)):
        y, x = (k // columns) * tile_h, (k % columns) * tile_w
        sheet[y + band : y + band + tile.shape[0], x + 1 : x + tile_w - 1] = tile[:, 1 : tile_w - 1]
        cv2.putText(sheet, title, (x + 4, y + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def render(
    clip: Clip, track: PoseTrack, out_dir: Path, *, step: int, t0: float, t1: float, full: bool = False
) -> list[Path]:
    """Write the clip's pages; returns their paths."""
    indices = [i for i in range(0, track.n_frames, step) if t0 <= track.t_s[i] <= t1]
    if not indices:
        return []
    frames = _frames(clip.media, indices, (track.width, track.height))
    px = _pixels(track)
    traces = _traces(track)
    x0, y0, x1, y1 = (0, 0, track.width, track.height) if full else _crop_box(track)
    aspect = (y1 - y0) / max(1, x1 - x0)
    # Tall crops (a standing boxer) get more, narrower columns; the page stays about 1600 pixels wide.
    columns = 10 if aspect > 1.6 else COLUMNS if aspect > 0.8 else 6
    per_page = columns * (4 if aspect > 1.6 else 5)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for page, first in enumerate(range(0, len(indices), per_page), start=1):
        shown = indices[first : first + per_page]
        tiles = []
        for index in shown:
            image = frames.get(index)
            crop = np.ascontiguousarray(
                image[y0:y1, x0:x1] if image is not None else np.full((y1 - y0, x1 - x0, 3), 200, np.uint8)
            )
            _draw_pose(crop, px[index], (x0, y0))
            tiles.append(crop)
        mosaic = _mosaic(tiles, [f"#{i} {track.t_s[i]:.2f}s" for i in shown], columns, 1600 // columns)
        trace_h = 1.5
        fig_w = 16.0
        image_h = fig_w * mosaic.shape[0] / mosaic.shape[1]
        fig_h = image_h + 3 * trace_h + 0.8
        fig = plt.figure(figsize=(fig_w, fig_h), dpi=100)
        ax = fig.add_axes((0, (3 * trace_h + 0.6) / fig_h, 1, image_h / fig_h))
        ax.imshow(mosaic)
        ax.axis("off")
        lo_t, hi_t = track.t_s[shown[0]], track.t_s[shown[-1]]
        span = (track.t_s >= lo_t - 0.25) & (track.t_s <= hi_t + 0.25)
        panels = (
            ("wrist speed (torso/s)", ("L wrist speed", "R wrist speed")),
            ("reach from shoulder (torso)", ("L reach", "R reach")),
            ("head vs hips (torso)", ("head sideways", "head height")),
        )
        for row, (title, names) in enumerate(panels):
            bottom = (0.35 + (2 - row) * trace_h) / fig_h
            ax = fig.add_axes((0.05, bottom, 0.93, (trace_h - 0.3) / fig_h))
            for name, colour in zip(names, ("#2870ff", "#ff8c00"), strict=True):
                ax.plot(track.t_s[span], traces[name][span], color=colour, label=name, lw=1.4)
            for index in shown:
                ax.axvline(track.t_s[index], color="#bbbbbb", lw=0.5, zorder=0)
            ax.set_xlim(lo_t - 0.05, hi_t + 0.05)
            ax.set_ylabel(title, fontsize=8)
            ax.legend(loc="upper right", fontsize=7)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(mpl.ticker.MultipleLocator(0.2 if hi_t - lo_t < 6 else 1.0))
            ax.grid(axis="x", which="major", alpha=0.4)
        fig.text(
            0.01,
            1 - 0.25 / fig_h,
            f"{clip.path}  [{clip.source}]  frames {shown[0]}-{shown[-1]} of {track.n_frames}, every {step}  "
            f"(LEFT arm blue, RIGHT arm orange)",
            fontsize=10,
        )
        path = out_dir / f"page{page}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="+", help="paths relative to ../shared/media")
    parser.add_argument("--step", type=int, default=0, help="every Nth frame (default: about 15 a second)")
    parser.add_argument("--t0", type=float, default=0.0, help="from this time (s)")
    parser.add_argument("--t1", type=float, default=float("inf"), help="to this time (s)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the pages")
    parser.add_argument("--full", action="store_true", help="the whole frame (everyone in it), not the boxer's crop")
    args = parser.parse_args()
    status = 0
    for path in args.clips:
        rel = path.removeprefix(str(MEDIA) + "/")
        clip = Clip(path=rel, source=source_of(rel))
        if not clip.media.is_file():
            print(f"{rel}: no such clip in {MEDIA}", file=sys.stderr)
            status = 2
            continue
        track = read_track(clip)
        if track is None:
            print(f"{rel}: no cached pose track: run `.venv/bin/python bench/corpus.py tracks` first", file=sys.stderr)
            status = 2
            continue
        fps = 1 / float(np.median(np.diff(track.t_s))) if track.n_frames > 1 else 15.0
        step = args.step or max(1, round(fps / 15))
        out = args.out or CACHE.parent / "sheets" / rel
        for page in render(clip, track, out, step=step, t0=args.t0, t1=args.t1, full=args.full):
            print(page)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
