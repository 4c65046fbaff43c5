"""The outreach pages over the whole demo (a year and a half of talks), on an office screen and on
a phone: each opens cleanly, fits a 375 px phone, and shows what its reader needs. A full-page
screenshot of each is kept in test-artifacts/screenshots/ for people to look at."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def both(desktop, phone, path: str, name: str) -> None:
    """Open `path` on both screens (each already signed in), check it and photograph it."""
    for visit in (desktop, phone):
        visit.go(path)
        visit.assert_fits(path)
        visit.shot(name)


def talk_of(status: str, **lookup):
    from laomo.outreach.models import Talk

    return (
        Talk.objects.unrestricted()
        .filter(is_demo=True, status=status, **lookup)
        .order_by("-starts_at")
        .first()
    )


def test_the_outreach_pages_over_the_demo(demo_talks, desktop, phone):
    from laomo.outreach.choices import Status

    assert demo_talks.talks is not None
    assert not demo_talks.talks.skipped
    for visit in (desktop, phone):
        visit.login("city-union")

    both(desktop, phone, "/talks/", "tour-city-union-talks")
    assert "共 " in desktop.text()
    assert phone.page.get_by_label("状态").is_hidden(), "on a phone, filters wait behind a button"
    phone.page.get_by_role("button", name="更多筛选与导出").tap()
    assert phone.page.get_by_label("状态").is_visible()
    assert phone.page.get_by_role("link", name="台账（Excel）").is_visible()
    phone.assert_fits("talk list, filters open")
    phone.shot("tour-city-union-talks-filters")
    listed = desktop.page.locator("main table tbody tr")
    assert listed.count() == 25, "a full first page"
    statuses = set(desktop.page.locator("main td[data-label=状态]").all_inner_texts())
    assert {"已计划", "已确认", "资料已报送"} <= statuses
    assert phone.page.locator("main table thead").is_hidden(), "rows are cards on a phone"

    for status in Status.values:
        talk = talk_of(status)
        assert talk is not None, status
        both(desktop, phone, talk.get_absolute_url(), f"tour-talk-{status}")
        badge = desktop.page.locator("main h1 .badge").first
        assert badge.inner_text() == talk.get_status_display()
        if status in (Status.REPORTED, Status.ACCEPTED, Status.RETURNED):
            thumbs = desktop.page.locator("main img.lm-thumb")
            assert thumbs.count() >= 2
            assert all(
                thumbs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
                for i in range(thumbs.count())
            ), "every thumbnail loads"
        if status == Status.CANCELLED:
            assert talk.cancel_reason in desktop.text()

    # The checks at work: a photo from the wrong day and one sent before for another talk.
    reused = talk_of(Status.RETURNED, title="致敬劳模交流会·西吉专场")
    both(desktop, phone, reused.get_absolute_url(), "tour-talk-returned-reused-photo")
    body = desktop.text()
    assert "疑似与“致敬劳模交流会·西吉县回民中学”的照片重复" in body
    assert "与活动日期不符" in body
    second = talk_of(Status.ACCEPTED, title="春季开学第一课：致敬劳动者")
    both(desktop, phone, second.get_absolute_url(), "tour-talk-accepted-second-time")
    assert "第2次报送" in desktop.text()
    assert "与活动日期不符" in desktop.page.locator("#report-1").inner_text()

    both(desktop, phone, f"/talks/{reused.pk}/report/", "tour-report-form")
    # The returned report's photos, each to keep, replace or remove; and one picker for more.
    cards = desktop.page.locator("#photo-list .lm-photo")
    assert cards.count() == reused.reports.unrestricted().order_by("-number").first().photos.count()
    assert desktop.page.locator("#id_photos[multiple][accept='image/*']").count() == 1

    both(desktop, phone, "/talks/calendar/", "tour-calendar")
    assert "本月 " in desktop.text()
    grid = desktop.page.locator("main table.lm-calendar a.lm-cal-talk")
    assert grid.count() >= 3
    assert grid.first.is_visible()
    assert desktop.page.locator("main td.lm-today").count() == 1
    agenda = phone.page.locator("main .lm-agenda a.lm-cal-talk")
    assert agenda.count() == grid.count(), "on a phone the month is a list"
    assert agenda.first.is_visible()
    assert phone.page.locator("main table.lm-calendar").is_hidden()
    previous = desktop.page.get_by_role("link", name="上月")
    with desktop.page.expect_navigation():
        previous.click()
    desktop.assert_healthy()
    desktop.shot("tour-calendar-previous")

    both(desktop, phone, "/notices/", "tour-city-union-notices")
    assert "待验收" in desktop.text()
    both(desktop, phone, "/programme/", "tour-programme")
    assert "横幅示例" in desktop.text()

    for visit in (desktop, phone):
        visit.switch_user("lecturer-hcb")
    both(desktop, phone, "/me/schedule/", "tour-lecturer-schedule")
    assert desktop.page.locator(".lm-invitation").count() >= 2, "invitations to answer"
    both(desktop, phone, "/talks/", "tour-lecturer-talks")
    both(desktop, phone, "/notices/", "tour-lecturer-notices")

    for visit in (desktop, phone):
        visit.switch_user("school-yz")
    both(desktop, phone, "/talks/", "tour-school-talks")
    both(desktop, phone, "/notices/", "tour-school-notices")
    assert "2天后宣讲" in desktop.text()
    both(desktop, phone, "/talks/calendar/", "tour-school-calendar")
