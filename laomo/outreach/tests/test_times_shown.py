"""Times people read are Beijing times in Chinese format, and change details name fields in
Chinese: on a talk's history page, in the audit log and in its export."""

from __future__ import annotations

import io
from datetime import UTC

import openpyxl
from django.urls import reverse

from laomo.audit.models import AuditEntry
from laomo.core.dates import cn_datetime, cn_moment
from laomo.core.scoping import Scope
from laomo.outreach import services
from laomo.outreach.tests.conftest import at


def _early_morning_talk(world, plan):
    """A talk at 07:30 Beijing time: 23:30 UTC the day before, so a raw UTC date would differ."""
    user = world.user("county_union_a")
    talk = plan(user, days=12, hours=(7, 9)).talk
    moved = at(13, 7, 30)
    assert moved.astimezone(UTC).date() != moved.date()  # the UTC date is the day before
    services.update_talk(
        talk,
        services.TalkPlan(
            title=talk.title,
            starts_at=moved,
            ends_at=at(13, 9, 30),
            venue=talk.venue,
            form=talk.form,
            lecturers=[world.a.person, world.city_person],
            school=talk.school,
            expected_audience=talk.expected_audience,
        ),
        scope=Scope.for_user(user),
        acting_user=user,
    )
    return talk, moved


def test_the_history_page_shows_beijing_times_in_chinese(world, plan, login):
    talk, moved = _early_morning_talk(world, plan)
    content = login(world.user("county_union_a")).get(
        reverse("outreach:talk-history", args=[talk.pk])
    )
    content = content.content.decode()
    local = moved.astimezone(moved.tzinfo)
    assert f"{local.year}年{local.month}月{local.day}日 07:30" in content
    utc = moved.astimezone(UTC)
    assert f"{utc:%Y-%m-%d}" not in content
    assert "+00:00" not in content
    # The change details name the fields in Chinese, not by the programme's keys.
    for key in ("retimed", "lecturers_added", "starts_at"):
        assert key not in content
    assert "新邀请宣讲员：何成斌" in content


def test_the_audit_log_and_its_export_show_chinese_details(world, plan, login):
    _early_morning_talk(world, plan)
    client = login(world.user("city_union"))
    content = client.get(reverse("audit:audit-list")).content.decode()
    assert "新邀请宣讲员：何成斌" in content
    assert "是否改动时间：是" in content
    for key in ("retimed", "lecturers_added"):
        assert key not in content
    entry = AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.UPDATE).first()
    assert cn_datetime(entry.at) in content

    export = client.get(reverse("audit:audit-list"), {"export": "xlsx"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    cells = [str(cell.value or "") for row in sheet.iter_rows() for cell in row]
    assert any("新邀请宣讲员：何成斌" in cell for cell in cells)
    assert cn_datetime(entry.at) in cells
    assert not any("retimed" in cell for cell in cells)


def test_older_entries_holding_iso_times_read_as_beijing_time():
    # A change recorded before times were written in Chinese, as str() of an aware UTC value.
    assert cn_moment("2026-03-04 23:30:00+00:00") == "2026年3月5日 07:30"
    assert cn_moment("2026-03-05") == "2026年3月5日"
    assert cn_moment("原州区") == "原州区"
