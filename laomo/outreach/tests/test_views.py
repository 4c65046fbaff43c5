"""Talks through the pages: planning with the form (and what each role may choose), answering an
invitation, filing a report with photos, reviewing it; serving the photos; and the query counts
of the lists and the talk's page."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from laomo.audit.models import AuditEntry
from laomo.core.roles import Role
from laomo.core.testing.factories import (
    HonourFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    SchoolFactory,
    UserFactory,
)
from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import (
    BookingStatus,
    Level,
    OnlinePlatform,
    Place,
    ReportStatus,
    Status,
)
from laomo.outreach.models import Booking, ReportDraft, ReportPhoto, Talk, TalkReport
from laomo.outreach.tests import imagefiles
from laomo.outreach.tests.conftest import at, report
from laomo.regions.models import Organisation

CREATE = reverse("outreach:talk-create")


def _counts() -> tuple[int, ...]:
    """Rows a refused or failed request must not have added to."""
    return (
        Talk.objects.unrestricted().count(),
        Booking.objects.unrestricted().count(),
        TalkReport.objects.unrestricted().count(),
        ReportPhoto.objects.unrestricted().count(),
        Notification.objects.unrestricted().count(),
        # Every entry but the refusal a refused request leaves (越权访问, 文件被拒绝).
        AuditEntry.objects.unrestricted()
        .exclude(action__in=[AuditEntry.Action.ACCESS_DENIED, AuditEntry.Action.UPLOAD_REFUSED])
        .count(),
    )


def _stored_files(private_media) -> list:
    return [path for path in private_media.rglob("*") if path.is_file()] if private_media else []


def talk_form(*, school=None, lecturers=(), days=10, **overrides) -> dict:
    start = at(days, 9)
    data = {
        "title": "劳模精神进课堂",
        "place": "school",
        "school": school.pk if school is not None else "",
        "online_platform": "",
        "special_name": "",
        "starts_at": f"{timezone.localtime(start):%Y-%m-%dT%H:%M}",
        "ends_at": f"{timezone.localtime(start + timedelta(hours=2)):%Y-%m-%dT%H:%M}",
        "lecturers": [person.pk for person in lecturers],
        "venue": "hall",
        "form": "first_lesson",
        "form_other": "",
        "expected_audience": "300",
        "cost": "0",
        "note": "",
    }
    data.update(overrides)
    return data


# Planning through the form ----------------------------------------------------------------------


def _choices(response, name) -> set:
    return {obj.pk for obj in response.context["form"].fields[name].queryset}


def test_the_city_plans_anywhere_with_the_citys_people(world, login):
    response = login(world.user("city_union")).get(CREATE)
    assert response.status_code == 200
    fields = response.context["form"].fields
    assert {"place", "school", "base", "online_platform", "lecturers"} <= set(fields)
    schools = _choices(response, "school")
    assert {world.a.school.pk, world.b.school.pk, world.b.other_school.pk} <= schools
    lecturers = _choices(response, "lecturers")
    assert {world.a.person.pk, world.b.person.pk, world.city_person.pk} <= lecturers


def test_a_county_plans_in_its_own_county_with_its_own_people(world, login):
    response = login(world.user("county_education_a")).get(CREATE)
    assert response.status_code == 200
    assert {"place", "school", "base", "online_platform"} <= set(response.context["form"].fields)
    assert _choices(response, "school") == {world.a.school.pk, world.a.other_school.pk}
    # The county's own people, and the members of the city's lecture groups.
    assert _choices(response, "lecturers") == {world.a.person.pk, world.city_person.pk}
    html = response.content.decode()
    assert world.b.school.name not in html
    assert world.b.person.name not in html


def test_a_school_invites_to_itself_from_the_directory(world, login):
    """No school, base or platform to choose: a school invites lecturers to itself, from its
    county's and the city's lecture groups (002 三(二))."""
    response = login(world.user("school_a")).get(CREATE)
    assert response.status_code == 200
    fields = response.context["form"].fields
    assert not {"place", "school", "base", "online_platform"} & set(fields)
    assert _choices(response, "lecturers") == {world.a.person.pk, world.city_person.pk}
    assert world.b.person.name not in response.content.decode()


@pytest.mark.parametrize("user_key", ["lecturer_a", "reviewer"])
def test_who_plans_no_talks_gets_404(world, login, user_key):
    client = login(world.user(user_key))
    before = _counts()
    assert client.get(CREATE).status_code == 404
    response = client.post(CREATE, talk_form(school=world.a.school, lecturers=[world.a.person]))
    assert response.status_code == 404
    assert _counts() == before


def test_a_county_plans_a_talk_through_the_form(world, login):
    client = login(world.user("county_union_a"))
    response = client.post(CREATE, talk_form(school=world.a.school, lecturers=[world.a.person]))
    talk = Talk.objects.unrestricted().get()
    assert response.status_code == 302
    assert response["Location"] == talk.get_absolute_url()
    assert (talk.level, talk.organiser_region, talk.region) == (
        Level.COUNTY,
        world.a.region,
        world.a.region,
    )
    assert list(talk.bookings.unrestricted().values_list("person", "status")) == [
        (world.a.person.pk, BookingStatus.INVITED)
    ]
    assert {o.name for o in talk.organisers.unrestricted()} == {"原州区总工会", "原州区教育体育局"}
    assert Notification.objects.unrestricted().filter(user=world.user("lecturer_a")).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已登记宣讲活动，已通知宣讲员确认" in page


def test_a_school_invites_through_the_form(world, login):
    client = login(world.user("school_a"))
    # A school id in the post is ignored: the school invites to itself.
    data = talk_form(school=world.b.school, lecturers=[world.city_person])
    assert client.post(CREATE, data).status_code == 302
    talk = Talk.objects.unrestricted().get()
    assert (talk.level, talk.school) == (Level.SCHOOL, world.a.school)


@pytest.mark.parametrize("target", ["b", "city"])
def test_a_county_cannot_plan_at_another_countys_school(world, login, target):
    school = world.b.school if target == "b" else SchoolFactory(region=world.city)
    client = login(world.user("county_union_a"))
    before = _counts()
    response = client.post(CREATE, talk_form(school=school, lecturers=[world.a.person]))
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    assert _counts() == before


@pytest.mark.parametrize(
    ("user_key", "outsider"),
    [
        ("county_union_a", "b_person"),  # another county's model worker
        ("county_union_a", "city_loner"),  # the city's, in none of the city's lecture groups
        ("school_a", "b_person"),  # not in county A's or the city's lecture groups
        ("school_a", "a_loner"),  # county A's, but in no lecture group
    ],
)
def test_a_lecturer_outside_the_directory_is_refused(world, login, user_key, outsider):
    people = {
        "b_person": world.b.person,
        "city_loner": PersonFactory(name="市直独行", region=world.city),
        "a_loner": PersonFactory(name="原州独行", region=world.a.region),
    }
    client = login(world.user(user_key))
    before = _counts()
    response = client.post(
        CREATE, talk_form(school=world.a.school, lecturers=[world.a.person, people[outsider]])
    )
    assert response.status_code == 200
    assert "lecturers" in response.context["form"].errors
    assert _counts() == before


def test_a_double_booking_is_shown_on_the_form(world, login, plan):
    first = plan(world.user("county_union_a"), days=10).talk
    client = login(world.user("county_education_a"))
    before = _counts()
    response = client.post(
        CREATE, talk_form(school=world.a.other_school, lecturers=[world.a.person], days=10)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["lecturers"]
    assert any(first.title in error and "时间冲突" in error for error in errors)
    assert _counts() == before


def test_a_county_cannot_edit_a_city_talk_at_its_school(world, login, plan):
    """Read-only: county A sees the city's talk at its school but may not change it."""
    talk = plan(world.user("city_union"), school=world.a.school, lecturers=[world.a.person]).talk
    client = login(world.user("county_union_a"))
    assert client.get(talk.get_absolute_url()).status_code == 200
    before = _counts()
    edit = reverse("outreach:talk-edit", args=[talk.pk])
    assert client.get(edit).status_code == 404
    data = talk_form(school=world.a.school, lecturers=[world.a.person], title="改过的")
    assert client.post(edit, data).status_code == 404
    cancel = reverse("outreach:talk-cancel", args=[talk.pk])
    assert client.post(cancel, {"reason": "不办了"}).status_code == 404
    assert _counts() == before
    refused = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.ACCESS_DENIED)
    assert (refused.object_id, refused.window.count) == (str(talk.pk), 3)
    talk.refresh_from_db()
    assert (talk.title, talk.status) == ("劳模精神进课堂", Status.PLANNED)


# Answering an invitation ------------------------------------------------------------------------


def _respond(client, booking, **data):
    url = reverse("outreach:talk-respond", args=[booking.talk_id, booking.pk])
    return client.post(url, data, follow=True)


def test_a_lecturer_accepts_through_the_page(world, login, plan):
    talk = plan(world.user("county_union_a")).talk
    booking = talk.bookings.unrestricted().get()
    response = _respond(login(world.user("lecturer_a")), booking, accept="1")
    assert response.redirect_chain == [(talk.get_absolute_url(), 302)]
    assert "已确认参加" in response.content.decode()
    booking.refresh_from_db()
    talk.refresh_from_db()
    assert (booking.status, talk.status) == (BookingStatus.CONFIRMED, Status.CONFIRMED)


def test_declining_without_a_reason_is_refused_and_changes_nothing(world, login, plan):
    talk = plan(world.user("county_union_a")).talk
    booking = talk.bookings.unrestricted().get()
    client = login(world.user("lecturer_a"))
    before = _counts()
    response = _respond(client, booking, accept="0", reason="  ")
    assert response.status_code == 200
    assert "婉拒时请说明原因" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.INVITED
    assert _counts() == before

    response = _respond(client, booking, accept="0", reason="当天有手术")
    assert "已婉拒，已通知组织者" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == (BookingStatus.DECLINED, "当天有手术")
    told = Notification.objects.unrestricted().filter(kind="declined")
    assert {n.user.username for n in told} == {"county_union_a", "county_education_a"}


def test_the_organiser_answers_for_the_lecturer(world, login, plan):
    talk = plan(world.user("county_union_a"), lecturers=[world.a.person]).talk
    booking = talk.bookings.unrestricted().get()
    _respond(login(world.user("county_education_a")), booking, accept="1")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.responded_by == world.user("county_education_a")


def test_a_lecturer_answers_only_their_own_invitation(world, login, plan):
    other = PersonFactory(name="原州二号", region=world.a.region)
    talk = plan(world.user("county_union_a"), lecturers=[world.a.person, other]).talk
    theirs = talk.bookings.unrestricted().get(person=other)
    client = login(world.user("lecturer_a"))
    before = _counts()
    url = reverse("outreach:talk-respond", args=[talk.pk, theirs.pk])
    assert client.post(url, {"accept": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.INVITED
    assert _counts() == before


def test_a_booking_answers_only_under_its_own_talk(world, login, plan):
    """The organiser of talk 1 cannot answer a booking of talk 2 by putting it under talk 1."""
    mine = plan(world.user("county_union_a"), days=10).talk
    theirs = plan(world.user("county_union_b"), lecturers=[world.b.person], days=11).talk
    booking = theirs.bookings.unrestricted().get()
    client = login(world.user("county_union_a"))
    url = reverse("outreach:talk-respond", args=[mine.pk, booking.pk])
    assert client.post(url, {"accept": "1"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.INVITED


# Filing a report through the page ---------------------------------------------------------------


def _photo_rows(photos: list[tuple[str, bytes, tuple[str, ...]]]) -> dict:
    """New photos picked at once (`photos`), each with its own caption and marks."""
    data = {
        "photos": [SimpleUploadedFile(name, content, "image/jpeg") for name, content, _ in photos]
    }
    for index, (_name, _content, shows) in enumerate(photos):
        data[f"new-{index}-caption"] = ""
        for what in shows:
            data[f"new-{index}-{what}"] = "on"
    return data


def three_photos(seed: int = 1, *, phone: bool = False) -> list:
    make = imagefiles.phone_jpeg if phone else imagefiles.jpeg
    return [
        (f"{kind}.jpg", make(imagefiles.picture(seed + i, (600, 400))), (kind,))
        for i, kind in enumerate(("banner", "lecturer", "audience"))
    ]


def report_form(photos, *, audience=(40, 5, 0), account="师生反响热烈") -> dict:
    students, teachers, others = audience
    return {
        "students": str(students),
        "teachers": str(teachers),
        "others": str(others),
        "account": account,
        **_photo_rows(photos),
    }


def test_filing_a_report_with_three_photos(world, login, held_talk):
    client = login(world.user("school_a"))  # the hosting school files it
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["shown_photos"] == []  # nothing received yet
    assert 'name="photos" id="id_photos" multiple accept="image/*"' in page.content.decode()
    response = client.post(url, report_form(three_photos()))
    assert response.status_code == 302
    assert response["Location"] == held_talk.get_absolute_url()
    held_talk.refresh_from_db()
    assert held_talk.status == Status.REPORTED
    filed = held_talk.reports.unrestricted().get()
    assert (filed.audience, filed.status, filed.submitted_by) == (
        45,
        ReportStatus.SUBMITTED,
        world.user("school_a"),
    )
    photos = list(filed.photos.unrestricted().order_by("position"))
    assert [(p.shows_banner, p.shows_lecturer, p.shows_audience) for p in photos] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert all(p.caption == services.default_caption(held_talk) for p in photos)
    detail = client.get(response["Location"]).content.decode()
    assert "资料已报送" in detail
    assert "活动资料已报送市总工会宣教部和市教育体育局，等待验收" in detail


def _nothing_filed_but_drafted(before, talk) -> list:
    """A refused submission files nothing (no report, photo, notice; the talk as it was); the
    photos it brought wait in the talk's draft, whose saving is the one audit entry."""
    talks, bookings, reports, photos, notices, audit = _counts()
    assert (talks, bookings, reports, photos, notices) == before[:5]
    assert audit == before[5] + 1
    talk.refresh_from_db()
    assert talk.status == Status.CONFIRMED
    draft = ReportDraft.objects.unrestricted().get(talk=talk)
    return list(draft.photos.unrestricted().order_by("position"))


def test_an_audience_of_29_is_refused_on_the_page(world, login, held_talk, private_media):
    client = login(world.user("county_union_a"))
    before = _counts()
    response = client.post(
        reverse("outreach:talk-report", args=[held_talk.pk]),
        report_form(three_photos(), audience=(20, 5, 4)),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "观众合计29人，少于规定的30人（学生、教师、其他人员合计）" in page
    kept = _nothing_filed_but_drafted(before, held_talk)
    assert [photo.original_name for photo in kept] == ["banner.jpg", "lecturer.jpg", "audience.jpg"]
    # The form comes back with the photos shown, each as it was marked: none is asked for again.
    shown = response.context["shown_photos"]
    assert [(p.key, p.shows_banner, p.shows_lecturer, p.shows_audience) for p in shown] == [
        (f"d{kept[0].pk}", True, False, False),
        (f"d{kept[1].pk}", False, True, False),
        (f"d{kept[2].pk}", False, False, True),
    ]
    assert "已收到的照片保存在下面，不必重新上传" in page
    assert response.context["form"]["students"].value() == "20"


def test_a_renamed_pdf_is_refused_by_its_content(world, login, held_talk, private_media):
    photos = three_photos()
    photos[1] = ("报告.jpg", imagefiles.other_kinds()["pdf"], ("lecturer",))
    client = login(world.user("county_union_a"))
    before = _counts()
    response = client.post(
        reverse("outreach:talk-report", args=[held_talk.pk]), report_form(photos)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“报告.jpg”不是照片（是 PDF 文件）：只接受 JPEG、PNG 或 HEIC 格式" in page
    kept = _nothing_filed_but_drafted(before, held_talk)
    assert [photo.original_name for photo in kept] == ["banner.jpg", "audience.jpg"]
    refused = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.UPLOAD_REFUSED)
    assert (refused.data["filename"], refused.object_id) == ("报告.jpg", str(held_talk.pk))


def test_a_report_without_a_banner_photo_is_refused(world, login, held_talk):
    photos = [(name, data, ("audience", "lecturer")) for name, data, _shows in three_photos()]
    client = login(world.user("county_union_a"))
    before = _counts()
    response = client.post(
        reverse("outreach:talk-report", args=[held_talk.pk]), report_form(photos)
    )
    assert response.status_code == 400
    assert "照片中须有一张拍到横幅" in response.content.decode()
    kept = _nothing_filed_but_drafted(before, held_talk)
    assert [(p.shows_banner, p.shows_lecturer, p.shows_audience) for p in kept] == [
        (False, True, True)
    ] * 3


@pytest.mark.parametrize("user_key", ["county_union_b", "school_b", "lecturer_a", "reviewer"])
def test_who_may_not_file_gets_404(world, login, held_talk, user_key, private_media):
    client = login(world.user(user_key))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    before = _counts()
    assert client.get(url).status_code == 404
    assert client.post(url, report_form(three_photos())).status_code == 404
    assert _counts() == before
    assert _stored_files(private_media) == []


# Review -----------------------------------------------------------------------------------------


@pytest.fixture
def reported(world, held_talk):
    report(held_talk, world.user("county_union_a"))
    held_talk.refresh_from_db()
    return held_talk


def _review(client, talk, **data):
    filed = talk.reports.unrestricted().order_by("-number").first()
    url = reverse("outreach:talk-review", args=[talk.pk, filed.pk])
    return client.post(url, data, follow=True), filed


@pytest.mark.parametrize("user_key", ["city_union", "city_education"])
def test_the_city_accepts_a_report_through_the_page(world, login, reported, user_key):
    response, filed = _review(login(world.user(user_key)), reported, decision="accept")
    assert response.redirect_chain == [(reported.get_absolute_url(), 302)]
    assert "已验收" in response.content.decode()
    filed.refresh_from_db()
    reported.refresh_from_db()
    assert (filed.status, filed.decided_by) == (ReportStatus.ACCEPTED, world.user(user_key))
    assert reported.status == Status.ACCEPTED


def test_the_city_returns_a_report_with_reasons(world, login, reported):
    client = login(world.user("city_education"))
    before = _counts()
    response, filed = _review(client, reported, decision="return", reasons=" ")
    assert "退回时请写明原因" in response.content.decode()
    assert _counts() == before
    filed.refresh_from_db()
    assert filed.status == ReportStatus.SUBMITTED

    response, filed = _review(client, reported, decision="return", reasons="横幅未拍全")
    assert "已退回，已通知报送人修改后重新报送" in response.content.decode()
    filed.refresh_from_db()
    reported.refresh_from_db()
    assert (filed.status, filed.return_reasons) == (ReportStatus.RETURNED, "横幅未拍全")
    assert reported.status == Status.RETURNED
    assert "横幅未拍全" in client.get(reported.get_absolute_url()).content.decode()


@pytest.mark.parametrize("user_key", ["county_union_a", "school_a", "lecturer_a", "county_union_b"])
def test_only_the_city_reviews(world, login, reported, user_key):
    client = login(world.user(user_key))
    before = _counts()
    response, filed = _review(client, reported, decision="accept")
    assert response.status_code == 404
    assert _counts() == before
    filed.refresh_from_db()
    assert filed.status == ReportStatus.SUBMITTED


def test_a_report_is_reviewed_only_under_its_own_talk(world, login, reported, plan):
    """A report id put under another talk the reviewer may see is not found."""
    other = plan(world.user("county_union_b"), lecturers=[world.b.person], days=-2).talk
    filed = reported.reports.unrestricted().get()
    client = login(world.user("city_union"))
    url = reverse("outreach:talk-review", args=[other.pk, filed.pk])
    assert client.post(url, {"decision": "accept"}).status_code == 404
    filed.refresh_from_db()
    assert filed.status == ReportStatus.SUBMITTED


# Photos -----------------------------------------------------------------------------------------


@pytest.fixture
def phone_report(world, held_talk):
    """A report whose photos came from a phone: EXIF with a GPS position, XMP, a comment."""
    photos = [
        services.PhotoUpload(
            data=data,
            filename=name,
            shows_banner="banner" in shows,
            shows_lecturer="lecturer" in shows,
            shows_audience="audience" in shows,
        )
        for name, data, shows in three_photos(phone=True)
    ]
    assert b"GPS" in photos[0].data  # the control: the upload does carry a position
    return report(held_talk, world.user("county_union_a"), photos=photos)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("name", ["outreach:photo", "outreach:photo-thumb"])
def test_a_served_photo_has_no_metadata(world, login, phone_report, name):
    photo = phone_report.photos.unrestricted().first()
    response = login(world.user("county_union_a")).get(reverse(name, args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"  # photos of pupils stay out of any cache
    data = _body(response)
    assert data.startswith(b"\xff\xd8")
    assert b"GPS" not in data
    assert imagefiles.COMMENT not in data
    assert b"xmpmeta" not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert not im.getexif()
        assert "exif" not in im.info
        assert "icc_profile" not in im.info
        if name == "outreach:photo-thumb":
            assert max(im.size) <= 320


@pytest.mark.parametrize(
    "user_key", ["county_union_b", "county_education_b", "school_b", "reviewer"]
)
@pytest.mark.parametrize("name", ["outreach:photo", "outreach:photo-thumb"])
def test_another_countys_user_gets_no_photo(world, login, phone_report, name, user_key):
    photo = phone_report.photos.unrestricted().first()
    response = login(world.user(user_key)).get(reverse(name, args=[photo.pk]))
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("image/")
    data = _body(response)
    assert b"\xff\xd8" not in data
    assert photo.caption.encode() not in data


def test_the_talks_page_shows_photos_through_the_guarded_urls(world, login, phone_report):
    page = login(world.user("county_union_a")).get(phone_report.talk.get_absolute_url())
    html = page.content.decode()
    for photo in phone_report.photos.unrestricted():
        assert reverse("outreach:photo-thumb", args=[photo.pk]) in html
        assert photo.image.name not in html  # the storage path never reaches a page


# Query counts -----------------------------------------------------------------------------------

_serial = itertools.count(100)


def _small_photos(seed: int) -> list:
    return [
        services.PhotoUpload(
            data=imagefiles.jpeg(imagefiles.picture(seed * 10 + i, (240, 200))),
            filename=f"{kind}.jpg",
            shows_banner=kind == "banner",
            shows_lecturer=kind == "lecturer",
            shows_audience=kind == "audience",
        )
        for i, kind in enumerate(("banner", "lecturer", "audience"))
    ]


def _more_talks(world, plan, n: int, *, days: int = -3) -> list[Talk]:
    """`n` county-A talks, each with two lecturers (honoured, in a group), held and reported."""
    talks = []
    for _ in range(n):
        serial = next(_serial)
        extra = PersonFactory(name=f"讲师{serial}", region=world.a.region)
        HonourFactory(person=extra, title=f"荣誉{serial}")
        MembershipFactory(group=world.a.group, person=extra)
        talk = plan(
            world.user("county_union_a"),
            lecturers=[extra],
            days=days,
            hours=(8, 9),
            title=f"宣讲{serial}",
        ).talk
        Booking(talk=talk, person=PersonFactory(region=world.a.region)).save()
        for booking in talk.bookings.unrestricted():
            services.respond(booking, accept=True, acting_user=world.user("county_union_a"))
        report(talk, world.user("county_union_a"), photos=_small_photos(serial))
        talks.append(talk)
    return talks


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a", "school_a"])
@pytest.mark.parametrize("page", ["list", "calendar"])
def test_talk_lists_do_not_grow_with_talks(world, login, plan, user_key, page):
    client = login(world.user(user_key))
    talks = _more_talks(world, plan, 2)
    month = f"{talks[0].local_date:%Y-%m}"
    url = {"list": "/talks/", "calendar": f"/talks/calendar/?month={month}"}[page]
    _queries(client, url)  # warm up: session, first-use caches
    few = _queries(client, url)
    _more_talks(world, plan, 4)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for two talks, {many} for six"
    assert few <= 20


def _copies(talk) -> list:
    """The photos of `talk`'s report, sent again (another talk's report will have them)."""
    filed = talk.reports.unrestricted().order_by("-number").first()
    copies = []
    for photo in filed.photos.unrestricted():
        with photo.image.open("rb") as handle:
            data = handle.read()
        copies.append(
            services.PhotoUpload(
                data=data,
                filename="copy.jpg",
                shows_banner=photo.shows_banner,
                shows_lecturer=photo.shows_lecturer,
                shows_audience=photo.shows_audience,
            )
        )
    return copies


def _refile_with_copies(world, talk, source) -> None:
    filed = talk.reports.unrestricted().order_by("-number").first()
    services.return_report(filed, reasons="重拍", acting_user=world.user("city_union"))
    report(talk, world.user("county_union_a"), photos=_copies(source))


def test_the_talks_page_does_not_grow_with_reports_and_photos(world, login, plan):
    """One report returned and filed again with another talk's photos; then two more rounds:
    the photos, the reports and the look-alikes of other talks are read in a fixed number of
    queries."""
    client = login(world.user("city_union"))
    first_source, talk = _more_talks(world, plan, 2)
    _refile_with_copies(world, talk, first_source)
    url = talk.get_absolute_url()
    _queries(client, url)
    few = _queries(client, url)
    for source in _more_talks(world, plan, 2, days=-4):
        _refile_with_copies(world, talk, source)
    photos = ReportPhoto.objects.unrestricted().filter(report__talk=talk)
    assert photos.count() == 12
    assert photos.filter(duplicate_of__isnull=False).count() == 9
    many = _queries(client, url)
    assert many == few, f"{few} queries for two reports, {many} for four"
    assert few <= 25


def test_the_report_form_is_refused_for_a_talk_that_cannot_be_reported(world, login, plan):
    future = plan(world.user("county_union_a"), days=3).talk
    client = login(world.user("school_a"))
    response = client.get(reverse("outreach:talk-report", args=[future.pk]))
    assert response.status_code == 302
    assert response.url == future.get_absolute_url()
    page = client.get(response.url)
    assert "的活动不能报送资料" in page.content.decode()


def test_refiling_a_returned_report_shows_the_reviewers_reasons(world, login, held_talk):
    filed = report(held_talk, world.user("school_a"))
    services.return_report(filed, reasons="横幅照片看不清", acting_user=world.user("city_union"))
    page = login(world.user("school_a")).get(reverse("outreach:talk-report", args=[held_talk.pk]))
    assert page.status_code == 200
    assert "横幅照片看不清" in page.content.decode()


def test_notices_are_paged(world, login):
    from laomo.notices.services import notify

    for number in range(35):
        notify([world.user("school_a")], kind="test", title=f"消息{number}")
    client = login(world.user("school_a"))
    first = client.get(reverse("outreach:notices")).content.decode()
    second = client.get(reverse("outreach:notices") + "?page=2").content.decode()
    assert first.count("消息") - first.count("暂无消息") >= 30
    assert "消息0<" in second or "消息0\n" in second or ">消息0" in second


def test_the_home_page_lists_what_waits_for_each_role(world, login, held_talk):
    report(held_talk, world.user("school_a"))
    city = login(world.user("city_union")).get("/").context
    assert ("待验收的活动资料", 1) in [(label, count) for label, count, _url in city["todo"]]
    county_b = login(world.user("county_union_b")).get("/").context
    assert all(count == 0 for _label, count, _url in county_b["todo"])


def test_the_talk_form_keeps_its_school_and_base_selects_small(world, login, plan, monkeypatch):
    """Past `LIMIT` schools (a province has thousands) the form carries the chosen school only,
    with a search box; a talk is still planned and changed through it."""
    from laomo.core import widgets

    monkeypatch.setattr(widgets, "LIMIT", 1)
    county = world.user("county_union_a")
    client = login(county)
    page = client.get(reverse("outreach:talk-create")).content.decode()
    assert reverse("suggest-schools") in page
    assert f">{world.a.other_school.name}</option>" not in page
    talk = plan(county, school=world.a.other_school).talk
    page = client.get(reverse("outreach:talk-edit", args=[talk.pk])).content.decode()
    assert f'<option value="{world.a.other_school.pk}" selected>' in page
    assert f">{world.a.school.name}</option>" not in page


def _talk_at(world, county, title: str, start, **fields) -> Talk:
    return Talk.objects.create(
        title=title,
        level=Level.COUNTY,
        organiser_region=county.region,
        region=county.region,
        school=county.school,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        venue="hall",
        form="first_lesson",
        **fields,
    )


def _calendar_day(response, day):
    assert response.status_code == 200
    return next(cell for week in response.context["weeks"] for cell in week if cell.day == day)


def test_a_busy_day_shows_its_first_talks_and_links_to_them_all(world, login, monkeypatch):
    """A day shows its first talks by start time and how many more it has, linking to the list
    of that day with the calendar's filters; the month's count counts them all."""
    from laomo.outreach.views import CalendarView

    monkeypatch.setattr(CalendarView, "DAY_LIMIT", 2)
    day = imagefiles.local(2026, 6, 10).date()
    for hour in (14, 9, 11, 16, 10):
        _talk_at(world, world.a, f"甲县{hour}点", imagefiles.local(2026, 6, 10, hour))
    _talk_at(world, world.a, "已归档", imagefiles.local(2026, 6, 10, 8), archived_at=timezone.now())
    _talk_at(world, world.a, "次日", imagefiles.local(2026, 6, 11, 9))
    _talk_at(world, world.b, "乙县", imagefiles.local(2026, 6, 10, 7))
    month = "/talks/calendar/?month=2026-06"

    city = login(world.user("city_union"))
    response = city.get(month)
    cell = _calendar_day(response, day)
    assert [talk.title for talk in cell.talks] == ["乙县", "甲县9点"]
    assert cell.more == 4
    assert response.context["count"] == 7
    assert "另有 4 场" in response.content.decode()
    listed = city.get(cell.list_url).context["object_list"]
    assert sorted(talk.title for talk in listed) == sorted(
        ["乙县", "甲县9点", "甲县10点", "甲县11点", "甲县14点", "甲县16点"]
    )

    only_a = _calendar_day(city.get(f"{month}&region={world.a.region.pk}"), day)
    assert [talk.title for talk in only_a.talks] == ["甲县9点", "甲县10点"]
    assert only_a.more == 3
    assert len(city.get(only_a.list_url).context["object_list"]) == 5

    county = login(world.user("county_union_a"))
    response = county.get(month)
    assert [talk.title for talk in _calendar_day(response, day).talks] == ["甲县9点", "甲县10点"]
    assert _calendar_day(response, day).more == 3
    assert response.context["count"] == 6
    quiet = _calendar_day(response, imagefiles.local(2026, 6, 11).date())
    assert ([talk.title for talk in quiet.talks], quiet.more) == (["次日"], 0)


def test_a_cancelled_talk_shows_as_cancelled_and_is_not_counted(world, login, monkeypatch):
    from laomo.outreach.views import CalendarView

    monkeypatch.setattr(CalendarView, "DAY_LIMIT", 2)
    day = imagefiles.local(2026, 6, 10).date()
    _talk_at(world, world.a, "照常", imagefiles.local(2026, 6, 10, 9))
    _talk_at(world, world.a, "取消了", imagefiles.local(2026, 6, 10, 10), status=Status.CANCELLED)
    # Beyond the day's limit: not shown, but its cancellation still leaves the month's total.
    _talk_at(world, world.a, "也取消了", imagefiles.local(2026, 6, 10, 11), status=Status.CANCELLED)
    _talk_at(world, world.a, "次日", imagefiles.local(2026, 6, 11, 9))
    response = login(world.user("county_union_a")).get("/talks/calendar/?month=2026-06")
    cell = _calendar_day(response, day)
    assert [talk.title for talk in cell.talks] == ["照常", "取消了"]
    assert response.context["count"] == 2
    content = response.content.decode()
    assert "本月 2 场（另有 2 场已取消，不计入）" in content
    cancelled = next(talk for talk in cell.talks if talk.title == "取消了")
    link = content.split(f'href="{cancelled.get_absolute_url()}"')[1].split("</a>")[0]
    assert "lm-cal-cancelled" in content.split(f'href="{cancelled.get_absolute_url()}"')[0][-120:]
    assert "已取消" in link


def test_the_calendar_filters_by_lecturer_and_refuses_one_outside_the_scope(world, login, plan):
    booked = plan(world.user("county_union_a"), lecturers=[world.a.person]).talk
    other = plan(world.user("county_union_a"), lecturers=[world.city_person], hours=(14, 15)).talk
    client = login(world.user("county_union_a"))
    month = f"/talks/calendar/?month={booked.local_date:%Y-%m}"
    response = client.get(f"{month}&lecturer={world.a.person.pk}")
    cell = _calendar_day(response, booked.local_date)
    assert [talk.pk for talk in cell.talks] == [booked.pk]
    assert f'<option value="{world.a.person.pk}" selected>' in response.content.decode()
    response = client.get(f"{month}&lecturer={world.b.person.pk}")
    assert "lecturer" in response.context["form"].errors
    assert world.b.person.name not in response.content.decode()
    shown = [talk.pk for talk in _calendar_day(response, booked.local_date).talks]
    assert sorted(shown) == sorted([booked.pk, other.pk])


def test_the_home_page_shows_the_next_six_talks_from_now_in_time_order(world, login, monkeypatch):
    """From this minute on, by start time across the day boundary (the page walks the talks by
    day, then time): not a talk that began earlier today, nor a cancelled or archived one."""
    now = imagefiles.local(2026, 6, 10, 10, 0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    starts = {
        "今天早些时候": imagefiles.local(2026, 6, 10, 9, 59),
        "今天稍后": imagefiles.local(2026, 6, 10, 10, 0),
        "今天深夜": imagefiles.local(2026, 6, 10, 23, 30),
        "明天凌晨": imagefiles.local(2026, 6, 11, 0, 15),
        "已取消": imagefiles.local(2026, 6, 10, 11, 0),
        "已归档": imagefiles.local(2026, 6, 10, 12, 0),
        **{f"下周{n}": imagefiles.local(2026, 6, 17, 9 - n, 0) for n in range(4)},
    }
    for title, start in starts.items():
        Talk.objects.create(
            title=title,
            level=Level.COUNTY,
            organiser_region=world.a.region,
            region=world.a.region,
            school=world.a.school,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            venue="hall",
            form="first_lesson",
            status=Status.CANCELLED if title == "已取消" else Status.PLANNED,
            archived_at=now if title == "已归档" else None,
        )
    shown = login(world.user("city_union")).get("/").context["upcoming"]
    assert [talk.title for talk in shown] == [
        "今天稍后",
        "今天深夜",
        "明天凌晨",
        "下周3",
        "下周2",
        "下周1",
    ]


@pytest.mark.parametrize("page", ["list", "calendar"])
def test_talk_pages_name_the_lecturers_as_the_ledger_does(world, login, plan, page):
    """Confirmed by name, invited marked （待确认）, declined not shown, in booking order."""
    county = world.user("county_union_a")
    talk = plan(county, lecturers=[world.a.person, world.city_person]).talk
    declined = plan(county, lecturers=[world.city_person], hours=(14, 16)).talk  # same day
    first, _invited = talk.bookings.unrestricted().order_by("id")
    services.respond(first, accept=True, acting_user=county)
    services.respond(
        declined.bookings.unrestricted().get(), accept=False, reason="出差", acting_user=county
    )
    url = reverse("outreach:talk-list")
    if page == "calendar":
        url = f"/talks/calendar/?month={talk.local_date:%Y-%m}"
    html = login(county).get(url).content.decode()
    entries = html.split(" href=")
    mine = [e for e in entries if e.startswith(f'"{talk.get_absolute_url()}"')]
    theirs = [e for e in entries if e.startswith(f'"{declined.get_absolute_url()}"')]
    # The list links each talk once; the calendar once in the month grid and once in the day list.
    assert mine
    assert theirs
    for entry in mine:
        assert (
            f"{world.a.person.name}、{world.city_person.name}（待确认）" in entry.split("</tr>")[0]
        )
    for entry in theirs:
        assert world.city_person.name not in entry.split("</tr>")[0]


def test_the_talk_list_reads_what_each_row_shows_in_fixed_queries(world, login, plan):
    """The page reads only the columns it shows (`page_fields`): a talk at a school, at a
    practice base and online each show their place without a query of their own."""
    county = world.user("county_union_a")
    base = OrganisationFactory(
        region=world.a.region, kind=Organisation.Kind.PRACTICE_BASE, name="六盘山劳动教育基地"
    )
    client = login(county)
    url = reverse("outreach:talk-list")
    plan(county)
    _queries(client, url)  # warm up
    few = _queries(client, url)
    plan(county, place=Place.BASE, school=None, base=base, days=11)
    plan(county, place=Place.ONLINE, online_platform=OnlinePlatform.SKILLS, days=12)
    many = _queries(client, url)
    page = client.get(url).content.decode()
    assert many == few
    assert "六盘山劳动教育基地" in page
    assert str(OnlinePlatform.SKILLS.label) in page
    assert world.a.school.name in page


@pytest.mark.parametrize(
    ("user_key", "filters"),
    [
        ("city_union", {"organiser", "region", "school", "lecturer"}),
        ("county_union_a", {"organiser", "school", "lecturer"}),  # one county: no 县（区）
        ("zone_union", {"organiser", "school", "lecturer"}),
        ("school_a", set()),
        ("lecturer_a", set()),
    ],
)
def test_the_talk_list_offers_the_filters_that_can_narrow_it(world, login, user_key, filters):
    world.users["zone_union"] = UserFactory(
        username="zone_union", role=Role.COUNTY_UNION, region=world.zone
    )
    response = login(world.user(user_key)).get(reverse("outreach:talk-list"))
    offered = set(response.context["filterset"].form.fields)
    assert offered & {"organiser", "region", "school", "lecturer"} == filters
    html = response.content.decode()
    assert ('name="region"' in html) == ("region" in filters)
