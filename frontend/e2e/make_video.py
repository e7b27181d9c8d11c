"""Builds the end-to-end test video: the shadowcoach jab clips joined into one 62 s round (H.264, 15 fps).

Usage: python frontend/e2e/make_video.py OUT.mp4   (run from the repository root, with the project's venv)
Exit status 3 (with a message) when ../shared is absent: the e2e run then skips.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT.parent / "shared" / "media" / "shadowcoach" / "jab"


def main() -> int:
    """Write the video (once; an existing file is reused); 3 when the clips are absent."""
    if len(sys.argv) != 2:
        sys.stderr.write("usage: make_video.py OUT.mp4\n")
        return 2
    out = Path(sys.argv[1])
    clips = sorted(CLIPS.glob("*.mp4"))
    if not clips:
        sys.stderr.write(f"skipping: no test clips at {CLIPS} (../shared is absent)\n")
        return 3
    if out.is_file() and out.stat().st_size > 0:
        return 0
    sys.path.insert(0, str(ROOT))
    from tests.support.videos import concat_clips  # noqa: PLC0415 - needs the repository root on the path

    out.parent.mkdir(parents=True, exist_ok=True)
    concat_clips(clips, out, seconds=62, fps=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
