"""The figures through the API: the same numbers as the pages, the same scope (a county: its own
row; a city: the city's; a province: by city), stable field names and region codes, documented
in the OpenAPI schema, and a fixed number of queries whatever the data size."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laomo.accounts.models import ApiToken
from laomo.core.roles import Role
from laomo.core.testing.factories import PersonFactory, RegionFactory, SchoolFactory, UserFactory
from laomo.outreach.models import ProgrammeYear
from laomo.oversight.tests.conftest import local
from laomo.regions.models import Region

QUOTAS = "/api/v1/oversight/quotas"
COVERAGE = "/api/v1/oversight/coverage"

ROW_FIELDS = {
    "region_code",
    "region_name",
    "region_level",
    "kind",
    "label",
    "minimum",
    "accepted",
    "awaiting",
    "planned",
    "done",
    "expected_by_now",
    "state",
    "state_label",
    "will_reach",
    "shortfall",
    "invited",
}


def bearer(user) -> dict:
    _token, raw = ApiToken.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def talks(world, programme):
    p = programme
    p.add("county_union_a", local(2025, 3, 2), "accepted")
    p.add("county_union_a", local(2025, 3, 3), "held")
    p.add("county_union_a", local(2025, 3, 4), "planned")
    p.add("county_union_a", local(2025, 3, 5), "cancelled")
    p.add("school_a", local(2025, 4, 1), "accepted")
    p.add("county_union_b", local(2025, 5, 1), "resubmitted")
    p.add("city_union", local(2025, 6, 1), "accepted", school=world.b.other_school)
    p.add("zone_union", local(2025, 7, 1), "returned")
    p.add("county_union_a", local(2025, 12, 31, 23, 30), "accepted", school=world.a.other_school)
    p.add("county_union_b", local(2026, 1, 1, 0, 30), "accepted", school=world.b.school)
    return p


def _rows(city: dict) -> dict[str, dict]:
    return {row["region_code"]: row for row in city["rows"]}


def test_a_city_gets_its_table(world, talks, client):
    response = client.get(QUOTAS, {"year": 2025}, **bearer(world.user("city_union")))
    assert response.status_code == 200
    data = response.json()
    assert data["year"] == 2025
    assert data["total"] is None
    assert data["elapsed_fraction"] == 1.0
    [city] = data["cities"]
    assert (city["city_code"], city["quota_total"], city["quota_city"]) == ("640400", 20, 5)
    assert (city["quota_county"], city["quota_zone"]) == (3, None)
    rows = _rows(city)
    assert list(rows) == ["640400", "640402", "640422", "640471"]
    assert set(rows["640402"]) == ROW_FIELDS
    a = rows["640402"]
    assert (a["accepted"], a["awaiting"], a["planned"]) == (2, 1, 1)
    assert a["invited"] == {"accepted": 1, "awaiting": 0, "planned": 0}
    assert (a["kind"], a["region_level"], a["minimum"]) == ("county", "county", 3)
    b = rows["640422"]
    assert (b["accepted"], b["awaiting"], b["planned"]) == (1, 0, 0)
    assert (b["state"], b["shortfall"]) == ("behind", 2)
    zone = rows["640471"]
    assert (zone["region_level"], zone["minimum"], zone["state"]) == ("zone", None, "none")
    assert (zone["accepted"], zone["awaiting"]) == (0, 1)
    assert (rows["640400"]["kind"], rows["640400"]["accepted"]) == ("city", 1)
    total = city["total"]
    assert (total["kind"], total["minimum"]) == ("total", 20)
    assert (total["accepted"], total["awaiting"], total["planned"]) == (4, 2, 1)
    assert total["invited"]["accepted"] == 1

    # 1 January 2026, 00:30 Beijing time, is 2026's.
    next_year = client.get(QUOTAS, {"year": 2026}, **bearer(world.user("city_union"))).json()
    assert _rows(next_year["cities"][0])["640422"]["accepted"] == 1
    assert _rows(next_year["cities"][0])["640402"]["accepted"] == 0


def test_a_county_gets_its_own_row_only(world, talks, client):
    for key, code, other in (
        ("county_union_a", "640402", "640422"),
        ("county_education_b", "640422", "640402"),
    ):
        response = client.get(QUOTAS, {"year": 2025}, **bearer(world.user(key)))
        text = response.content.decode()
        [city] = response.json()["cities"]
        assert city["total"] is None
        assert [row["region_code"] for row in city["rows"]] == [code]
        assert other not in text
        assert "640471" not in text
        coverage = client.get(COVERAGE, {"year": 2025}, **bearer(world.user(key)))
        assert [row["region_code"] for row in coverage.json()["by_region"]] == [code]
        assert other not in coverage.content.decode()
        assert coverage.json()["total"]["schools"] == 2


def test_a_province_gets_a_table_per_city_and_a_total(world, talks, client):
    other = RegionFactory(
        code="640500", name="中卫市", level=Region.Level.CITY, parent=world.province
    )
    RegionFactory(code="640502", name="沙坡头区", level=Region.Level.COUNTY, parent=other)
    ProgrammeYear.objects.create(
        city=other, year=2025, banner_template="{year}年{city}（{name}专场）", quota_total=12
    )
    province = UserFactory(username="province", role=Role.CITY_UNION, region=world.province)
    data = client.get(QUOTAS, {"year": 2025}, **bearer(province)).json()
    assert [city["city_code"] for city in data["cities"]] == ["640400", "640500"]
    assert data["total"]["region_code"] == "640000"
    assert data["total"]["minimum"] == 32
    assert data["total"]["accepted"] == data["cities"][0]["total"]["accepted"] == 4
    coverage = client.get(COVERAGE, {"year": 2025}, **bearer(province)).json()
    assert [row["region_code"] for row in coverage["by_region"]] == ["640400"]


def test_coverage_is_as_of_the_end_of_the_year_or_today(world, talks, client):
    headers = bearer(world.user("city_union"))
    past = client.get(COVERAGE, {"year": 2025}, **headers).json()
    assert past["as_of"] == "2025-12-31"
    assert (past["programme_start"], past["goal_date"]) == ("2023-10-12", "2028-10-12")
    # Reached in 2025: A's first school (3/2) and second (31 December, 23:30 Beijing time), B's
    # first (accepted after a return) and second (by the city); the zone's report was returned.
    assert (past["total"]["schools"], past["total"]["reached"]) == (5, 4)
    assert past["total"]["yearly"] == [
        {"year": 2023, "reached": 0},
        {"year": 2024, "reached": 0},
        {"year": 2025, "reached": 4},
    ]
    by_region = {row["key"]: (row["schools"], row["reached"]) for row in past["by_region"]}
    assert by_region == {"640402": (2, 2), "640422": (2, 2), "640471": (1, 0)}
    assert {row["key"]: row["reached"] for row in past["by_stage"]} == {"primary": 2, "junior": 2}
    assert [row["key"] for row in past["by_ownership"]] == ["public"]
    assert past["by_stage"][0]["region_code"] is None
    now = client.get(COVERAGE, **headers).json()
    assert now["as_of"] == timezone.localdate().isoformat()
    assert now["total"]["reached"] == 4, "a second talk at a reached school reaches nothing new"
    assert now["total"]["yearly"][-1] == {"year": timezone.localdate().year, "reached": 4}
    assert 0 < now["goal_rate"] < 1
    assert 1 <= now["goal_schools"] <= 5


@pytest.mark.parametrize("user_key", ["school_a", "lecturer_a", "reviewer"])
def test_the_figures_are_for_officials(world, client, user_key):
    for url in (QUOTAS, COVERAGE):
        response = client.get(url, **bearer(world.user(user_key)))
        assert response.status_code == 404
        assert response.json()["detail"]


def test_anonymous_and_bad_years_are_refused(world, client):
    for url in (QUOTAS, COVERAGE):
        assert client.get(url).status_code == 401
        bad = client.get(url, {"year": 1999}, **bearer(world.user("city_union")))
        assert bad.status_code == 422
        assert client.get(url, {"year": "x"}, **bearer(world.user("city_union"))).status_code == 422


def test_the_schema_documents_both(world, client):
    schema = client.get("/api/v1/openapi.json", **bearer(world.user("city_union"))).json()
    for path, summary in ((QUOTAS, "场次指标完成情况"), (COVERAGE, "学校覆盖情况")):
        operation = schema["paths"][path]["get"]
        assert operation["summary"] == summary
        assert operation["tags"] == ["统计"]
        assert [p["name"] for p in operation["parameters"]] == ["year"]
    components = schema["components"]["schemas"]
    assert set(components["QuotaRowOut"]["properties"]) == ROW_FIELDS
    assert {"as_of", "goal_date", "goal_rate", "by_region", "by_stage", "by_ownership"} <= set(
        components["CoverageOut"]["properties"]
    )


def _queries(client, url, headers) -> int:
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a"])
def test_query_counts_do_not_grow_with_the_data(world, programme, client, user_key):
    headers = bearer(world.user(user_key))
    programme.add("county_union_a", local(2025, 3, 2), "accepted")
    urls = [f"{QUOTAS}?year=2025", f"{COVERAGE}?year=2025", COVERAGE]
    small = {url: _queries(client, url, headers) for url in urls}
    county = RegionFactory(
        code="640423", name="隆德县", level=Region.Level.COUNTY, parent=world.city
    )
    for index in range(5):
        SchoolFactory(name=f"隆德县第{index}小学", region=county)
        PersonFactory(name=f"隆德劳模{index}", region=county)
    for index, state in enumerate(("accepted", "reported", "planned", "accepted")):
        programme.add("county_union_a", local(2025, 8, 1 + index), state)
        programme.add("county_union_b", local(2025, 9, 1 + index), state)
        programme.add("city_union", local(2025, 10, 1 + index), state)
    large = {url: _queries(client, url, headers) for url in urls}
    assert large == small
    assert max(small.values()) <= 12, small


def test_the_api_and_the_dashboard_agree(world, talks, client, login):
    page = login(world.user("city_union")).get("/oversight/", {"year": 2025})
    api = client.get(QUOTAS, {"year": 2025}, **bearer(world.user("city_union"))).json()
    shown = {line.row.region.code: line.row for line in page.context["lines"] if not line.total}
    for row in api["cities"][0]["rows"]:
        mine = shown[row["region_code"]]
        assert (row["accepted"], row["awaiting"], row["planned"]) == (
            mine.counts.accepted,
            mine.counts.awaiting,
            mine.counts.planned,
        )
        assert row["state"] == mine.state
    coverage = client.get(COVERAGE, {"year": 2025}, **bearer(world.user("city_union"))).json()
    assert coverage["total"]["reached"] == page.context["coverage"].total.reached
    assert date.fromisoformat(coverage["as_of"]) == page.context["coverage"].as_of
