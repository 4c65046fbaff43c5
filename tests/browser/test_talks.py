"""One talk's whole life in the browser, as each of the people involved: a county official plans
it, the lecturer confirms on a phone, the school files the report with photos on a phone (and is
refused for too small an audience and for a file that is not a photo), a city reviewer returns
it, the school files it again, another city reviewer accepts it; then the ledger and the photo
sheet that go upward are opened and read."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, time, timedelta

import pytest

pytestmark = pytest.mark.browser

TITLE = "劳模精神进课堂：三营镇的讲台"
SCHOOL = "原州区第一小学"
LECTURER = "马国霞"
BANNER = "{year}年固原市“中国梦·劳动美——奋进新征程建功新时代”劳模工匠进校园宣讲活动（{school}专场）"
RETURN_REASON = "观众照片只拍到前两排，看不出观众人数，请补充一张全景照片。"
OWN_CAPTION = "学生认真聆听马国霞老师讲述三营镇的教学故事"
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils


def lecturer_login(username: str, name: str) -> None:
    """A county lecturer's own login: lecturer-hcb belongs to the city, which a county official
    cannot invite, so the test invites a 原州区 member of the city group and signs in as her."""
    from django.utils import timezone

    from laomo.accounts.models import User
    from laomo.core.demo import DEMO_PASSWORD
    from laomo.core.roles import Role
    from laomo.people.models import Person

    person = Person.objects.unrestricted().get(name=name, region__name="原州区")
    user = User(username=username, role=Role.LECTURER, person=person, display_name=name)
    user.set_password(DEMO_PASSWORD)
    user.password_changed_at = timezone.now()  # her own password, not one to change first
    user.full_clean(exclude=["password"])
    user.save()


def talk_time():
    """Two days ago, 09:00–10:30 in the city's zone: a report needs the talk to have started."""
    from django.utils import timezone

    day = timezone.localdate() - timedelta(days=2)
    zone = timezone.get_current_timezone()
    return datetime.combine(day, time(9, 0), zone), datetime.combine(day, time(10, 30), zone)


def photo(kind: str, *, banner: str, seed: int, taken_at, name: str) -> dict:
    from laomo.outreach.demo_photos import draw_photo

    data = draw_photo(kind, banner_text=banner, seed=seed, taken_at=taken_at, size=(1280, 853))
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


KINDS = ("banner", "lecturer", "audience")


def fill_report(page, *, audience: tuple[int, int, int], files: list[dict], marks=KINDS, go=True):
    """Fill in the numbers and the account, pick `files` at once, mark each (`marks[n]` for the
    n-th: "banner", "lecturer" or "audience") and send."""
    students, teachers, others = audience
    page.get_by_label("学生人数").fill(str(students))
    page.get_by_label("教师人数").fill(str(teachers))
    page.get_by_label("其他人员人数").fill(str(others))
    page.get_by_label("活动情况").fill("马国霞老师讲述三十年扎根乡村讲台的经历，师生反响热烈。")
    if files:
        page.locator("#id_photos").set_input_files(files)
        for row, kind in enumerate(marks[: len(files)]):
            page.locator(f"input[name='new-{row}-{kind}']").check()
    send = page.get_by_role("button", name="报送", exact=True)
    if not go:
        send.tap()
        return
    with page.expect_navigation():
        send.tap()


def status_of(visit) -> str:
    return visit.page.locator("main h1 .badge").first.inner_text().strip()


def test_a_talk_from_plan_to_accepted_report(demo, desktop, phone, tmp_path):
    from laomo.outreach.models import ReportDraft, Talk, TalkReport
    from laomo.people.models import Person
    from laomo.schools.models import School

    lecturer_login("lecturer-mgx", LECTURER)
    person = Person.objects.unrestricted().get(name=LECTURER, region__name="原州区")
    school = School.objects.unrestricted().get(name=SCHOOL)
    starts, ends = talk_time()

    # 1. A county official plans it at a school of the county (in the past: it has been held).
    desktop.login("yuanzhou-union")
    desktop.go("/talks/")
    with desktop.page.expect_navigation():
        desktop.page.get_by_role("link", name="安排宣讲活动").click()
    page = desktop.page
    assert "县级统筹活动" in desktop.text()
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("举办形式").select_option(label="学校")
    page.get_by_label("学校", exact=True).select_option(label=SCHOOL)
    page.get_by_label("开始时间").fill(f"{starts:%Y-%m-%dT%H:%M}")
    page.get_by_label("结束时间").fill(f"{ends:%Y-%m-%dT%H:%M}")
    page.get_by_label("宣讲员").select_option(value=str(person.pk))
    page.get_by_label("场所").select_option(label="礼堂")
    page.get_by_label("活动形式", exact=True).select_option(label="致敬劳模交流会")
    page.get_by_label("预计观众人数").fill("300")
    page.get_by_label("经费（元）").fill("600")
    desktop.shot("talk-01-plan-form")
    with page.expect_navigation():
        page.get_by_role("button", name="登记并通知宣讲员").click()
    desktop.assert_healthy()
    talk = Talk.objects.unrestricted().get(title=TITLE)
    assert page.url.endswith(talk.get_absolute_url())
    assert status_of(desktop) == "已计划"
    banner = page.locator("#banner-text").inner_text().strip()
    assert banner == BANNER.format(year=starts.year, school=school.name)
    body = desktop.text()
    assert "县级统筹" in body
    assert "原州区总工会、原州区教育体育局" in body
    assert "县（区）经费（县（区）总工会、教育体育局）" in body
    desktop.shot("talk-02-planned")

    # 2. The lecturer confirms on her phone, from her schedule.
    phone.login("lecturer-mgx")
    phone.go("/me/schedule/")
    phone.assert_fits("my schedule")
    invitation = phone.page.locator(".lm-invitation", has_text=TITLE)
    assert invitation.is_visible()
    phone.shot("talk-03-lecturer-schedule")
    with phone.page.expect_navigation():
        invitation.get_by_role("button", name="确认参加").tap()
    phone.assert_healthy()
    assert "已确认参加" in phone.page.locator(".lm-messages").inner_text()
    assert status_of(phone) == "已确认"
    phone.assert_fits("talk detail, lecturer")
    phone.shot("talk-04-lecturer-confirmed")
    phone.go("/me/schedule/")
    assert "暂无待确认的邀请" in phone.text()
    phone.assert_fits("my schedule, answered")

    # 3. The school files the report on a phone, with photos taken at the talk.
    phone.switch_user("school-yz")
    phone.go("/talks/")
    phone.assert_fits("talk list, school")
    phone.shot("talk-05-school-list")
    with phone.page.expect_navigation():
        phone.page.get_by_role("link", name=TITLE).tap()
    phone.assert_fits("talk detail, school")
    with phone.page.expect_navigation():
        phone.page.get_by_role("link", name="报送活动资料").tap()
    report_page = phone.page.url
    picker = phone.page.locator("input[type=file]")
    assert picker.count() == 1, "one picker, several photos at once"
    assert picker.get_attribute("accept") == "image/*", "offers the camera"
    assert picker.get_attribute("multiple") is not None
    phone.assert_fits("report form")
    phone.shot("talk-06-report-form")

    taken = [starts + timedelta(minutes=minutes) for minutes in (5, 20, 40)]
    good = [
        photo(kind, banner=banner, seed=700 + n, taken_at=taken[n], name=f"IMG_{n + 1}.jpg")
        for n, kind in enumerate(("banner", "lecturer", "audience"))
    ]

    # An audience of 29 is one short of the plan's 30: said on the phone, before any photo
    # travels (nothing reached the server, not even a draft).
    fill_report(phone.page, audience=(20, 5, 4), files=good, go=False)
    phone.assert_healthy()
    errors = phone.page.locator("#report-errors").inner_text()
    assert "观众合计29人，少于规定的30人" in errors
    assert phone.page.url == report_page
    assert not TalkReport.objects.unrestricted().filter(talk=talk).exists()
    assert not ReportDraft.objects.unrestricted().filter(talk=talk).exists()
    phone.assert_fits("report form with errors")
    phone.shot("talk-07-report-audience-refused")

    # A document renamed to .jpg is not a photo, whatever its name says; the two real photos
    # sent with it are kept, and come back shown with their marks.
    renamed = {"name": "横幅.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.7\n% not a photo\n"}
    fill_report(phone.page, audience=(260, 15, 0), files=[renamed, *good[1:]])
    errors = phone.page.locator("#report-errors").inner_text()
    assert "“横幅.jpg”不是照片" in errors
    assert "观众合计" not in errors
    assert not TalkReport.objects.unrestricted().filter(talk=talk).exists()
    cards = phone.page.locator("#photo-list .lm-photo")
    assert cards.count() == 2
    assert cards.nth(0).locator("[data-mark=lecturer]").is_checked()
    assert cards.nth(1).locator("[data-mark=audience]").is_checked()
    phone.shot("talk-08-report-not-a-photo")

    # Only the banner photo is sent again.
    fill_report(phone.page, audience=(260, 15, 0), files=[good[0]])
    phone.assert_healthy()
    assert "活动资料已报送" in phone.page.locator(".lm-messages").inner_text()
    assert status_of(phone) == "资料已报送"
    assert phone.page.locator("#report-1 img.lm-thumb").count() == 3
    phone.assert_fits("talk detail with photos")
    phone.shot("talk-09-reported")

    # 4. A city reviewer returns it, saying why.
    desktop.switch_user("city-union")
    desktop.go(talk.get_absolute_url())
    assert desktop.page.locator("#report-1 img.lm-thumb").count() == 3
    desktop.page.locator("#review-reasons").fill(RETURN_REASON)
    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="退回").click()
    desktop.assert_healthy()
    assert "已退回" in desktop.page.locator(".lm-messages").inner_text()
    assert status_of(desktop) == "已退回"
    desktop.shot("talk-10-returned")

    # 5. The school sees why and files again.
    phone.go(talk.get_absolute_url())
    assert RETURN_REASON in phone.text()
    with phone.page.expect_navigation():
        phone.page.get_by_role("link", name="重新报送资料").tap()
    wide = photo("audience", banner=banner, seed=790, taken_at=taken[2], name="IMG_4.jpg")
    # The form holds the first submission: only the audience photo is replaced.
    audience_card = phone.page.locator("#photo-list .lm-photo").nth(1)
    assert audience_card.locator("[data-mark=audience]").is_checked()
    audience_card.locator("input[type=file]").set_input_files(wide)
    audience_card.get_by_label("图片说明").fill(OWN_CAPTION)
    fill_report(phone.page, audience=(280, 18, 2), files=[])
    phone.assert_healthy()
    assert status_of(phone) == "资料已报送"
    assert "第2次报送" in phone.text()
    phone.assert_fits("talk detail, resubmitted")
    phone.shot("talk-11-resubmitted")

    # 6. The other city reviewer accepts it.
    desktop.switch_user("city-edu")
    desktop.go(talk.get_absolute_url())
    review = desktop.page.locator("#report-2")
    with desktop.page.expect_navigation():
        review.get_by_role("button", name="验收通过").click()
    desktop.assert_healthy()
    assert status_of(desktop) == "已验收"
    assert "已验收" in desktop.page.locator("#report-2 .card-header").inner_text()
    first = desktop.page.locator("#report-1").inner_text()
    assert "已退回" in first
    assert RETURN_REASON in first
    desktop.shot("talk-12-accepted")

    reports = TalkReport.objects.unrestricted().filter(talk=talk).order_by("number")
    assert [(r.number, r.status, r.audience) for r in reports] == [
        (1, "returned", 275),
        (2, "accepted", 300),
    ]
    caption = reports[1].photos.order_by("position").first().caption
    day = f"{starts.year}年{starts.month}月{starts.day}日"
    assert caption == f"{day} 原州区总工会、原州区教育体育局 {TITLE}"

    # 7. The ledger (台账) from the talk list.
    desktop.go(f"/talks/?q={TITLE}")
    ledger = download(desktop, "台账（Excel）", tmp_path)
    row = ledger_row(ledger, TITLE)
    assert row["统筹层级"] == "县级统筹"
    assert row["县（区）"] == "原州区"
    assert row["举办地点"] == SCHOOL
    assert row["宣讲员"] == LECTURER
    assert row["活动形式"] == "致敬劳模交流会"
    assert (row["学生"], row["教师"], row["其他"], row["观众合计"]) == (280, 18, 2, 300)
    assert row["经费承担"] == "县（区）经费（县（区）总工会、教育体育局）"
    assert row["状态"] == "已验收"

    # 8. The photo sheet, as PDF and as Word: every photo of the accepted report, captioned.
    pdf = download(desktop, "图片资料（PDF）", tmp_path)
    text = subprocess.run(  # noqa: S603 - the file this test just downloaded
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", caption) in flat
    assert OWN_CAPTION in flat

    from docx import Document

    word = Document(str(download(desktop, "图片资料（Word）", tmp_path)))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs.count(caption) == 2, "the stage and the lecturer photo"
    assert OWN_CAPTION in paragraphs
    assert len(word.inline_shapes) == 3


def download(visit, link: str, folder):
    with visit.page.expect_download() as info:
        visit.page.get_by_role("link", name=link).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def ledger_row(path, title: str) -> dict:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if row and row[0] == "序号")
    found = [row for row in rows if len(row) > 1 and row[1] == title]
    assert len(found) == 1, f"{title} in the ledger {len(found)} times"
    return dict(zip(header, found[0], strict=True))


def test_the_reminder_reaches_the_school_on_its_phone(demo, phone):
    """Two days ahead, the day's reminder tells the school to prepare the room and the banner;
    on a phone the unread count shows on the menu button."""
    from django.utils import timezone

    from laomo.accounts.models import User
    from laomo.core.scoping import Scope
    from laomo.outreach import services
    from laomo.people.models import Person

    school_user = User.objects.get(username="school-yz")
    day = timezone.localdate() + timedelta(days=2)
    zone = timezone.get_current_timezone()
    plan = services.TalkPlan(
        title="劳模故事会",
        starts_at=datetime.combine(day, time(14, 30), zone),
        ends_at=datetime.combine(day, time(15, 30), zone),
        venue="hall",
        form="salute",
        lecturers=[Person.objects.unrestricted().get(name="何成斌")],
    )
    services.plan_talk(plan, scope=Scope.for_user(school_user), acting_user=school_user)
    assert services.send_reminders()["upcoming"] == 1

    phone.login("school-yz")
    toggler = phone.page.locator(".navbar-toggler")
    assert toggler.locator(".badge").inner_text().strip() == "1", "seen without opening the menu"
    assert toggler.get_attribute("aria-label") == "菜单（1条未读消息）"
    phone.assert_fits("home with an unread notice")
    toggler.tap()
    assert phone.page.locator("#unread-count").inner_text().strip() == "1"
    phone.go("/notices/")
    phone.assert_fits("notices")
    notice = phone.page.locator("main .list-group-item").first.inner_text()
    assert "2天后宣讲：劳模故事会" in notice
    assert "下一步：请落实场地和横幅" in notice
    phone.shot("talk-13-school-notices")
