#!/usr/bin/env python3
"""Rebuild the packaged pose model bundle from the ``mediapipe==0.10.21`` wheel, byte for byte.

Usage: python3 scripts/build_pose_model.py [--wheel PATH] [--out PATH]

Steps (see docs/pose_model.md):

1. take the mediapipe 0.10.21 wheel (``--wheel``, or ``pip download`` it from PyPI for this Python);
2. install the writer's two dependencies, pinned, into a throwaway folder: ``flatbuffers`` shapes the bytes
   (every release before 25.12.19 serialises the landmark model differently), ``numpy`` does not but is needed;
3. run 0.10.21's ``metadata_writer`` straight from the extracted wheel in an isolated interpreter (``-I -S``), with
   bare stand-ins for the ``mediapipe`` package ``__init__`` modules, which import OpenCV, JAX and friends that the
   writer never uses; it adds TFLite metadata to ``pose_landmark_full.tflite`` (RGB image input normalised by mean 0,
   std 255; five feature outputs ``Identity`` ... ``Identity_4``); ``pose_detection.tflite`` is used as it is;
4. store both uncompressed in a zip as ``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each entry's
   data 64-byte aligned (an extra field with zipalign's id 0xD935, zero-filled), fixed timestamps and attributes,
   so the bytes never vary;
5. compare the sha256 with the reference: on a match write ``--out`` and exit 0; otherwise write ``OUT.mismatch``
   (never replacing ``--out``), say which part differs, and exit 1.

Standard library only; run it with the CPython 3.9-3.12 you want the wheel for (0.10.21 has no 3.13 wheel).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

EXPECTED_SHA256 = "8ea15f497276a4a48cdedf392b03e27a9eddce836f5c0bbbdfe91e4b292b0bab"
EXPECTED_SIZE = 9_398_174
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src/punch_adapters/pose/models/pose_landmarker_full.task"

MEDIAPIPE = "mediapipe==0.10.21"
WRITER_DEPS = ("flatbuffers==25.12.19", "numpy==1.26.4")

DETECTOR_SOURCE = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_SOURCE = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
SOURCE_SHA256 = {
    DETECTOR_SOURCE: "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    LANDMARKS_SOURCE: "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
}
DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
ENTRY_SHA256 = {
    DETECTOR_ENTRY: SOURCE_SHA256[DETECTOR_SOURCE],  # stored as shipped in the wheel
    LANDMARKS_ENTRY: "42b65052fe395347ddb2eaf6a60c3bb9de814c7db87532f3df53e9060cd0a05d",
}

ALIGN = 64
ALIGN_EXTRA_ID = 0xD935  # Android zipalign's extra-field id; here its payload is all zeros (as in the reference)
LOCAL_HEADER_SIZE = 30

# Runs in the child interpreter: argv = deps folder, extracted wheel root, source model, destination model.
WRITE_METADATA = """
import sys
import types

deps, wheel_root, src, dst = sys.argv[1:5]
sys.path.insert(0, deps)
for name in ("mediapipe", "mediapipe.tasks", "mediapipe.tasks.python"):
    package = types.ModuleType(name)
    package.__path__ = [wheel_root + "/" + name.replace(".", "/")]
    sys.modules[name] = package

from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

with open(src, "rb") as source:
    writer = metadata_writer.MetadataWriter.create(bytearray(source.read()))
writer.add_general_info("pose_landmarks_detector", "BlazePose GHUM full (from mediapipe 0.10.21 wheel)")
writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])  # RGB is the default colour space
for i in range(5):
    writer.add_feature_output(name="Identity" if i == 0 else f"Identity_{i}")
model, _json = writer.populate()
with open(dst, "wb") as target:
    target.write(model)
"""


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    """Echo and run a command, raising on failure.

    Args:
        cmd: The program and its arguments.
        cwd: The working folder, or None for the current one.
    """
    shown = [arg if "\n" not in arg else "<metadata writer>" for arg in cmd]
    print("+", " ".join(shown), flush=True)
    subprocess.run(cmd, check=True, cwd=cwd)  # noqa: S603 - commands built here from fixed parts and paths


def _sha256(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _fetch_wheel(tmp: Path, given: Path | None) -> Path:
    """Return the mediapipe wheel to build from, downloading it from PyPI when none is given.

    Args:
        tmp: A scratch folder for the download.
        given: A local wheel, or None to download one for this interpreter.

    Returns:
        The wheel's path.

    Raises:
        SystemExit: When the wheel is not a mediapipe 0.10.21 wheel for this interpreter.
    """
    if given is None:
        _run([sys.executable, "-m", "pip", "download", MEDIAPIPE, "--no-deps", "--only-binary=:all:", "-d", str(tmp)])
        given = next(tmp.glob("mediapipe-0.10.21-*.whl"))
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    if not given.name.startswith(f"mediapipe-0.10.21-{tag}-"):
        raise SystemExit(f"{given.name}: need a mediapipe 0.10.21 wheel for {tag}, the Python running this script")
    return given


def _add_landmark_metadata(tmp: Path, wheel: Path, landmarks: bytes) -> bytes:
    """Add the TFLite metadata to the landmark model with 0.10.21's own metadata writer.

    Args:
        tmp: A scratch folder.
        wheel: The mediapipe 0.10.21 wheel, whose ``mediapipe/tasks`` code (with its two C extensions) runs the writer.
        landmarks: The landmark model as shipped in the wheel.

    Returns:
        The landmark model with its metadata.
    """
    deps, wheel_root = tmp / "deps", tmp / "wheel"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:"]
    _run([*pip, "--target", str(deps), *WRITER_DEPS])
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(wheel_root, [name for name in archive.namelist() if name.startswith("mediapipe/tasks/")])
    (tmp / "landmarks.tflite").write_bytes(landmarks)
    _run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            WRITE_METADATA,
            str(deps),
            str(wheel_root),
            "landmarks.tflite",
            "out.tflite",
        ],
        cwd=tmp,
    )
    return (tmp / "out.tflite").read_bytes()


def aligned_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """Return a stored (uncompressed) zip whose entries' data start on ``ALIGN``-byte boundaries, with fixed metadata.

    The padding sits in an extra field with zipalign's id (0xD935) and a payload of zeros (no alignment value, unlike
    zipalign's); ``zipfile`` writes the same extra field into the central directory. Every entry is dated
    1980-01-01 00:00:00, made on Unix, mode 0600.

    Args:
        entries: ``(name, data)`` pairs in archive order.

    Returns:
        The zip's bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o600 << 16
            data_start = buffer.tell() + LOCAL_HEADER_SIZE + len(name.encode()) + 4  # 4: the extra field's id, size
            pad = (-data_start) % ALIGN
            info.extra = struct.pack("<HH", ALIGN_EXTRA_ID, pad) + bytes(pad)
            bundle.writestr(info, data)
    return buffer.getvalue()


def explain_mismatch(bundle: bytes) -> list[str]:
    """Say which part of a bundle differs from the reference: an entry's bytes, or the zip layout around them.

    Args:
        bundle: The rebuilt bundle.

    Returns:
        One line per finding.
    """
    lines = [f"bundle: {len(bundle):,} bytes (reference {EXPECTED_SIZE:,})"]
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        for info in archive.infolist():
            digest = _sha256(archive.read(info))
            verdict = "same as the reference" if digest == ENTRY_SHA256.get(info.filename) else "DIFFERS"
            start = info.header_offset + LOCAL_HEADER_SIZE + len(info.filename.encode()) + len(info.extra)
            lines.append(f"{info.filename}: {info.file_size:,} bytes at {start} (mod {ALIGN} = {start % ALIGN}), "
                         f"sha256 {digest}: {verdict}")  # fmt: skip
    if all("DIFFERS" not in line for line in lines[1:]):
        lines.append("every entry matches, so the zip layout (headers, extra fields, directory) differs")
    return lines


def main() -> int:
    """Build the bundle and check it against the reference.

    Returns:
        0 when the bundle matches the reference sha256 (and was written to ``--out``), 1 when not.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, default=None, help="a local mediapipe-0.10.21 wheel for this Python")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where to write the bundle ({DEFAULT_OUT})")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="build_pose_model_") as tmp_text:
        tmp = Path(tmp_text)
        wheel = _fetch_wheel(tmp, args.wheel)
        with zipfile.ZipFile(wheel) as archive:
            detector, landmarks = archive.read(DETECTOR_SOURCE), archive.read(LANDMARKS_SOURCE)
        for source, data in ((DETECTOR_SOURCE, detector), (LANDMARKS_SOURCE, landmarks)):
            if _sha256(data) != SOURCE_SHA256[source]:
                print(f"warning: {source} in {wheel.name} differs from the wheel this was made from", file=sys.stderr)
        landmarks = _add_landmark_metadata(tmp, wheel, landmarks)
    bundle = aligned_zip([(DETECTOR_ENTRY, detector), (LANDMARKS_ENTRY, landmarks)])
    digest = _sha256(bundle)
    matches = digest == EXPECTED_SHA256
    out: Path = args.out if matches else args.out.with_name(args.out.name + ".mismatch")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(bundle)
    os.replace(partial, out)
    print(f"wrote {out} ({len(bundle):,} bytes) in {time.monotonic() - started:.1f} s, sha256 {digest}")
    if not matches:
        print(f"MISMATCH: expected sha256 {EXPECTED_SHA256}", file=sys.stderr)
        for line in explain_mismatch(bundle):
            print("  " + line, file=sys.stderr)
        return 1
    print("byte-identical to the reference")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
