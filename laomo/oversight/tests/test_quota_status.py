"""The city-wide quota is complete only when the city's total, its own city-level quota and every
county's quota are all met (002 三(一)3); otherwise its status names what is missing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from laomo.outreach.models import ProgrammeYear
from laomo.oversight.tests.conftest import local

DASHBOARD = reverse("oversight:dashboard")


@pytest.fixture
def small_quotas(world):
    """2025 asks 3 talks of the city in all, 1 of the city itself and 1 of each county."""
    return ProgrammeYear.objects.create(
        city=world.city,
        year=2025,
        banner_template="{year}年{city}（{name}专场）",
        quota_total=3,
        quota_city=1,
        quota_county=1,
    )


def _total(client):
    response = client.get(DASHBOARD, {"year": 2025})
    assert response.status_code == 200
    lines = [line for line in response.context["lines"] if line.total]
    assert len(lines) == 1
    return lines[0].row, response.content.decode()


def test_the_total_is_complete_only_when_every_county_is(world, programme, small_quotas, login):
    p = programme
    p.add("city_union", local(2025, 3, 1), "accepted")
    p.add("county_union_a", local(2025, 3, 2), "accepted")
    p.add("county_union_a", local(2025, 3, 3), "accepted")
    client = login(world.user("city_union"))

    # Three accepted: the total is met, but 西吉县 (county B) has held none.
    total, page = _total(client)
    assert total.counts.accepted == 3 >= total.minimum
    assert total.state == "behind"  # 2025 is over and 西吉县 has nothing
    assert total.state_label == "全市已达3场，西吉县未达1场"
    assert "已完成" not in total.state_label
    assert "全市已达3场，西吉县未达1场" in page

    # 西吉县 meets its own: now, and only now, complete.
    p.add("county_union_b", local(2025, 3, 4), "accepted")
    total, page = _total(client)
    assert (total.state, total.state_label) == ("reached", "已完成")


def test_the_city_level_quota_is_required_too(world, programme, small_quotas, login):
    p = programme
    for day in (2, 3):
        p.add("county_union_a", local(2025, 3, day), "accepted")
    p.add("county_union_b", local(2025, 3, 4), "accepted")
    total, _page = _total(login(world.user("city_union")))
    assert total.state_label == "全市已达3场，市级统筹未达1场"


def test_a_total_short_of_its_own_minimum_names_the_counties_behind(
    world, programme, small_quotas, login
):
    programme.add("city_union", local(2025, 3, 1), "accepted")
    total, page = _total(login(world.user("city_union")))
    assert total.counts.accepted < total.minimum
    assert total.state_label == "未完成"
    assert total.missing_note == "原州区、西吉县未达1场"
    assert "原州区、西吉县未达1场" in page


def test_a_province_is_told_which_county_keeps_a_city_from_complete(
    world, programme, small_quotas, login
):
    from laomo.core.roles import Role
    from laomo.core.testing.factories import UserFactory

    p = programme
    p.add("city_union", local(2025, 3, 1), "accepted")
    p.add("county_union_a", local(2025, 3, 2), "accepted")
    p.add("county_union_a", local(2025, 3, 3), "accepted")
    province = UserFactory(username="province", role=Role.CITY_UNION, region=world.province)
    response = login(province).get(DASHBOARD, {"year": 2025})
    city = next(line.row for line in response.context["lines"] if line.row.label == "固原市全市")
    assert city.state == "behind"
    assert city.state_label == "全市已达3场，西吉县未达1场"
    grand = response.context["lines"][0].row
    assert grand.state_label == "宁夏回族自治区已达3场，固原市未完成"
    warning = response.content.decode().split('id="behind-warning"')[1].split("</ul>")[0]
    assert "西吉县未达1场" in warning
