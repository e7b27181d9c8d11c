"""The library's front door (punch_core/__init__.py) and the examples of docs/library.md, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import punch_core
from punch_core import track_to_npz_bytes
from punch_core.testing import Camera, make_round, track_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_every_exported_name_exists_and_says_what_it_is() -> None:
    for name in punch_core.__all__:
        value = getattr(punch_core, name)
        assert isinstance(value, (int, float)) or (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert "detect_stamps" in punch_core.__all__
    assert "read_track" in punch_core.__all__


def test_the_front_door_example_runs_on_a_track_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = make_round(actions=[("jab", 1.0), ("cross", 2.2)], duration_s=3.5, camera=Camera(yaw_deg=80.0), seed=3)
    (tmp_path / "pose_track.npz").write_bytes(track_to_npz_bytes(track_of(r)))
    monkeypatch.chdir(tmp_path)
    names: dict[str, object] = {"print": lambda *_args: None}
    exec(_examples()[0], names)  # noqa: S102 - our own documentation's example
    report = names["report"]
    assert isinstance(report, dict)
    assert [s["kind"] for s in report["stamps"] if s["category"] == "strike"] == ["jab", "cross"]
    assert report["metrics"] == names["metrics"]


def test_the_property_test_examples_pass() -> None:
    names: dict[str, object] = {}
    exec(_examples()[1], names)  # noqa: S102 - our own documentation's example
    tests = [v for k, v in names.items() if k.startswith("test_") and callable(v)]
    assert len(tests) == 2
    for test in tests:
        test()
