"""Builds the end-to-end test videos from the ../shared clips (H.264, 15 fps).

OUT.mp4: the shadowcoach jab clips joined into one 62 s round. TWO.mp4 (optional): two people side by side for
62 s (about the shortest upload taken), the jab clips on the left and the other shadowcoach clips on the right,
where that person is gone after 18 s (picked as the boxer they are seen in too little of the video: the analysis
fails, and is tried again with the person on the left).

Usage: python frontend/e2e/make_video.py OUT.mp4 [TWO.mp4]   (from the repository root, with the project's venv)
Exit status 3 (with a message) when ../shared is absent: the e2e run then skips.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT.parent / "shared" / "media" / "shadowcoach" / "jab"


def main() -> int:
    """Write the video (once; an existing file is reused); 3 when the clips are absent."""
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: make_video.py OUT.mp4 [TWO.mp4]\n")
        return 2
    out = Path(sys.argv[1])
    clips = sorted(CLIPS.glob("*.mp4"))
    if not clips:
        sys.stderr.write(f"skipping: no test clips at {CLIPS} (../shared is absent)\n")
        return 3
    sys.path.insert(0, str(ROOT))
    from tests.support.videos import concat_clips, side_by_side  # noqa: PLC0415 - needs the repository root on the path

    if not (out.is_file() and out.stat().st_size > 0):
        out.parent.mkdir(parents=True, exist_ok=True)
        concat_clips(clips, out, seconds=62, fps=15)
    if len(sys.argv) == 3 and not Path(sys.argv[2]).is_file():
        two = Path(sys.argv[2])
        left = concat_clips(clips, two.with_suffix(".left.mp4"), seconds=62, fps=15)
        others = sorted((CLIPS.parent / "non_jab").glob("*.mp4"))
        right = concat_clips(others, two.with_suffix(".right.mp4"), seconds=18, fps=15)
        side_by_side(left, right, two, right_until_s=18.0)
        left.unlink()
        right.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
