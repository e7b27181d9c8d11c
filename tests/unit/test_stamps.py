import json
import math
from typing import Any

import pytest

from punch_core.errors import TrackFormatError
from punch_core.stamps import Category, Hand, Stamp, StampKind


def _jab(**kw):
    base: dict[str, Any] = {
        "kind": "jab",
        "hand": "lead",
        "t_start_s": 1.0,
        "t_peak_s": 1.2,
        "t_end_s": 1.5,
        "confidence": 0.9,
        "peak_speed_mps": 6.0,
    }
    base.update(kw)
    return Stamp(**base)


def test_stamp_dict_round_trip():
    stamp = _jab(features={"reach_m": 0.5})
    back = Stamp.from_dict(stamp.to_dict())
    assert back == stamp
    assert back.category is Category.STRIKE


def test_a_feature_that_could_not_be_measured_is_null_not_zero():
    stamp = _jab(features={"reach_m": 0.5, "wrist_visibility": math.nan})
    doc = stamp.to_dict()
    assert doc["features"] == {"reach_m": 0.5, "wrist_visibility": None}
    assert json.loads(json.dumps(doc, allow_nan=False))["features"]["wrist_visibility"] is None
    back = Stamp.from_dict(doc)
    assert back.features["reach_m"] == 0.5
    assert math.isnan(back.features["wrist_visibility"])


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"t_peak_s": 0.5}, "t_start_s <= t_peak_s"),
        ({"confidence": 1.5}, "confidence"),
        ({"hand": "none"}, "needs a hand"),
        ({"peak_speed_mps": None}, "peak_speed_mps"),
    ],
)
def test_invalid_stamps_are_rejected(kw, message):
    with pytest.raises(ValueError, match=message):
        _jab(**kw)


def test_slip_needs_a_side_and_no_speed():
    slip = Stamp(kind="slip", hand="none", side="left", t_start_s=0, t_peak_s=0.2, t_end_s=0.5, confidence=0.7)
    assert slip.category is Category.DEFENSE
    with pytest.raises(ValueError, match="side"):
        Stamp(kind="duck", hand="none", side="left", t_start_s=0, t_peak_s=0.2, t_end_s=0.5, confidence=0.7)


def test_from_dict_reports_bad_input():
    with pytest.raises(TrackFormatError, match="invalid stamp"):
        Stamp.from_dict({"kind": "haymaker"})


def test_numbers_and_categories():
    assert [k.number for k in StampKind if k.number] == [1, 2, 3, 4, 5, 6]
    assert StampKind.GUARD_DROP.category is Category.FAULT
    assert Hand("rear") is Hand.REAR
