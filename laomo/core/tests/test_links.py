"""`object_url` writes the same address as `reverse`, under any script prefix."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from laomo.core.links import object_url

PAGES = [
    "halfyear:report",
    "outreach:talk-detail",
    "regions:region-detail",
    "regions:organisation-detail",
    "schools:school-detail",
    "people:person-detail",
    "people:group-detail",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("prefix", ["/", "/laomo/"])
def test_object_url_equals_reverse(name, prefix):
    set_script_prefix(prefix)
    try:
        for pk in (1, 7, 10, 123456789):
            assert object_url(name, pk) == reverse(name, args=[pk])
        assert object_url(name, 5).startswith(prefix)
    finally:
        clear_script_prefix()
