"""The coverage list's sort choices read in Chinese, each once, and each one sorts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from laomo.core.testing.factories import SchoolFactory

COVERAGE = reverse("oversight:coverage")


class Options(HTMLParser):
    """The options of the select named `o`: (value, label)."""

    def __init__(self):
        super().__init__()
        self.options: list[tuple[str, str]] = []
        self._in_select = False
        self._value = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._in_select = attrs.get("name") == "o"
        if tag == "option" and self._in_select:
            self._value = attrs.get("value", "")
            self.options.append((self._value, ""))

    def handle_data(self, data):
        if self._value is not None:
            value, label = self.options[-1]
            self.options[-1] = (value, label + data)

    def handle_endtag(self, tag):
        if tag == "option":
            self._value = None
        if tag == "select":
            self._in_select = False


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a"])
def test_the_sort_choices_are_chinese_and_each_listed_once(world, login, user_key):
    for index, size in enumerate((900, 40, 300)):
        SchoolFactory(name=f"原州区排序{index}校", region=world.a.region, student_count=size)
    client = login(world.user(user_key))
    parser = Options()
    parser.feed(client.get(COVERAGE).content.decode())
    values = [value for value, _label in parser.options]
    labels = [label.strip() for _value, label in parser.options]
    assert len(values) >= 5
    assert len(set(values)) == len(values)
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert not re.search(r"[A-Za-z]", label), label
    # The default is by county and name: no second choice sorts the same way.
    assert "county" not in values
    for value in values:
        response = client.get(COVERAGE, {"o": value, "reached": "all"})
        assert response.status_code == 200
        assert response.context["filterset"].is_valid(), value
    by_size = client.get(COVERAGE, {"o": "-students"}).context["object_list"]
    sizes = [school.student_count for school in by_size]
    assert sizes == sorted(sizes, reverse=True)
