#!/usr/bin/env python3
"""Rebuild the packaged pose model bundle from the ``mediapipe==0.10.21`` wheel, byte for byte.

Usage: python3 scripts/build_pose_model.py [--wheel PATH] [--out PATH]

Steps (docs/pose_model.md):
1. take the mediapipe 0.10.21 wheel (``--wheel``, or ``pip download`` it from PyPI);
2. make a throwaway virtual environment with that wheel installed (its metadata writer works; 1.2.x's does not);
3. add TFLite metadata to ``pose_landmark_full.tflite`` (RGB image input normalised by mean 0, std 255; five
   feature outputs ``Identity`` ... ``Identity_4``); ``pose_detection.tflite`` is used as it is;
4. store both uncompressed in a zip as ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each entry's
   data 64-byte aligned (zipalign's 0xD935 extra field), fixed timestamps, so the bytes never vary;
5. compare the sha256 with the reference and exit 1 on a mismatch.
Standard library only; run it with any Python 3.11.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

EXPECTED_SHA256 = "8ea15f497276a4a48cdedf392b03e27a9eddce836f5c0bbbdfe91e4b292b0bab"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/punch_adapters/pose/models/pose_landmarker_full.task"
DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
ALIGN = 64
ALIGN_EXTRA_ID = 0xD935

WRITE_METADATA = """
import sys
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
src, dst = sys.argv[1], sys.argv[2]
writer = metadata_writer.MetadataWriter.create(bytearray(open(src, "rb").read()))
writer.add_general_info("pose_landmarks_detector", "BlazePose GHUM full (from mediapipe 0.10.21 wheel)")
writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])  # RGB is the default colour space
for i in range(5):
    writer.add_feature_output(name="Identity" if i == 0 else f"Identity_{i}")
model, _json = writer.populate()
open(dst, "wb").write(model)
"""


def _run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed commands built here


def _wheel(tmp: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    _run([sys.executable, "-m", "pip", "download", "mediapipe==0.10.21", "--no-deps", "--only-binary=:all:",
          "-d", str(tmp)])  # fmt: skip
    return next(tmp.glob("mediapipe-0.10.21-*.whl"))


def _aligned_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A stored (uncompressed) zip whose entries' data start on ``ALIGN``-byte boundaries, with fixed metadata.

    The padding sits in a zipalign-style extra field (id 0xD935) of zeros, in both the local and central headers.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o600 << 16
            start = buffer.tell() + 30 + len(name.encode()) + 4
            pad = (-start) % ALIGN
            info.extra = struct.pack("<HH", ALIGN_EXTRA_ID, pad) + bytes(pad)
            bundle.writestr(info, data)
    return buffer.getvalue()


def main() -> int:
    """Build the bundle; 0 when it matches the reference sha256, 1 when not."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, default=None, help="a local mediapipe-0.10.21 wheel")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        wheel = _wheel(tmp, args.wheel)
        venv = tmp / "venv"
        _run([sys.executable, "-m", "venv", str(venv)])
        _run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(wheel)])
        with zipfile.ZipFile(wheel) as wz:
            detector = wz.read(DETECTOR)
            (tmp / "landmarks.tflite").write_bytes(wz.read(LANDMARKS))
        _run([str(venv / "bin/python"), "-c", WRITE_METADATA, str(tmp / "landmarks.tflite"), str(tmp / "out.tflite")])
        landmarks = (tmp / "out.tflite").read_bytes()
    bundle = _aligned_zip([("pose_detector.tflite", detector), ("pose_landmarks_detector.tflite", landmarks)])
    digest = hashlib.sha256(bundle).hexdigest()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(bundle)
    print(f"wrote {args.out} ({len(bundle):,} bytes) sha256 {digest}")
    if digest != EXPECTED_SHA256:
        print(f"MISMATCH: expected {EXPECTED_SHA256}", file=sys.stderr)
        return 1
    print("matches the reference")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
