"""The oversight pages against talks taken through the services: the quota table counts exactly
(accepted, awaiting, planned; cancelled nowhere; school-invited beside; the development zone
without a quota unless configured; the total is the city plus its counties); a county behind
pace is warned and one on pace is not; years are cut by the local date; coverage counts a school
from its first accepted talk; a county's pages never hold another county's figures; every figure
links to a list whose count is the figure; the query counts do not grow with the data."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from laomo.core.roles import Role
from laomo.core.testing.factories import PersonFactory, RegionFactory, SchoolFactory, UserFactory
from laomo.outreach.models import ProgrammeYear
from laomo.oversight.tests.conftest import local
from laomo.regions.models import Region
from laomo.schools.models import School

DASHBOARD = reverse("oversight:dashboard")
COVERAGE = reverse("oversight:coverage")
LECTURERS = reverse("oversight:lecturers")
MINE = reverse("oversight:my-dashboard")


def rows_of(response) -> dict[str, object]:
    """The quota table's rows by region code and kind ("640402", "640400:total")."""
    found = {}
    for line in response.context["lines"]:
        row = line.row
        found[row.region.code if row.level != "total" else f"{row.region.code}:total"] = row
    return found


def counts(row) -> tuple[int, int, int]:
    return row.counts.accepted, row.counts.awaiting, row.counts.planned


def invited(row) -> tuple[int, int, int]:
    return row.invited.accepted, row.invited.awaiting, row.invited.planned


@pytest.fixture
def year_2025(programme):
    """A year of talks in every state, at every level, in both counties, the city and the
    development zone (a lecturer never has two talks at once: each talk has its own day)."""
    p = programme
    made = {
        "a_accepted": p.add("county_union_a", local(2025, 3, 2), "accepted"),
        "a_resubmitted": p.add("county_union_a", local(2025, 3, 3), "resubmitted"),
        "a_held": p.add("county_union_a", local(2025, 4, 1), "held"),
        "a_reported": p.add("county_union_a", local(2025, 4, 2), "reported"),
        "a_returned": p.add("county_union_a", local(2025, 4, 3), "returned"),
        "a_planned": p.add("county_union_a", local(2025, 5, 1), "planned"),
        "a_confirmed": p.add("county_union_a", local(2025, 5, 2), "confirmed"),
        "a_cancelled": p.add("county_union_a", local(2025, 5, 3), "cancelled"),
        "school_accepted": p.add("school_a", local(2025, 6, 1), "accepted"),
        "school_reported": p.add("school_a", local(2025, 6, 2), "reported"),
        "b_accepted": p.add("county_union_b", local(2025, 6, 3), "accepted"),
        "city_accepted": p.add("city_union", local(2025, 7, 1), "accepted"),
        "city_held": p.add("city_union", local(2025, 7, 2), "held"),
        "city_cancelled": p.add("city_union", local(2025, 7, 3), "cancelled"),
        "zone_accepted": p.add("zone_union", local(2025, 7, 4), "accepted"),
    }
    return made


# The quota table --------------------------------------------------------------------------------


def test_the_quota_table_counts_exactly(world, year_2025, login):
    client = login(world.user("city_union"))
    response = client.get(DASHBOARD, {"year": 2025})
    assert response.status_code == 200
    rows = rows_of(response)
    city, a, b, zone = rows["640400"], rows["640402"], rows["640422"], rows["640471"]
    total = rows["640400:total"]

    assert counts(city) == (1, 1, 0)  # the cancelled city talk is nowhere
    # Accepted (once after a return), awaiting (held, reported, returned), planned (planned,
    # confirmed); the cancelled one nowhere; school A's own invitations beside, not inside.
    assert counts(a) == (2, 3, 2)
    assert invited(a) == (1, 1, 0)
    assert counts(b) == (1, 0, 0)
    assert invited(b) == (0, 0, 0)
    assert counts(zone) == (1, 0, 0)
    assert zone.minimum is None
    assert zone.state == "none"
    assert (city.minimum, a.minimum, b.minimum, total.minimum) == (5, 3, 3, 20)
    # The total is the city's own and every county's (the zone's too), the invitations beside.
    assert counts(total) == tuple(
        map(sum, zip(*(counts(r) for r in (city, a, b, zone)), strict=True))
    )
    assert counts(total) == (5, 4, 2)
    assert invited(total) == (1, 1, 0)
    # 2025 is over: A had enough talks but not all accepted; B too few.
    assert (a.state, a.state_label) == ("on_pace", "待验收后完成")
    assert (b.state, b.state_label) == ("behind", "未完成")
    body = response.content.decode()
    assert "2025年未完成场次指标" in body

    # The development zone has a quota once the year's settings give it one.
    ProgrammeYear.objects.create(
        city=world.city, year=2025, banner_template="{year}年{city}（{name}专场）", quota_zone=2
    )
    zone = rows_of(client.get(DASHBOARD, {"year": 2025}))["640471"]
    assert zone.minimum == 2
    assert zone.state == "behind"
    assert rows_of(client.get(DASHBOARD, {"year": 2025}))["640400:total"].minimum == 20


def test_a_county_sees_its_own_row(world, year_2025, login):
    client = login(world.user("county_education_a"))
    response = client.get(DASHBOARD, {"year": 2025})
    rows = rows_of(response)
    assert list(rows) == ["640402"], "no total, no city row, no other county"
    assert counts(rows["640402"]) == (2, 3, 2)
    assert invited(rows["640402"]) == (1, 1, 0)


def _today(monkeypatch, day: date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def test_a_county_behind_pace_is_warned_and_one_on_pace_is_not(
    world, programme, login, monkeypatch
):
    programme.add("county_union_a", local(2026, 3, 2), "accepted")
    programme.add("county_union_b", local(2026, 6, 20), "planned")
    # 1 July: half the year has passed, so a county owing 3 talks should have held 1.
    _today(monkeypatch, date(2026, 7, 1))
    client = login(world.user("city_union"))
    response = client.get(DASHBOARD)
    assert response.context["year"] == 2026
    rows = rows_of(response)
    a, b, zone = rows["640402"], rows["640422"], rows["640471"]
    assert (a.expected, a.state, a.state_label) == (1, "on_pace", "进度正常")
    assert (b.expected, b.state, b.state_label) == (1, "behind", "进度落后")
    assert not b.will_reach
    assert zone.state == "none"
    warning = _element(response, "behind-warning")
    assert "西吉县" in warning
    assert "进度落后" in warning
    assert "原州区" not in warning
    assert "开发区" not in warning
    assert 'data-region="640422" data-level="county"' in _tag_of(response, "640422")
    assert "table-danger" in _tag_of(response, "640422")
    assert "table-danger" not in _tag_of(response, "640402")

    own_a = login(world.user("county_union_a")).get(DASHBOARD)
    assert "behind-warning" not in own_a.content.decode()
    own_b = login(world.user("county_union_b")).get(DASHBOARD)
    assert "西吉县" in _element(own_b, "behind-warning")


class _Text(HTMLParser):
    """The text inside the element with a given id."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id, self.depth, self.text = element_id, 0, ""

    def handle_starttag(self, tag, attrs):
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text += data


def _element(response, element_id: str) -> str:
    parser = _Text(element_id)
    parser.feed(response.content.decode())
    assert parser.text, f"no #{element_id}"
    return parser.text


def _tag_of(response, code: str) -> str:
    html = response.content.decode()
    return re.search(rf'<tr[^>]*data-region="{code}"[^>]*>', html).group(0)


def test_years_are_cut_by_the_local_date(world, programme, login):
    late = programme.add(
        "county_union_a", local(2025, 12, 31, 23, 30), "accepted", title="除夕前夜"
    )
    early = programme.add("county_union_a", local(2026, 1, 1, 0, 30), "accepted", title="元旦清晨")
    assert (late.starts_on, early.starts_on) == (date(2025, 12, 31), date(2026, 1, 1))
    # In UTC both are on 31 December: only Beijing time tells them apart.
    assert late.starts_at.date() == early.starts_at.date() == date(2025, 12, 31)
    client = login(world.user("city_union"))
    for year, title, other in ((2025, "除夕前夜", "元旦清晨"), (2026, "元旦清晨", "除夕前夜")):
        response = client.get(DASHBOARD, {"year": year})
        a = rows_of(response)["640402"]
        assert counts(a) == (1, 0, 0), year
        listed = client.get(a.urls["accepted"])
        assert listed.context["paginator"].count == 1
        assert title in listed.content.decode()
        assert other not in listed.content.decode()
    december = client.get(DASHBOARD, {"year": 2025}).context["month_rows"][11]["cells"][0]
    january = client.get(DASHBOARD, {"year": 2026}).context["month_rows"][0]["cells"][0]
    assert december[0] == 1
    assert january[0] == 1
    assert client.get(december[1]).context["paginator"].count == 1


# Coverage ---------------------------------------------------------------------------------------


def test_coverage_counts_a_school_from_its_first_accepted_talk(world, programme, login):
    a, b = world.a, world.b
    programme.add("county_union_a", local(2024, 5, 10), "returned", school=a.school)
    programme.add("county_union_a", local(2024, 5, 11), "cancelled", school=a.other_school)
    programme.add("county_union_a", local(2024, 5, 12), "reported", school=a.other_school)
    programme.add("zone_union", local(2024, 9, 1), "resubmitted")
    programme.add("county_union_b", local(2025, 3, 10), "accepted", school=b.school)
    programme.add("county_union_b", local(2026, 2, 1), "accepted", school=b.school)
    b.school.refresh_from_db()
    assert b.school.reached_on == date(2025, 3, 10), "from the first, not the latest"

    client = login(world.user("city_union"))
    coverage = client.get(DASHBOARD, {"year": 2026}).context["coverage"]
    assert (coverage.total.schools, coverage.total.reached) == (5, 2)
    assert dict(zip(coverage.years, coverage.total.yearly, strict=True)) == {
        2023: 0,
        2024: 1,
        2025: 2,
        2026: 2,
    }
    by_region = {row.code: (row.schools, row.reached) for row in coverage.by_region}
    assert by_region == {"640402": (2, 0), "640422": (2, 1), "640471": (1, 1)}
    past = client.get(DASHBOARD, {"year": 2024}).context["coverage"]
    assert past.as_of == date(2024, 12, 31)
    assert past.total.reached == 1

    unreached = client.get(COVERAGE)
    names = {school.name for school in unreached.context["object_list"]}
    assert names == {a.school.name, a.other_school.name, b.other_school.name}
    as_of_2024 = client.get(COVERAGE, {"as_of": "2024-12-31"})
    assert b.school.name in {s.name for s in as_of_2024.context["object_list"]}
    reached_2024 = client.get(COVERAGE, {"as_of": "2024-12-31", "reached": "yes"})
    assert [s.name for s in reached_2024.context["object_list"]] == [programme.zone_school.name]


def test_city_level_schools_have_a_row_so_the_rows_add_up(world, programme, login):
    city_school = SchoolFactory(name="固原市第一中学", region=world.city, stage="complete")
    programme.add("city_union", local(2025, 4, 1), "accepted", school=city_school)
    coverage = login(world.user("city_union")).get(DASHBOARD).context["coverage"]
    labels = [row.label for row in coverage.by_region]
    assert labels[-1] == "固原市（市直）"
    assert sum(row.schools for row in coverage.by_region) == coverage.total.schools
    assert sum(row.reached for row in coverage.by_region) == coverage.total.reached == 1


def test_the_coverage_list_sorts_filters_and_exports(world, programme, login):
    for index, (stage, size) in enumerate((("senior", 2400), ("special", 90), ("junior", 1300))):
        SchoolFactory(
            name=f"原州区测试{index}校", region=world.a.region, stage=stage, student_count=size
        )
    programme.add("county_union_a", local(2025, 3, 2), "accepted", school=world.a.school)
    client = login(world.user("county_union_a"))

    def names(**params):
        return [s.name for s in client.get(COVERAGE, params).context["object_list"]]

    assert names(o="-students")[:2] == ["原州区测试0校", "原州区测试2校"]
    assert names(o="students")[0] == "原州区测试1校"
    stages = [s.stage for s in client.get(COVERAGE, {"o": "stage"}).context["object_list"]]
    order = list(School.Stage.values)
    assert stages == sorted(stages, key=order.index)
    assert names(stage="special") == ["原州区测试1校"]
    assert world.a.school.name not in names(), "reached schools are not in the default list"
    assert world.a.school.name in names(reached="all")
    assert names(ownership="private") == []

    export = client.get(COVERAGE, {"o": "-students", "export": "xlsx"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("原州区尚未覆盖学校名单（截至")
    assert rows[1][:3] == ("序号", "学校名称", "所属县（区）")
    assert [row[1] for row in rows[2:]] == names(o="-students")
    assert rows[2][0] == 1


# Scope ------------------------------------------------------------------------------------------


def test_county_a_pages_hold_nothing_of_county_b(world, year_2025, login):
    b = world.b
    client = login(world.user("county_union_a"))
    pages = [
        f"{DASHBOARD}?year=2025",
        DASHBOARD,
        f"{COVERAGE}?reached=all",
        f"{COVERAGE}?reached=all&as_of=2025-12-31",
        f"{COVERAGE}?reached=all&region={b.region.pk}",
        f"{COVERAGE}?reached=all&export=xlsx",
        f"{LECTURERS}?year=2025",
        f"{reverse('oversight:lecturer-talks', args=[world.a.person.pk])}?year=2025",
    ]
    secrets = ["西吉", b.person.name, b.school.name, b.other_school.name, "640422", "开发区"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("application/vnd"):
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            text = " ".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)
        else:
            text = response.content.decode()
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{url} shows {leaked}"
    assert (
        client.get(f"{COVERAGE}?reached=all&region={b.region.pk}").context["paginator"].count == 0
    )
    lecturer_b = reverse("oversight:lecturer-talks", args=[b.person.pk])
    refused = client.get(lecturer_b)
    assert refused.status_code == 404
    assert b.person.name not in refused.content.decode()
    coverage = client.get(DASHBOARD, {"year": 2025}).context["coverage"]
    assert coverage.total.schools == 2
    assert [row.code for row in coverage.by_region] == ["640402"]


@pytest.mark.parametrize("user_key", ["school_a", "lecturer_a", "reviewer"])
def test_the_oversight_pages_are_for_officials(world, login, user_key):
    client = login(world.user(user_key))
    for url in (DASHBOARD, COVERAGE, LECTURERS):
        assert client.get(url).status_code == 404
    assert (client.get(MINE).status_code == 200) == (user_key == "lecturer_a")


# Every figure opens the list of what it counts ---------------------------------------------------


class Links(HTMLParser):
    """The links of a page whose text is a whole number, with their id, and the chart data."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (href, text, id)
        self.charts: dict[str, dict] = {}
        self._href = None
        self._script = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self._href, self._id, self._text = attrs["href"], attrs.get("id", ""), ""
        if tag == "script" and attrs.get("type") == "application/json":
            self._script, self._text = attrs["id"], ""

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            if self._text.strip().isdigit():
                self.links.append((self._href, self._text.strip(), self._id))
            self._href = None
        if tag == "script" and self._script is not None:
            self.charts[self._script] = json.loads(self._text)
            self._script = None


# Sums of people over the listed talks, not counts of rows: they link to the talks they sum.
SUMS = {
    "audience-headline",
    "audience-students",
    "audience-teachers",
    "audience-others",
    "audience-total",
}


def figures_of(html: str) -> list[tuple[str, int, str]]:
    parser = Links()
    parser.feed(html)
    found = [(href, int(text), ident) for href, text, ident in parser.links if ident not in SUMS]
    for name, chart in parser.charts.items():
        for series in chart["series"]:
            for point in series["data"]:
                if point["url"]:
                    found.append((point["url"], point["value"], f"{name}:{series['name']}"))
    return found


def assert_links_hold(client, page: str) -> int:
    response = client.get(page)
    assert response.status_code == 200, page
    checked = {}
    for href, figure, what in figures_of(response.content.decode()):
        if href not in checked:
            listed = client.get(href)
            assert listed.status_code == 200, (page, what, href)
            checked[href] = listed.context["paginator"].count
        assert checked[href] == figure, (
            f"{page}: {what} says {figure}, {href} lists {checked[href]}"
        )
    return len(checked)


@pytest.fixture
def busy(world, year_2025, programme):
    """2025's talks and some of 2026's, at every level, in every state."""
    p = programme
    p.add("county_union_a", local(2026, 1, 1, 0, 30), "accepted")
    p.add("county_union_a", local(2026, 2, 3), "reported")
    p.add("county_union_b", local(2026, 3, 4), "returned")
    p.add("city_union", local(2026, 4, 5), "accepted", school=world.b.school)
    p.add("school_a", local(2026, 5, 6), "accepted")
    p.add("zone_union", local(2026, 6, 7), "planned")
    p.add("county_union_b", local(2026, 7, 8), "cancelled")
    return p


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a", "county_education_b"])
def test_every_figure_opens_a_list_of_as_many(world, busy, login, user_key):
    client = login(world.user(user_key))
    checked = 0
    for year in (2025, 2026):
        checked += assert_links_hold(client, f"{DASHBOARD}?year={year}")
    checked += assert_links_hold(client, f"{COVERAGE}?as_of=2025-06-30")
    assert checked > 40


def test_a_province_sees_rows_per_city_and_its_links_hold(world, busy, login):
    other = RegionFactory(
        code="640500", name="中卫市", level=Region.Level.CITY, parent=world.province
    )
    county = RegionFactory(code="640502", name="沙坡头区", level=Region.Level.COUNTY, parent=other)
    SchoolFactory(name="沙坡头区第一小学", region=county)
    province = UserFactory(username="province", role=Role.CITY_UNION, region=world.province)
    client = login(province)
    response = client.get(DASHBOARD, {"year": 2025})
    labels = [line.row.label for line in response.context["lines"]]
    assert labels == ["宁夏回族自治区合计", "固原市全市", "中卫市全市"]
    rows = rows_of(response)
    assert counts(rows["640000:total"]) == (5, 4, 2)
    assert rows["640000:total"].minimum == 40
    coverage = response.context["coverage"]
    assert [row.label for row in coverage.by_region] == ["固原市", "中卫市"]
    assert assert_links_hold(client, f"{DASHBOARD}?year=2025") > 20


def test_a_province_with_many_cities_sees_those_furthest_behind_first(
    world, busy, login, monkeypatch
):
    """Hundreds of cities: the table keeps the total and the cities furthest behind their pace
    (the rest one click away), and the warning names a few and counts the others."""
    from laomo.oversight import views

    other = RegionFactory(
        code="640500", name="中卫市", level=Region.Level.CITY, parent=world.province
    )
    RegionFactory(code="640502", name="沙坡头区", level=Region.Level.COUNTY, parent=other)
    province = UserFactory(username="province", role=Role.CITY_UNION, region=world.province)
    client = login(province)
    # 2026 in full: 中卫市 has held nothing and is further behind than 固原市, which has.
    full = client.get(DASHBOARD, {"year": 2026, "quotas": "all"})
    by_label = {line.row.label: line.row for line in full.context["lines"]}
    assert by_label["中卫市全市"].counts.done < by_label["固原市全市"].counts.done
    assert [line.row.label for line in full.context["lines"]] == [
        "宁夏回族自治区合计",
        "固原市全市",
        "中卫市全市",
    ]
    assert full.context["quota_rows_hidden"] == 0

    monkeypatch.setattr(views, "QUOTA_ROWS_SHOWN", 1)
    monkeypatch.setattr(views, "BEHIND_NAMED", 1)
    response = client.get(DASHBOARD, {"year": 2026})
    assert [line.row.label for line in response.context["lines"]] == [
        "宁夏回族自治区合计",
        "中卫市全市",
    ]
    page = response.content.decode()
    assert 'id="quota-more"' in page
    assert "共 2 个市，此处先列出余量最少的 1 个" in page
    assert "?year=2026&amp;quotas=all#quotas" in page
    # Both cities are behind in 2026: the warning names the first and counts the other.
    assert [row.label for row in full.context["behind"]] == ["固原市全市", "中卫市全市"]
    assert [row.label for row in response.context["behind"]] == ["固原市全市"]
    assert "另有 1 个市进度落后" in page


def test_a_lecturers_own_figures_list_what_they_count(world, programme, login):
    me = world.a.person
    programme.add("county_union_a", local(2025, 3, 2), "accepted", audience=(100, 5, 0))
    programme.add(
        "county_union_a",
        local(2025, 4, 2),
        "resubmitted",
        audience=(60, 5, 0),
        school=world.a.other_school,
    )
    programme.add("school_a", local(2026, 3, 2), "accepted", audience=(70, 5, 0))
    programme.add("county_union_a", local(2026, 4, 2), "reported")
    # Declined: another lecturer gave the talk; it is not this lecturer's.
    talk = programme.add(
        "county_union_a",
        local(2026, 5, 2),
        "planned",
        lecturers=[me, PersonFactory(name="代讲劳模", region=world.a.region)],
    )
    from laomo.outreach import services

    mine, theirs = sorted(talk.bookings.unrestricted(), key=lambda b: b.person_id != me.pk)
    services.respond(mine, accept=False, reason="出差", acting_user=world.user("lecturer_a"))
    services.respond(theirs, accept=True, acting_user=world.user("county_union_a"))
    report = services.submit_report(
        talk,
        students=300,
        teachers=5,
        others=0,
        account="代讲",
        photos=[programme.photo()],
        acting_user=world.user("county_union_a"),
    )
    services.accept_report(report, acting_user=world.user("city_union"))

    response = login(world.user("lecturer_a")).get(MINE)
    own = response.context["own"]
    assert (own.talks_given, own.schools_reached, own.students_reached) == (3, 2, 230)
    assert own.by_year == {2025: 2, 2026: 1}
    years = {y["year"]: y for y in response.context["years"]}
    assert {year: len(y["talks"]) for year, y in years.items()} == own.by_year
    assert sum(y["students"] for y in years.values()) == own.students_reached
    assert len(response.context["schools"]) == own.schools_reached
    body = response.content.decode()
    assert 'href="#year-2025">2</a>' in body
    assert 'id="year-2025"' in body
    assert "代讲" not in body


# Query counts -----------------------------------------------------------------------------------


def _grow(world, programme) -> None:
    """More of everything: a new county with schools and people, more talks in every state."""
    county = RegionFactory(
        code="640423", name="隆德县", level=Region.Level.COUNTY, parent=world.city
    )
    for index in range(6):
        SchoolFactory(name=f"隆德县第{index}小学", region=county, stage="primary")
        PersonFactory(name=f"隆德劳模{index}", region=county)
    for index, state in enumerate(("accepted", "reported", "planned", "held", "accepted")):
        programme.add("county_union_a", local(2025, 8, 1 + index), state)
        programme.add("county_union_b", local(2025, 9, 1 + index), state)
        programme.add("city_union", local(2025, 10, 1 + index), state, school=world.b.other_school)
        programme.add("school_a", local(2026, 2, 1 + index), state)


def _queries(client, url) -> int:
    client.get(url)  # sessions, content types and the like are warm
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a", "lecturer_a"])
def test_query_counts_do_not_grow_with_the_data(world, programme, login, user_key):
    programme.add("county_union_a", local(2025, 3, 2), "accepted")
    programme.add("city_union", local(2025, 4, 2), "accepted")
    # Every list finds something at both sizes (an empty page skips its rows' query).
    SchoolFactory(name="原州区新建小学", region=world.a.region, stage="primary")
    client = login(world.user(user_key))
    if user_key == "lecturer_a":
        urls = [MINE]
    else:
        person = reverse("oversight:lecturer-talks", args=[world.a.person.pk])
        urls = [
            f"{DASHBOARD}?year=2025",
            f"{COVERAGE}?reached=all",
            f"{COVERAGE}?o=-students&stage=primary",
            f"{LECTURERS}?year=2025",
            f"{person}?year=2025",
        ]
    small = {url: _queries(client, url) for url in urls}
    _grow(world, programme)
    for index in range(6):  # county A's own lists grow too
        SchoolFactory(name=f"原州区第{index}小学", region=world.a.region, stage="primary")
        PersonFactory(name=f"原州劳模{index}", region=world.a.region)
    large = {url: _queries(client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 24, small


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a"])
def test_list_pages_with_filters_take_a_fixed_number_of_queries(
    world, programme, login, user_key, monkeypatch
):
    """The list pages the bench times (bench/run.py), at two data sizes. A low limit on the
    filter selects makes the growth cross from plain selects to search boxes as well."""
    from laomo.core import widgets

    monkeypatch.setattr(widgets, "LIMIT", 4)
    programme.add("county_union_a", local(2025, 3, 2), "accepted")
    programme.add("city_union", local(2025, 4, 2), "planned")
    # Every filter finds something at both sizes (an empty page skips its prefetches).
    SchoolFactory(name="原州区新建小学", region=world.a.region, stage="primary")
    PersonFactory(name="张华", region=world.a.region)
    client = login(world.user(user_key))
    talks, schools, people = (
        reverse("outreach:talk-list"),
        reverse("schools:school-list"),
        reverse("people:person-list"),
    )
    urls = [
        f"{talks}?stage=accepted&level=county&since=2025-01-01&until=2025-12-31",
        f"{talks}?status=accepted&since=2025-01-01&until=2025-12-31",
        f"{talks}?region={world.a.region.pk}&stage=planned",
        f"{talks}?school={world.a.school.pk}&lecturer={world.a.person.pk}",
        f"{schools}?stage=primary&reached=no&o=-student_count",
        f"{schools}?reached=no&ownership=public&o=name",
        f"{people}?honour_level=national&gender=女",
        f"{people}?q=zh&active=1",
    ]
    small = {url: _queries(client, url) for url in urls}
    _grow(world, programme)
    for index in range(6):  # county A's own lists grow too
        SchoolFactory(name=f"原州区第{index}小学", region=world.a.region, stage="primary")
        PersonFactory(name=f"原州劳模{index}", region=world.a.region)
    large = {url: _queries(client, url) for url in urls}
    assert large == small
