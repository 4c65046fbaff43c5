"""`get_<field>_display()` from the cached labels: the same text as Django's, for every choice."""

from __future__ import annotations

import pytest

from laomo.outreach.choices import Level, Status
from laomo.outreach.models import Talk
from laomo.schools.models import School


@pytest.mark.parametrize(
    ("model", "field", "choices"),
    [(Talk, "status", Status), (Talk, "level", Level), (School, "stage", School.Stage)],
)
def test_every_choice_shows_its_label(model, field, choices):
    for value, label in choices.choices:
        row = model(**{field: value})
        assert getattr(row, f"get_{field}_display")() == str(label)


def test_a_value_outside_the_choices_shows_itself():
    assert Talk(status="lost").get_status_display() == "lost"
    assert Talk(status=None).get_status_display() is None
