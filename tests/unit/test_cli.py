import json

import numpy as np
import pytest

from punch_app.cli import main, summary
from punch_core.formats import track_to_npz_bytes
from punch_core.report import REPORT_KEYS
from punch_core.track import PoseTrack


def test_detect_real_csv_writes_report(shared_dir, tmp_path, capsys):
    path = next((shared_dir / "media/shadowcoach/landmarks").glob("jab_*.csv"))
    out = tmp_path / "r" / "report.json"
    rc = main(["detect", str(path), "--frame-size", "464x832", "--height-cm", "175", "--lang", "ko", "--out", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    assert tuple(report)[: len(REPORT_KEYS)] == REPORT_KEYS or set(REPORT_KEYS) <= set(report)
    assert report["coaching"]["language"] == "ko"
    assert report["coaching"]["source"] == "offline"
    assert "wrote" in capsys.readouterr().err


def test_detect_npz_to_stdout(tmp_path, capsys):
    track = PoseTrack(t_s=np.arange(5) / 30, landmarks=np.full((5, 33, 4), np.nan), width=10, height=10)
    path = tmp_path / "t.npz"
    path.write_bytes(track_to_npz_bytes(track))
    rc = main(["detect", str(path), "--height-cm", "175"])
    assert rc == 1
    assert "the boxer was found in only 0% of the video" in capsys.readouterr().err


def test_csv_without_frame_size_says_what_to_add(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("frame_idx,timestamp_sec\n")
    assert main(["detect", str(path), "--height-cm", "175"]) == 2
    assert "--frame-size" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value", "field"), [("--height-cm", "300", "height_cm"), ("--stance", "x", "stance")])
def test_bad_specs_are_usage_errors(tmp_path, capsys, flag, value, field):
    path = tmp_path / "t.npz"
    path.write_bytes(b"PK")
    args = ["detect", str(path), "--height-cm", "175", flag, value]
    assert main(args) == 2
    assert field in capsys.readouterr().err


def test_missing_file_is_clear(tmp_path, capsys):
    assert main(["detect", str(tmp_path / "nope.npz"), "--height-cm", "175"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_summary_says_why_listed_stamps_are_not_counted():
    def report(confidences: list[float], strikes: int) -> dict[str, object]:
        return {
            "stamps": [{"kind": "cross", "confidence": c} for c in confidences],
            "metrics": {"strikes_total": strikes},
            "quality": {"coach_min_confidence": 0.3},
        }

    assert summary(report([0.004], 0)) == (
        "1 stamp, 0 strikes counted; 1 under the coach's confidence floor (0.30): listed, not counted"
    )
    assert summary(report([0.9, 0.8], 2)) == "2 stamps, 2 strikes counted"
    assert summary(report([], 0)) == "0 stamps, 0 strikes counted"
