"""A returned report resubmitted on a phone (375 pixels wide) by changing one photo only: the
form opens with the last submission's numbers, account and photos (their captions and marks),
the school replaces the one photo the reviewer objected to, and sends. The new report has the
same numbers and the other photos; the returned one is kept as it was sent."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

pytestmark = pytest.mark.browser

SCHOOL = "原州区第一小学"
REASON = "宣讲员的照片看不清人脸，请换一张。"


def _picture(seed: int, name: str) -> dict:
    from laomo.outreach.tests import imagefiles

    data = imagefiles.jpeg(imagefiles.picture(seed, (900, 600)))
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def held_talk():
    """A county talk at the school, held two days ago, its lecturer confirmed."""
    from django.utils import timezone

    from laomo.accounts.models import User
    from laomo.core.scoping import Scope
    from laomo.outreach import services
    from laomo.people.models import Person
    from laomo.schools.models import School

    county = User.objects.get(username="yuanzhou-union")
    day = timezone.localdate() - timedelta(days=2)
    zone = timezone.get_current_timezone()
    plan = services.TalkPlan(
        title="劳模工匠进校园：一张照片的重报",
        starts_at=datetime.combine(day, time(9, 0), zone),
        ends_at=datetime.combine(day, time(10, 30), zone),
        venue="hall",
        form="salute",
        lecturers=[Person.objects.unrestricted().filter(region__name="原州区").first()],
        school=School.objects.unrestricted().get(name=SCHOOL),
    )
    talk = services.plan_talk(plan, scope=Scope.for_user(county), acting_user=county).talk
    services.respond(talk.bookings.unrestricted().get(), accept=True, acting_user=county)
    talk.refresh_from_db()
    return talk


def returned_report():
    """The held talk's report (three photos, one of them marked as showing two things) filed
    by the county and returned by the city."""
    from laomo.accounts.models import User
    from laomo.outreach import services
    from laomo.outreach.tests import imagefiles

    county = User.objects.get(username="yuanzhou-union")
    talk = held_talk()

    def upload(seed, name, caption, *shows):
        return services.PhotoUpload(
            data=imagefiles.jpeg(imagefiles.picture(seed, (900, 600))),
            filename=name,
            caption=caption,
            shows_banner="banner" in shows,
            shows_lecturer="lecturer" in shows,
            shows_audience="audience" in shows,
        )

    report = services.submit_report(
        talk,
        students=210,
        teachers=14,
        others=2,
        account="劳模讲述岗位故事，同学们踊跃提问。",
        photos=[
            upload(501, "横幅.jpg", "会场横幅", "banner"),
            upload(502, "宣讲员.jpg", "宣讲员在台上", "lecturer"),
            upload(503, "全景.jpg", "全场师生", "audience", "lecturer"),
        ],
        acting_user=county,
    )
    city = User.objects.get(username="city-union")
    services.return_report(report, reasons=REASON, acting_user=city)
    talk.refresh_from_db()
    return talk, report


def test_a_returned_report_resubmitted_on_a_phone_with_one_photo_replaced(demo, phone):
    from laomo.outreach.models import ReportPhoto, private_storage

    talk, first = returned_report()
    old = list(first.photos.unrestricted().order_by("position"))
    old_state = [(p.image.name, p.caption, p.shows_lecturer) for p in old]

    def stored(name):
        with private_storage.open(name, "rb") as handle:
            return handle.read()

    old_bytes = [stored(p.image.name) for p in old]

    phone.login("school-yz")
    phone.go(talk.get_absolute_url())
    assert REASON in phone.text()
    with phone.page.expect_navigation():
        phone.page.get_by_role("link", name="重新报送资料").tap()
    page = phone.page

    # Prefilled with the last submission.
    assert page.get_by_label("学生人数").input_value() == "210"
    assert page.get_by_label("教师人数").input_value() == "14"
    assert page.get_by_label("其他人员人数").input_value() == "2"
    assert page.get_by_label("活动情况").input_value() == "劳模讲述岗位故事，同学们踊跃提问。"
    assert page.locator("#audience-total").inner_text() == "226"
    cards = page.locator("#photo-list .lm-photo")
    assert cards.count() == 3
    assert [cards.nth(i).get_by_label("图片说明").input_value() for i in range(3)] == [
        "会场横幅",
        "宣讲员在台上",
        "全场师生",
    ]
    marks = [
        [
            cards.nth(i).locator(f"[data-mark={m}]").is_checked()
            for m in ("banner", "lecturer", "audience")
        ]
        for i in range(3)
    ]
    assert marks == [[True, False, False], [False, True, False], [False, True, True]]
    thumbs = page.locator("#photo-list img")
    assert all(
        thumbs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(3)
    ), "every thumbnail loads"
    phone.assert_fits("returned report, prefilled")

    # Only the lecturer's photo is replaced.
    cards.nth(1).locator("input[type=file]").set_input_files(_picture(777, "宣讲员-重拍.jpg"))
    cards.nth(1).get_by_label("图片说明").fill("宣讲员在台上（重拍）")
    phone.assert_fits("one photo replaced")
    phone.shot("report-resubmit-one-photo")
    with page.expect_navigation():
        page.get_by_role("button", name="报送", exact=True).tap()
    phone.assert_healthy()
    assert "活动资料已报送" in page.locator(".lm-messages").inner_text()
    assert "第2次报送" in phone.text()

    second = talk.reports.unrestricted().get(number=2)
    assert (second.students, second.teachers, second.others, second.account) == (
        210,
        14,
        2,
        "劳模讲述岗位故事，同学们踊跃提问。",
    )
    new = list(second.photos.unrestricted().order_by("position"))
    assert [(p.original_name, p.caption) for p in new] == [
        ("横幅.jpg", "会场横幅"),
        ("宣讲员-重拍.jpg", "宣讲员在台上（重拍）"),
        ("全景.jpg", "全场师生"),
    ]
    assert [(p.shows_banner, p.shows_lecturer, p.shows_audience) for p in new] == [
        (True, False, False),
        (False, True, False),
        (False, True, True),
    ]
    assert stored(new[0].image.name) == old_bytes[0]
    assert stored(new[2].image.name) == old_bytes[2]
    assert stored(new[1].image.name) != old_bytes[1]
    # The returned report, as it was sent.
    first.refresh_from_db()
    assert first.status == "returned"
    kept = list(ReportPhoto.objects.unrestricted().filter(report=first).order_by("position"))
    assert [(p.image.name, p.caption, p.shows_lecturer) for p in kept] == old_state
    assert [stored(p.image.name) for p in kept] == old_bytes


def test_photos_picked_at_once_are_marked_one_by_one_and_kept_in_a_draft(demo, phone):
    """Two photos picked together, each marked by the person; the numbers not known yet, the
    draft is saved all the same (the checks before sending are for a submission), and the form
    opens again from it."""
    from laomo.outreach.models import ReportDraft

    talk = held_talk()
    phone.login("school-yz")
    phone.go(f"/talks/{talk.pk}/report/")
    page = phone.page
    page.locator("#id_photos").set_input_files(
        [_picture(601, "IMG_0601.jpg"), _picture(602, "IMG_0602.jpg")]
    )
    rows = page.locator("#new-photos .lm-photo")
    assert rows.count() == 2
    assert [rows.nth(i).locator(".lm-photo-name").inner_text() for i in range(2)] == [
        "IMG_0601.jpg",
        "IMG_0602.jpg",
    ]
    rows.nth(0).locator("[data-mark=audience]").check()
    rows.nth(1).locator("[data-mark=banner]").check()
    rows.nth(1).locator("[data-mark=lecturer]").check()
    phone.assert_fits("two photos picked")
    phone.shot("report-two-photos-picked")

    # Sending now is stopped on the phone: no numbers, no account.
    page.get_by_role("button", name="报送", exact=True).tap()
    errors = page.locator("#report-errors")
    assert errors.is_visible()
    assert "观众合计0人，少于规定的30人" in errors.inner_text()
    assert not ReportDraft.objects.unrestricted().filter(talk=talk).exists()

    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").tap()
    phone.assert_healthy()
    assert "草稿已保存" in page.locator(".lm-messages").inner_text()
    draft = ReportDraft.objects.unrestricted().get(talk=talk)
    photos = list(draft.photos.unrestricted().order_by("position"))
    assert [
        (p.original_name, p.shows_banner, p.shows_lecturer, p.shows_audience) for p in photos
    ] == [
        ("IMG_0601.jpg", False, False, True),
        ("IMG_0602.jpg", True, True, False),
    ]
    phone.go(f"/talks/{talk.pk}/report/")
    cards = page.locator("#photo-list .lm-photo")
    assert cards.count() == 2
    assert cards.nth(1).locator("[data-mark=lecturer]").is_checked()
    assert page.locator("#draft-note").is_visible()
