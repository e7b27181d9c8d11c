import math

import pytest

from punch_core.body import BodySpecs, Experience, Stance
from punch_core.errors import ValidationError


def test_valid_specs_keep_their_values():
    specs = BodySpecs(height_cm=175, weight_kg=70, stance=Stance.SOUTHPAW, experience=Experience.BEGINNER)
    assert specs.height_m == 1.75
    assert specs.stance.lead_side == "right"
    assert Stance.ORTHODOX.lead_side == "left"
    assert Stance.ORTHODOX.swapped is Stance.SOUTHPAW


@pytest.mark.parametrize(
    ("kwargs", "field", "allowed"),
    [
        ({"height_cm": 99.9}, "height_cm", "from 100 to 250"),
        ({"height_cm": 251}, "height_cm", "from 100 to 250"),
        ({"height_cm": math.nan}, "height_cm", "a number from 100 to 250"),
        ({"height_cm": 175, "weight_kg": 29}, "weight_kg", "from 30 to 200"),
        ({"height_cm": 175, "weight_kg": 201}, "weight_kg", "from 30 to 200"),
        ({"height_cm": "tall"}, "height_cm", "a number from 100 to 250"),
        ({"height_cm": 175, "stance": "sideways"}, "stance", "one of orthodox or southpaw"),
        ({"height_cm": 175, "experience": "pro"}, "experience", "one of beginner or intermediate or advanced"),
    ],
)
def test_invalid_specs_name_field_value_and_range(kwargs, field, allowed):
    with pytest.raises(ValidationError) as info:
        BodySpecs.parse(**kwargs)
    err = info.value
    assert err.field == field
    assert err.allowed == allowed
    assert field in str(err)
    assert repr(err.value) in str(err) or str(err.value) in str(err)


def test_parse_accepts_cli_strings():
    specs = BodySpecs.parse(height_cm="180", weight_kg="75.5", stance="Southpaw", experience="ADVANCED")
    assert specs == BodySpecs(height_cm=180.0, weight_kg=75.5, stance=Stance.SOUTHPAW, experience=Experience.ADVANCED)


def test_bool_is_not_a_height():
    with pytest.raises(ValidationError):
        BodySpecs(height_cm=True)


def test_each_stance_names_its_lead_and_rear_sides():
    from punch_core.body import Stance  # noqa: PLC0415

    assert (Stance.ORTHODOX.lead_side, Stance.ORTHODOX.rear_side) == ("left", "right")
    assert (Stance.SOUTHPAW.lead_side, Stance.SOUTHPAW.rear_side) == ("right", "left")
