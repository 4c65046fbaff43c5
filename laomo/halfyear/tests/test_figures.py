"""The half-year figures, counted from talks built through the outreach services, against what
the tests' 2025 holds (see `year_2025`)."""

from datetime import UTC, date

import pytest

from laomo.halfyear.figures import HalfYearFigures, Quota, compute
from laomo.oversight.figures import elapsed_fraction

from .conftest import beijing


def test_a_county_first_half_by_level_and_stage(world, year_2025):
    figures = compute(world.a.region, 2025, 1, today=date(2025, 7, 5))
    row = figures.total
    assert figures.rows == [row]
    assert not figures.consolidated
    # County-level: accepted 10 March and 30 June 23:30; awaiting: reported, returned, held;
    # planned: planned and confirmed; one cancelled, counted apart and in no total.
    assert (row.organised.accepted, row.organised.awaiting, row.organised.planned) == (2, 3, 2)
    assert row.organised.cancelled == 1
    assert row.organised.total == 7
    # School-invited, beside the quota.
    assert (row.invited.accepted, row.invited.awaiting, row.invited.planned) == (1, 0, 1)
    assert row.invited.cancelled == 0
    assert row.talks == 9
    assert row.accepted == 3


def test_30_june_late_evening_and_1_july_past_midnight_fall_in_different_halves(world, year_2025):
    june, july = year_2025.talks["june_30"], year_2025.talks["july_1"]
    # In UTC both are on 30 June; in Beijing one is the last evening of the first half, the
    # other the first night of the second.
    assert june.starts_at.astimezone(UTC).date() == july.starts_at.astimezone(UTC).date()
    assert (june.starts_on, july.starts_on) == (date(2025, 6, 30), date(2025, 7, 1))
    first = compute(world.a.region, 2025, 1, today=date(2026, 1, 5))
    second = compute(world.a.region, 2025, 2, today=date(2026, 1, 5))
    assert "june_30宣讲" in [line.title for line in first.talks]
    assert "july_1宣讲" not in [line.title for line in first.talks]
    assert [line.title for line in second.talks] == ["july_1宣讲", "september宣讲"]
    assert (second.total.organised.accepted, second.total.organised.planned) == (1, 1)
    assert second.total.students == 80


def test_the_year_so_far_against_the_quota(world, year_2025):
    figures = compute(world.a.region, 2025, 1, today=date(2025, 7, 5))
    quota = figures.total.quota
    # Up to 30 June: two accepted, three awaiting; planned in the whole year: 10 and 12 June
    # and 1 September. 2024's talk is another year's.
    assert (quota.minimum, quota.accepted, quota.awaiting, quota.planned) == (3, 2, 3, 3)
    assert quota.fraction == pytest.approx(elapsed_fraction(2025, date(2025, 6, 30)))
    assert quota.expected == 1
    assert quota.state == "on_pace"
    assert quota.percent == "67%"
    full_year = compute(world.a.region, 2025, 2, today=date(2026, 1, 5)).total.quota
    assert (full_year.accepted, full_year.awaiting, full_year.planned) == (3, 3, 3)
    assert full_year.state == "reached"


def test_quota_states():
    assert Quota(minimum=None).state == "none"
    assert Quota(minimum=3, accepted=3).state == "reached"
    assert Quota(minimum=4, accepted=1, awaiting=1, fraction=0.5).state == "on_pace"
    assert Quota(minimum=4, accepted=1, fraction=0.5).state == "behind"


def test_audience_lecturers_and_schools(world, year_2025):
    row = compute(world.a.region, 2025, 1, today=date(2025, 7, 5)).total
    # The accepted reports of county A's half: 10 March, 30 June and school A's own; not the
    # reported, returned or held ones, not the city's talk at county A's school.
    assert (row.students, row.teachers, row.others) == (40 + 50 + 30, 5 + 6 + 3, 0 + 2 + 0)
    assert row.audience == 136
    assert row.reports == 3
    assert row.lecturers == 1
    # Three schools: the first primary (reached 10 March), the middle school (reached by the
    # city's talk on 20 January), the third (reached in November 2024).
    assert (row.schools, row.reached_in_half, row.reached_total) == (3, 2, 3)
    assert row.coverage_percent == "100.0%"
    before = compute(world.a.region, 2024, 2, today=date(2025, 1, 5)).total
    assert (before.reached_in_half, before.reached_total, before.coverage_percent) == (
        1,
        1,
        "33.3%",
    )


def test_the_list_of_talks(world, year_2025):
    talks = compute(world.a.region, 2025, 1, today=date(2025, 7, 5)).talks
    assert [line.title for line in talks] == [
        "cancelled宣讲",
        "march宣讲",
        "reported宣讲",
        "invited宣讲",
        "returned宣讲",
        "held宣讲",
        "invited_planned宣讲",
        "planned宣讲",
        "confirmed宣讲",
        "june_30宣讲",
    ]
    by_title = {line.title: line for line in talks}
    march = by_title["march宣讲"]
    assert (march.day, march.level, march.place) == (
        date(2025, 3, 10),
        "县级统筹",
        "原州区第一小学",
    )
    assert (march.lecturers, march.audience, march.status) == ("原劳模", 45, "已验收")
    assert by_title["reported宣讲"].audience is None  # not accepted: not counted
    assert by_title["cancelled宣讲"].cancelled
    assert by_title["invited宣讲"].level == "学校自行邀请"
    assert by_title["planned宣讲"].lecturers == "原劳模（待确认）"
    assert by_title["june_30宣讲"].place == "原州区第一中学"


def test_the_citys_consolidated_report(world, year_2025):
    figures = compute(world.city, 2025, 1, today=date(2025, 7, 5))
    assert figures.consolidated
    names = [row.name for row in figures.rows]
    assert names == ["固原市", "原州区", "西吉县", "固原经济技术开发区"]
    city, a, b, zone = figures.rows
    assert (city.level, city.organised.accepted, city.quota.minimum) == ("city", 1, 5)
    assert (city.students, city.lecturers) == (100, 1)
    assert a.organised.accepted == 2
    assert a.invited.accepted == 1
    assert (b.organised.accepted, b.audience, b.quota.minimum) == (1, 84, 3)
    assert (zone.talks, zone.quota.minimum, zone.quota.state) == (0, None, "none")
    total = figures.total
    assert total.organised.accepted == 1 + 2 + 1
    assert total.invited.accepted == 1
    assert total.quota.minimum == 20
    assert total.quota.accepted == 4
    assert total.audience == 115 + 136 + 84
    # One lecturer each: the city's, county A's (who also spoke at school A), county B's.
    assert total.lecturers == 3
    assert (total.schools, total.reached_total) == (5, 4)
    # The city's own list: its own talks only; the counties' are in their reports.
    assert [line.title for line in figures.talks] == ["city宣讲"]


def test_figures_go_to_json_and_back_unchanged(world, year_2025):
    import json

    figures = compute(world.city, 2025, 1, today=date(2025, 7, 5))
    data = json.loads(json.dumps(figures.to_dict()))
    assert data["version"] == 1
    again = HalfYearFigures.from_dict(data)
    assert again == figures
    assert again.total.quota.state == figures.total.quota.state


@pytest.mark.parametrize(("region", "queries"), [("county", 8), ("city", 9)])
def test_a_fixed_number_of_queries(
    world, year_2025, make_talk, django_assert_num_queries, region, queries
):
    target = world.a.region if region == "county" else world.city
    with django_assert_num_queries(queries):
        compute(target, 2025, 1, today=date(2025, 7, 5))
    for day in range(2, 6):
        make_talk("county_union_a", beijing(2025, 2, day), "accepted", title=f"二月{day}日")
    with django_assert_num_queries(queries):
        compute(target, 2025, 1, today=date(2025, 7, 5))


def test_archived_talks_are_left_out(world, year_2025):
    from django.utils import timezone

    from laomo.outreach.models import Talk

    Talk.objects.unrestricted().filter(pk=year_2025.talks["march"].pk).update(
        archived_at=timezone.now()
    )
    row = compute(world.a.region, 2025, 1, today=date(2025, 7, 5)).total
    assert row.organised.accepted == 1
    assert row.students == 80


def test_schools_newly_reached_are_split_by_the_kind_of_talk_that_reached_them(world, year_2025):
    """County A organised two accepted talks in the half and reached two schools, one of them by
    the city's talk: the report says so, and the parts add up to the schools reached."""
    row = compute(world.a.region, 2025, 1, today=date(2025, 7, 5)).total
    assert row.reached_in_half == 2
    assert row.reached_by == {"city": 1, "county": 1, "school": 0, "other": 0}
    assert row.reached_parts == [("县级统筹活动", 1), ("市级统筹活动", 1)]
    assert row.reached_text == "其中县级统筹活动覆盖1所、市级统筹活动覆盖1所"
    assert sum(n for _label, n in row.reached_parts) == row.reached_in_half
    # The city's total adds the counties' parts up.
    city = compute(world.city, 2025, 1, today=date(2025, 7, 5))
    assert sum(city.total.reached_by.values()) == city.total.reached_in_half
    # Figures frozen before the split was counted say nothing rather than something wrong.
    data = compute(world.a.region, 2025, 1, today=date(2025, 7, 5)).to_dict()
    del data["rows"][0]["reached_by"]
    del data["total"]["reached_by"]
    assert HalfYearFigures.from_dict(data).total.reached_text == ""


def test_the_citys_total_is_complete_only_with_every_quota(world, year_2025):
    from laomo.outreach.models import ProgrammeYear

    ProgrammeYear.objects.create(
        city=world.city,
        year=2025,
        banner_template="{year}年{city}（{name}专场）",
        quota_total=4,
        quota_city=1,
        quota_county=2,
    )
    figures = compute(world.city, 2025, 1, today=date(2025, 7, 5))
    quota = figures.total.quota
    # Four accepted against four: met in total, but 西吉县 has one of its two.
    assert quota.accepted >= quota.minimum
    assert quota.missing == "西吉县未达2场"
    assert quota.state != "reached"
    assert quota.state_label == "全市已达4场，西吉县未达2场"
    again = HalfYearFigures.from_dict(figures.to_dict())
    assert again.total.quota.state_label == quota.state_label
    from laomo.halfyear.documents import summary

    text = "".join(summary(None, figures))
    assert "全市场次已达全年任务，但西吉县未达2场，全年任务尚未全部完成。" in text
