"""The filter selects that stay small: a plain select while the rows fit, the chosen option and a
search box when they do not; the search box's options scoped like every other list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from laomo.core import widgets
from laomo.core.scoping import Scope
from laomo.core.suggest import KINDS
from laomo.core.testing.factories import OrganisationFactory, SchoolFactory
from laomo.regions.models import Organisation
from laomo.schools.models import School


def _options(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_small_list_is_a_plain_select(login, world):
    page = _options(login(world.user("county_union_a")).get(reverse("outreach:talk-list")))
    assert 'name="school"' in page
    assert f">{world.a.school.name}</option>" in page
    assert f">{world.a.other_school.name}</option>" in page
    assert "lm-suggest" not in page


def test_a_plain_select_marks_the_chosen_row_only_and_escapes_names(login, world):
    odd = SchoolFactory(region=world.a.region, name='<b>"实验"</b>小学')
    client = login(world.user("county_union_a"))
    page = _options(client.get(reverse("outreach:talk-list"), {"school": odd.pk}))
    assert (
        f'<option value="{odd.pk}" selected>&lt;b&gt;&quot;实验&quot;&lt;/b&gt;小学</option>'
        in page
    )
    assert page.count(" selected>") == 1 + page.count('<option value="" selected>')
    assert f'<option value="{world.a.school.pk}">{world.a.school.name}</option>' in page
    assert "<b>" not in page


def test_a_plain_select_lists_its_rows_in_the_databases_order(login, world):
    """Read unsorted in one query and sorted here: the same order as the query's ORDER BY."""
    for name in ["乙小学", "Beta School", "甲小学", "alpha school", "丙中学"]:
        SchoolFactory(region=world.a.region, name=name)
    SchoolFactory(region=world.zone, name="园区小学")
    user = world.user("city_union")
    page = _options(login(user).get(reverse("outreach:talk-list")))
    select = page.split('name="school"')[1].split("</select>")[0]
    shown = re.findall(r'<option value="(\d+)"', select)
    expected = School.objects.restrict(Scope.for_user(user)).current().values_list("pk", flat=True)
    assert [int(pk) for pk in shown] == list(expected)
    assert len(shown) > 6


def test_a_long_list_carries_the_chosen_option_only(login, world, monkeypatch):
    monkeypatch.setattr(widgets, "LIMIT", 1)
    client = login(world.user("county_union_a"))
    page = _options(client.get(reverse("outreach:talk-list")))
    assert "lm-suggest" in page
    assert reverse("suggest-schools") in page
    assert f">{world.a.school.name}</option>" not in page
    chosen = world.a.other_school
    page = _options(client.get(reverse("outreach:talk-list"), {"school": chosen.pk}))
    assert f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in page
    assert f">{world.a.school.name}</option>" not in page


def test_a_long_list_keeps_the_page_to_a_fixed_number_of_queries(
    login, world, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(widgets, "LIMIT", 5)
    client = login(world.user("county_union_a"))
    url = reverse("schools:school-list")
    client.get(url)  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    SchoolFactory.create_batch(12, region=world.a.region)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("kind", KINDS)
def test_suggestions_stay_in_the_county(login, world, kind):
    bases = {
        county.region.code: OrganisationFactory(
            region=county.region,
            kind=Organisation.Kind.PRACTICE_BASE,
            name=f"{county.region.name}基地",
        )
        for county in (world.a, world.b)
    }
    OrganisationFactory(region=world.a.region, name="原州区某单位")  # not a base: never offered
    page = _options(login(world.user("county_union_a")).get(reverse(f"suggest-{kind}")))
    if kind == "bases":
        assert "原州区某单位" not in page
    foreign = {
        "bases": bases[world.b.region.code].name,
        "schools": world.b.school.name,
        "people": world.b.person.name,
        "groups": world.b.group.name,
        "regions": world.b.region.name,
        # A county's account sees no city, not even the one it lies in.
        "cities": world.city.name,
        "counties": world.b.region.name,
        "localities": world.b.region.name,
    }[kind]
    own = {
        "bases": bases[world.a.region.code].name,
        "schools": world.a.school.name,
        "people": world.a.person.name,
        "groups": world.a.group.name,
        "regions": world.a.region.name,
        "cities": None,
        "counties": world.a.region.name,
        "localities": world.a.region.name,
    }[kind]
    if own is not None:
        assert own in page
    assert foreign not in page


def test_a_filter_offers_only_the_levels_it_accepts(login, world):
    """The people list's region filter takes cities and counties, so its search box offers no
    province, even to a province's account: a choice the form would refuse is never shown."""
    from laomo.core.testing.factories import UserFactory

    province_user = UserFactory(username="province-union", role="city_union", region=world.province)
    client = login(province_user)
    offered = {
        kind: _options(client.get(reverse(f"suggest-{kind}")))
        for kind in ("localities", "counties")
    }
    assert f">{world.city.name}" in offered["localities"]
    assert f">{world.city.name}" not in offered["counties"]
    for region in (world.a.region, world.b.region):
        assert f">{region.name}" in offered["localities"]
        assert f">{region.name}" in offered["counties"]
    assert f">{world.province.name}" not in offered["localities"]


def test_suggestions_match_pinyin_initials_and_say_when_there_are_more(login, world, monkeypatch):
    from laomo.core import suggest

    monkeypatch.setattr(suggest, "SHOWN", 3)
    for number in "一二三四五":
        SchoolFactory(region=world.a.region, name=f"何家村第{number}小学")
    client = login(world.user("city_union"))
    page = _options(client.get(reverse("suggest-schools"), {"q": "hjcd"}))
    assert page.count("小学（原州区）") == 3
    assert "只列出前 3 项" in page
    page = _options(client.get(reverse("suggest-schools"), {"q": "没有这所学校"}))
    assert "没有找到“没有这所学校”" in page


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("suggest-schools"), {"q": "a"})
    assert response.status_code == 302


def test_a_field_with_its_own_labels_is_refused_not_shown_wrong():
    from django import forms
    from django.core.exceptions import ImproperlyConfigured

    class Labelled(forms.ModelChoiceField):
        def label_from_instance(self, obj):
            return f"{obj.name}（{obj.pk}）"

    field = Labelled(
        queryset=School.objects.unrestricted(), widget=widgets.SuggestSelect("schools")
    )
    with pytest.raises(ImproperlyConfigured):
        field.widget.get_context("school", None, {})


def test_options_escape_text_and_keep_safe_html_as_django_would():
    from django.utils.html import conditional_escape, format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    labels = ["<b>\"甲\" & '乙'</b>", mark_safe("<i>已转义</i>"), gettext_lazy("全部"), 7]
    for label in labels:
        assert widgets.text_html(label) == conditional_escape(label)
    written = widgets.options_html([("a&b", labels[0]), (3, labels[1])], chosen=["3"])
    assert written == format_html(
        '<option value="{}">{}</option><option value="{}" selected>{}</option>',
        "a&b",
        labels[0],
        3,
        labels[1],
    )


FILTERS = [
    ("outreach:talk-list", ["organiser", "region", "school", "lecturer"]),
    ("outreach:talk-calendar", ["region", "lecturer"]),
    ("outreach:talk-create", ["school", "base"]),
    ("schools:school-list", ["region", "city"]),
    ("people:person-list", ["region", "group"]),
    ("people:group-list", ["region"]),
    ("regions:organisation-list", ["region"]),
    ("oversight:coverage", ["region", "city"]),
]


@pytest.mark.parametrize(("page", "fields"), FILTERS, ids=[page for page, _ in FILTERS])
@pytest.mark.parametrize("value", ["99999999999999999999", "9223372036854775808", "²", "٣", "-1"])
def test_a_select_answers_an_id_no_row_can_have(login, world, page, fields, value):
    """An id too large for any integer column, or digits that are not ASCII, chose nothing: the
    page answers (it once failed with an overflow in the options' query)."""
    client = login(world.user("city_union"))
    for field in fields:
        response = client.get(reverse(page), {field: value})
        assert response.status_code == 200, (field, value)
        assert f'value="{value}" selected' not in response.content.decode()
