"""The half-year pages as a county and the city use them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from laomo.core.scoping import Scope
from laomo.halfyear import services
from laomo.halfyear.models import HalfYearReport

from .conftest import beijing


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_county_files_its_report_through_the_pages(login, world, year_2025):
    client = login(world.user("county_union_a"))
    index = client.get(reverse("halfyear:index"))
    assert "2025年上半年" in visible_text(index)
    assert "开始填写" in visible_text(index)
    opened = client.post(reverse("halfyear:open"), {"year": 2025, "half": 1})
    report = HalfYearReport.objects.unrestricted().get(region=world.a.region, year=2025, half=1)
    assert opened["Location"] == report.get_absolute_url()

    page = client.get(report.get_absolute_url())
    text = visible_text(page)
    assert "实时数据" in text
    assert "我区共安排“劳模工匠进校园”宣讲活动9场" in text
    # The schools newly reached are reconciled with the talks: one by the city's talk.
    assert "本半年新覆盖 2 所（其中县级统筹活动覆盖1所、市级统筹活动覆盖1所）" in text
    assert "june_30宣讲" in text
    assert "july_1宣讲" not in text
    assert 'name="experience"' in page.content.decode()
    assert reverse("halfyear:submit", args=[report.pk]) in page.content.decode()

    client.post(
        reverse("halfyear:save", args=[report.pk]),
        {"experience": "（一）加强组织领导。", "cases": "典型案例一"},
    )
    report.refresh_from_db()
    assert (report.experience, report.cases, report.status) == (
        "（一）加强组织领导。",
        "典型案例一",
        "draft",
    )
    done = client.post(
        reverse("halfyear:submit", args=[report.pk]),
        {"experience": "（一）加强组织领导。区里统筹。", "cases": "典型案例一"},
        follow=True,
    )
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.experience == "（一）加强组织领导。区里统筹。"  # what was on the form went up
    text = visible_text(done)
    assert "已报送，数据已按报送时统计固定" in text
    assert "报送时固定" in text
    assert 'name="experience"' not in done.content.decode()


def test_a_blank_account_is_refused_with_the_reason(login, world):
    client = login(world.user("county_union_a"))
    client.post(reverse("halfyear:open"), {"year": 2025, "half": 1})
    report = HalfYearReport.objects.unrestricted().get(region=world.a.region)
    page = client.post(
        reverse("halfyear:submit", args=[report.pk]), {"experience": "", "cases": ""}, follow=True
    )
    assert "请填写经验做法后再报送" in visible_text(page)
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_half_under_way_cannot_be_submitted_from_the_page(login, world):
    client = login(world.user("county_union_a"))
    today = timezone.localdate()
    half = 1 if today.month <= 6 else 2
    client.post(reverse("halfyear:open"), {"year": today.year, "half": half})
    report = HalfYearReport.objects.unrestricted().get(region=world.a.region)
    page = client.get(report.get_absolute_url())
    assert reverse("halfyear:submit", args=[report.pk]) not in page.content.decode()
    assert "后方可报送" in visible_text(page)


def test_the_city_sees_who_has_filed_and_who_is_late(login, world, year_2025):
    user = world.user("county_union_a")
    report, _ = services.open_report(
        scope=Scope.for_user(user), year=2025, half=1, acting_user=user, today=date(2025, 7, 5)
    )
    services.save_draft(report, experience="做法", cases="", acting_user=user)
    services.submit_report(report, acting_user=user, today=date(2025, 7, 5))
    client = login(world.user("city_education"))
    page = client.get(reverse("halfyear:index"), {"year": 2025, "half": 1})
    text = visible_text(page)
    assert "2025年上半年" in text
    assert "已报送 1 / 3" in text
    assert "逾期未报 2" in text  # 10 July 2025 is long past
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page.content.decode(), re.S)
    filings = [visible_text_of(row) for row in rows if "badge" in row]
    assert filings[0].startswith("原州区")
    assert "报送" in filings[0]
    assert filings[1].startswith("西吉县 逾期未报")
    assert filings[2].startswith("固原经济技术开发区 逾期未报")
    assert reverse("halfyear:report", args=[report.pk]) in page.content.decode()
    assert "开始填写汇总报告" in text


def visible_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_city_returns_a_report_from_its_page(login, world, year_2025):
    user = world.user("county_union_b")
    report, _ = services.open_report(
        scope=Scope.for_user(user), year=2025, half=1, acting_user=user, today=date(2025, 7, 5)
    )
    services.save_draft(report, experience="做法", cases="", acting_user=user)
    services.submit_report(report, acting_user=user, today=date(2025, 7, 5))
    client = login(world.user("city_union"))
    page = client.get(report.get_absolute_url())
    assert reverse("halfyear:return", args=[report.pk]) in page.content.decode()
    assert 'name="experience"' not in page.content.decode()  # the city does not write it
    client.post(reverse("halfyear:return", args=[report.pk]), {"reason": "请补充典型案例"})
    report.refresh_from_db()
    assert report.status == "returned"
    county = login(user).get(report.get_absolute_url())
    assert "请补充典型案例" in visible_text(county)
    assert 'name="experience"' in county.content.decode()


def test_the_citys_consolidated_report_page(login, world, year_2025):
    client = login(world.user("city_union"))
    client.post(reverse("halfyear:open"), {"year": 2025, "half": 1})
    report = HalfYearReport.objects.unrestricted().get(region=world.city)
    text = visible_text(client.get(report.get_absolute_url()))
    assert "全市汇总" in text
    for name in ("固原市（市本级）", "原州区", "西吉县", "固原经济技术开发区", "合计"):
        assert name in text
    assert "市级统筹活动明细" in text


@pytest.mark.parametrize(("key", "queries"), [("county_union_a", 13), ("city_union", 15)])
def test_report_page_queries_do_not_grow(
    login, world, year_2025, make_talk, key, queries, django_assert_num_queries
):
    """Session, the user with their region, the report, the figures (eight for a county, nine
    for the city, which also reads the ids of its regions once), whether the caller may change it,
    the unread notices."""

    client = login(world.user(key))
    client.post(reverse("halfyear:open"), {"year": 2025, "half": 1})
    report = HalfYearReport.objects.unrestricted().get(region=world.user(key).region)
    with django_assert_num_queries(queries):
        assert client.get(report.get_absolute_url()).status_code == 200
    for day in range(2, 8):
        make_talk("county_union_a", beijing(2025, 2, day), "accepted", title=f"二月{day}日")
        make_talk("city_union", beijing(2025, 2, day, 14), "accepted", title=f"市二月{day}日")
    with django_assert_num_queries(queries):
        assert client.get(report.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(("key", "queries"), [("county_union_a", 4), ("city_union", 7)])
def test_index_queries_do_not_grow(login, world, key, queries, django_assert_num_queries):
    client = login(world.user(key))
    with django_assert_num_queries(queries):
        assert client.get(reverse("halfyear:index")).status_code == 200
    for half in (1, 2):
        client.post(reverse("halfyear:open"), {"year": 2024, "half": half})
    with django_assert_num_queries(queries):
        assert client.get(reverse("halfyear:index")).status_code == 200
