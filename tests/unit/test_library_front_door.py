"""The library's front door (punch_core/__init__.py) and the examples of docs/library.md, run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

import punch_core
from punch_core import track_to_npz_bytes
from punch_core.testing import Camera, make_round, track_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def _python(code: str) -> None:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and fail with its error if it fails."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr[-2000:]


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_every_exported_name_exists_and_says_what_it_is() -> None:
    for name in punch_core.__all__:
        value = getattr(punch_core, name)
        assert isinstance(value, (int, float)) or (value.__doc__ or "").strip(), f"{name} has no docstring"
    assert "detect_stamps" in punch_core.__all__
    assert sorted(punch_core._WHERE) == sorted(punch_core.__all__), "every exported name loads from somewhere"
    assert "read_track" in punch_core.__all__


def test_a_pose_worker_and_the_cli_start_without_the_analysis_engine() -> None:
    # A pose worker process imports the CLI again (the spawned process's main module) and the pose adapter; the
    # front door's names load on first use, so neither pays for scipy.signal (about 60 MB a worker) or its second.
    code = (
        "import sys, punch_app.cli, punch_adapters.pose.mediapipe_pose, punch_core\n"
        "assert 'scipy' not in sys.modules, sorted(m for m in sys.modules if m.startswith('scipy'))[:3]\n"
        "punch_core.detect_stamps\n"
        "assert 'scipy' in sys.modules\n"
    )
    _python(code)


def test_a_submodule_is_reached_from_the_front_door_without_importing_it_first() -> None:
    # ``import punch_core`` once imported every module, so scripts wrote ``punch_core.report.analyse_round``.
    code = (
        "import sys, punch_core\n"
        "assert 'punch_core.errors' not in sys.modules and 'punch_core.report' not in sys.modules\n"
        "assert punch_core.errors.MediaError.__name__ == 'MediaError'\n"
        "assert callable(punch_core.report.analyse_round)\n"
        "assert punch_core.detection.confidence.COACH_MIN_CONFIDENCE == punch_core.COACH_MIN_CONFIDENCE\n"
    )
    _python(code)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'detect_punches'"):
        punch_core.detect_punches  # type: ignore[attr-defined]  # noqa: B018 - the lookup is the test


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
        # As the suite's own property tests: no per-example deadline (a shared 2-core machine ran one example in
        # 208 ms against hypothesis's default 200), the same examples on every run.
        settings(deadline=None, derandomize=True, database=None)(test)()
