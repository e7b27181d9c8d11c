"""Settings from environment variables: defaults, and clear errors for values that cannot be right."""

from __future__ import annotations

import pytest

from punch_app.settings import Settings
from punch_core.errors import ValidationError


def test_s3_read_timeout_defaults_to_15_seconds_and_can_be_set() -> None:
    assert Settings.from_env({}).s3_read_timeout_s == 15.0
    assert Settings.from_env({"PUNCH_S3_READ_TIMEOUT_S": "2.5"}).s3_read_timeout_s == 2.5


@pytest.mark.parametrize("value", ["0.5", "-3", "soon", "nan", "inf"])
def test_a_timeout_that_cannot_be_right_names_the_variable(value: str) -> None:
    with pytest.raises(ValidationError, match="PUNCH_S3_READ_TIMEOUT_S"):
        Settings.from_env({"PUNCH_S3_READ_TIMEOUT_S": value})
    with pytest.raises(ValidationError, match="PUNCH_STAGE_TIMEOUT_S"):
        Settings.from_env({"PUNCH_STAGE_TIMEOUT_S": value})


def test_the_pose_rate_is_full_unless_asked_and_a_wrong_one_is_named():
    assert Settings.from_env({}).pose_rate == "full"
    assert Settings.from_env({"PUNCH_POSE_RATE": "Adaptive"}).pose_rate == "adaptive"
    with pytest.raises(ValidationError, match="PUNCH_POSE_RATE"):
        Settings.from_env({"PUNCH_POSE_RATE": "sometimes"})
