"""Half-year reports from draft to submission: who may do what, the figures frozen at submission,
the audit trail, deadlines and lateness, and the city's overview."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.core.scoping import Scope
from laomo.halfyear import services
from laomo.halfyear.models import HalfYearReport, half_deadline
from laomo.halfyear.services import HalfYearError
from laomo.notices.models import Notification
from laomo.outreach import services as outreach
from laomo.outreach.models import TalkReport

AFTER_H1 = date(2025, 7, 5)
REPORT = "halfyear.halfyearreport"


def open_for(world, key, year=2025, half=1, today=AFTER_H1):
    user = world.user(key)
    report, _created = services.open_report(
        scope=Scope.for_user(user), year=year, half=half, acting_user=user, today=today
    )
    return report


def write(report, user, experience="（一）加强组织领导。", cases=""):
    return services.save_draft(report, experience=experience, cases=cases, acting_user=user)


def test_opening_a_report_creates_a_draft_once(world):
    user = world.user("county_union_a")
    scope = Scope.for_user(user)
    report, created = services.open_report(
        scope=scope, year=2025, half=1, acting_user=user, today=AFTER_H1
    )
    assert created
    assert (report.region, report.status, report.figures) == (world.a.region, "draft", None)
    again, created = services.open_report(
        scope=Scope.for_user(world.user("county_education_a")),
        year=2025,
        half=1,
        acting_user=world.user("county_education_a"),
        today=AFTER_H1,
    )
    assert (again, created) == (report, False)
    assert (
        AuditEntry.objects.filter(
            action="create", object_id=str(report.pk), object_type=REPORT
        ).count()
        == 1
    )
    assert report.history.count() == 1


@pytest.mark.parametrize(
    ("year", "half", "message"),
    [(2025, 2, "尚未开始"), (2023, 1, "早于本行动开始时间"), (2025, 3, "请选择上半年或下半年")],
)
def test_a_half_not_begun_or_before_the_programme_cannot_be_opened(world, year, half, message):
    with pytest.raises(HalfYearError, match=message):
        open_for(world, "county_union_a", year=year, half=half, today=date(2025, 6, 1))


@pytest.mark.parametrize("key", ["school_a", "lecturer_a", "reviewer"])
def test_only_officials_open_reports(world, key):
    with pytest.raises(HalfYearError):
        open_for(world, key)


def test_saving_a_draft_is_recorded(world):
    user = world.user("county_union_a")
    report = open_for(world, "county_union_a")
    write(report, user, experience="  第一段\r\n第二段  ", cases="案例")
    report.refresh_from_db()
    assert report.experience == "第一段\n第二段"
    entry = AuditEntry.objects.get(action="update", object_id=str(report.pk), object_type=REPORT)
    assert entry.data["changed"]["experience"] == ["", "第一段\n第二段"]
    assert entry.region_path == world.a.region.path
    assert entry.actor == user
    write(report, user, experience="第一段\n第二段", cases="案例")  # nothing changed
    assert (
        AuditEntry.objects.filter(
            action="update", object_id=str(report.pk), object_type=REPORT
        ).count()
        == 1
    )
    assert report.history.count() == 2


def test_another_county_cannot_write_or_submit(world):
    report = open_for(world, "county_union_a")
    with pytest.raises(HalfYearError, match="只有本级"):
        write(report, world.user("county_union_b"))
    with pytest.raises(HalfYearError, match="只有本级"):
        services.submit_report(report, acting_user=world.user("city_union"), today=AFTER_H1)
    with pytest.raises(HalfYearError, match="只有本级"):
        services.submit_report(report, acting_user=world.user("county_union_b"), today=AFTER_H1)


def test_submission_freezes_the_figures(world, year_2025):
    user = world.user("county_education_a")
    report = write(open_for(world, "county_union_a"), user)
    report = services.submit_report(report, acting_user=user, today=AFTER_H1)
    assert report.status == "submitted"
    assert report.submitted_by == user
    assert report.frozen
    frozen = services.figures_of(report)
    assert frozen.as_of == AFTER_H1
    assert frozen.total.organised.accepted == 2
    assert frozen.total.students == 120

    # After the report went up, the talk reported in April is accepted: the live figures move,
    # the submitted report does not.
    late = TalkReport.objects.unrestricted().get(talk=year_2025.talks["reported"])
    outreach.accept_report(late, acting_user=world.user("city_union"))
    live = services.figures_module.compute(world.a.region, 2025, 1, today=date(2025, 7, 20))
    assert live.total.organised.accepted == 3
    assert live.total.students == 180
    report.refresh_from_db()
    assert services.figures_of(report).total.organised.accepted == 2
    assert report.figures["total"]["students"] == 120

    entry = AuditEntry.objects.get(
        action="transition", object_id=str(report.pk), object_type=REPORT
    )
    assert entry.data["from"] == "草稿"
    assert entry.data["to"] == "已报送"
    assert entry.data["accepted"] == 3
    assert entry.data["talks"] == 9
    assert report.history.first().status == "submitted"
    told = Notification.objects.filter(kind="halfyear_submitted")
    assert {n.user.username for n in told} == {"city_union", "city_education"}


def test_a_submitted_report_is_read_only_and_cannot_be_submitted_twice(world, year_2025):
    user = world.user("county_union_a")
    report = services.submit_report(
        write(open_for(world, "county_union_a"), user), acting_user=user, today=AFTER_H1
    )
    with pytest.raises(HalfYearError, match="不能重复报送"):
        services.submit_report(report, acting_user=user, today=AFTER_H1)
    with pytest.raises(HalfYearError, match="不能修改"):
        write(report, user, experience="改写")
    report.refresh_from_db()
    assert report.experience == "（一）加强组织领导。"
    assert (
        AuditEntry.objects.filter(
            action="transition", object_id=str(report.pk), object_type=REPORT
        ).count()
        == 1
    )


def test_submission_waits_for_the_half_to_end_and_for_an_account_of_experience(world):
    user = world.user("county_union_a")
    report = open_for(world, "county_union_a", today=date(2025, 6, 20))
    with pytest.raises(HalfYearError, match="上半年尚未结束，6月30日以后才能报送"):
        services.submit_report(report, acting_user=user, today=date(2025, 6, 30))
    with pytest.raises(HalfYearError, match="请填写经验做法"):
        services.submit_report(report, acting_user=user, today=date(2025, 7, 1))
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_city_returns_a_report_with_a_reason(world, year_2025):
    user = world.user("county_union_a")
    report = services.submit_report(
        write(open_for(world, "county_union_a"), user), acting_user=user, today=AFTER_H1
    )
    city = world.user("city_education")
    with pytest.raises(HalfYearError, match="写明原因"):
        services.return_report(report, reason="  ", acting_user=city)
    with pytest.raises(HalfYearError, match="只有市总工会"):
        services.return_report(report, reason="补充案例", acting_user=world.user("county_union_b"))
    report = services.return_report(report, reason="请补充典型案例", acting_user=city)
    assert (report.status, report.return_reason, report.returned_by) == (
        "returned",
        "请补充典型案例",
        city,
    )
    assert report.is_editable
    assert not report.frozen
    with pytest.raises(HalfYearError, match="只有已报送"):
        services.return_report(report, reason="再退", acting_user=city)
    told = Notification.objects.get(kind="halfyear_returned", user=user)
    assert "请补充典型案例" in told.body
    # Returned, the report shows the live figures again; resubmitted, it is counted afresh.
    late = TalkReport.objects.unrestricted().get(talk=year_2025.talks["reported"])
    outreach.accept_report(late, acting_user=city)
    assert services.figures_of(report).total.organised.accepted == 3
    write(report, user, cases="3月10日，……")
    report = services.submit_report(report, acting_user=user, today=date(2025, 7, 9))
    assert services.figures_of(report).total.organised.accepted == 3
    assert report.return_reason == ""
    steps = AuditEntry.objects.filter(
        action="transition", object_id=str(report.pk), object_type=REPORT
    ).order_by("id")
    assert [(e.data["from"], e.data["to"]) for e in steps] == [
        ("草稿", "已报送"),
        ("已报送", "已退回"),
        ("已退回", "已报送"),
    ]
    assert steps[1].data["reason"] == "请补充典型案例"


def test_the_city_cannot_return_its_own_report(world, year_2025):
    user = world.user("city_union")
    report = services.submit_report(
        write(open_for(world, "city_union"), user), acting_user=user, today=AFTER_H1
    )
    assert report.is_consolidated
    with pytest.raises(HalfYearError, match="只有市总工会"):
        services.return_report(report, reason="自己退回", acting_user=world.user("city_education"))
    assert services.figures_of(report).consolidated


# Deadlines and lateness ---------------------------------------------------------------------


def test_deadlines_come_from_settings(settings):
    assert half_deadline(2025, 1) == date(2025, 7, 10)
    assert half_deadline(2025, 2) == date(2026, 1, 10)  # the next year's
    settings.LAOMO_HALF_YEAR_DEADLINES = {1: (7, 31), 2: (12, 31)}
    assert half_deadline(2025, 1) == date(2025, 7, 31)
    assert half_deadline(2025, 2) == date(2026, 12, 31)  # not the half's own last day


def test_late_is_past_the_deadline_and_not_submitted(world):
    user = world.user("county_union_a")
    report = write(open_for(world, "county_union_a"), user)
    assert not report.is_late(date(2025, 7, 10))
    assert report.is_late(date(2025, 7, 11))
    report = services.submit_report(report, acting_user=user, today=date(2025, 7, 12))
    assert not report.is_late(date(2025, 7, 12))
    # Submitted after the deadline: on record as such.
    HalfYearReport.objects.unrestricted().filter(pk=report.pk).update(
        submitted_at=timezone.make_aware(timezone.datetime(2025, 7, 11, 0, 30))
    )
    report.refresh_from_db()
    assert report.submitted_late
    HalfYearReport.objects.unrestricted().filter(pk=report.pk).update(
        submitted_at=timezone.make_aware(timezone.datetime(2025, 7, 10, 23, 30))
    )
    report.refresh_from_db()
    assert not report.submitted_late  # 23:30 Beijing time on the 10th is in time


def test_the_city_overview_lists_filed_and_late(world, django_assert_num_queries):
    user = world.user("county_union_a")
    filed = services.submit_report(
        write(open_for(world, "county_union_a"), user), acting_user=user, today=AFTER_H1
    )
    HalfYearReport.objects.unrestricted().filter(pk=filed.pk).update(
        submitted_at=timezone.make_aware(timezone.datetime(2025, 7, 5, 10))
    )
    open_for(world, "county_union_b")  # a draft, not submitted
    scope = Scope.for_user(world.user("city_union"))
    # The scope's region ids (read once per scope), the regions, the reports, the last 催报.
    with django_assert_num_queries(4):
        before = services.overview(scope, 2025, 1, today=date(2025, 7, 10))
        [filing.label for filing in before.filings]
    assert before.deadline == date(2025, 7, 10)
    assert [f.region.name for f in before.filings] == ["原州区", "西吉县", "固原经济技术开发区"]
    assert [f.label for f in before.filings] == ["已报送", "草稿", "未开始"]
    assert [f.region.name for f in before.filed] == ["原州区"]
    assert before.late == []
    after = services.overview(scope, 2025, 1, today=date(2025, 7, 11))
    assert [f.label for f in after.filings] == ["已报送", "逾期未报", "逾期未报"]
    assert [f.region.name for f in after.late] == ["西吉县", "固原经济技术开发区"]
    assert after.own is None
    city_user = world.user("city_union")
    own = open_for(world, "city_union")
    assert services.overview(Scope.for_user(city_user), 2025, 1, today=AFTER_H1).own == own
    # The second half's reports are due the next January.
    assert services.overview(scope, 2025, 2, today=date(2026, 1, 11)).late != []
    assert services.overview(scope, 2025, 2, today=date(2026, 1, 10)).late == []


def test_the_halves_to_report(settings):
    settings.LAOMO_PROGRAMME_START = "2023-10-12"
    assert services.halves(date(2025, 7, 5)) == [
        (2025, 2),
        (2025, 1),
        (2024, 2),
        (2024, 1),
        (2023, 2),
    ]
    assert services.halves(date(2025, 6, 30))[0] == (2025, 1)
    assert services.latest_ended_half(date(2025, 7, 5)) == (2025, 1)
    assert services.latest_ended_half(date(2026, 1, 2)) == (2025, 2)
    assert services.latest_ended_half(date(2025, 12, 31) + timedelta(days=1)) == (2025, 2)


def test_the_citys_own_report_is_never_late_against_the_counties_deadline(world):
    report = open_for(world, "city_union")
    assert report.is_consolidated
    assert not report.has_deadline
    assert not report.is_late(date(2026, 3, 1))
    county = open_for(world, "county_union_a")
    assert county.is_late(date(2026, 3, 1))
