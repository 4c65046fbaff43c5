"""Talks through the API (/api/v1/talks): planning, the double-booking check, a report sent as
multipart with its photos, review; every rule answering 400 with the errors by field, another
region's talk 404, no caller 401; bearer tokens and the browser's session with its CSRF token."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import (
    PASSWORD,
    PersonFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
)
from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import BookingStatus, Level, ReportStatus, Status
from laomo.outreach.models import Booking, ProgrammeYear, ReportPhoto, Talk, TalkReport
from laomo.outreach.tests import imagefiles
from laomo.outreach.tests.conftest import at, report
from laomo.regions.models import Region

BANNER = "{year}年固原市“中国梦·劳动美——奋进新征程建功新时代”劳模工匠进校园宣讲活动（{name}专场）"


def _counts() -> tuple[int, ...]:
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


class Caller:
    """A test client that sends one user's bearer token with every request."""

    def __init__(self, user):
        self.client = Client(enforce_csrf_checks=True)
        _token, raw = ApiToken.issue(user)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url, data=None):
        return self.client.get(url, data, **self.auth)

    def post(self, url, data=None):
        return self.client.post(url, data or {}, content_type="application/json", **self.auth)

    def put(self, url, data):
        return self.client.put(url, data, content_type="application/json", **self.auth)

    def multipart(self, url, data):
        return self.client.post(url, data, **self.auth)


@pytest.fixture
def caller(world):
    return lambda user_key: Caller(world.user(user_key))


def talk_json(*, school=None, lecturers=(), days=10, hours=(9, 11), **overrides) -> dict:
    data = {
        "title": "劳模精神进课堂",
        "starts_at": at(days, hours[0]).isoformat(),
        "ends_at": at(days, hours[1]).isoformat(),
        "venue": "hall",
        "form": "first_lesson",
        "lecturer_ids": [person.pk for person in lecturers],
        "place": "school",
        "school_id": school.pk if school is not None else None,
        "expected_audience": 300,
    }
    data.update(overrides)
    return data


def _refused(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    return body["errors"][field]


# Planning ---------------------------------------------------------------------------------------


def test_a_county_plans_a_talk(world, caller):
    response = caller("county_union_a").post(
        "/api/v1/talks", talk_json(school=world.a.school, lecturers=[world.a.person])
    )
    assert response.status_code == 201, response.content
    body = response.json()
    talk = Talk.objects.unrestricted().get()
    year = timezone.localtime(talk.starts_at).year
    assert body["id"] == talk.pk
    assert body["banner_text"] == BANNER.format(year=year, name="原州区第一小学")
    assert (body["status"], body["level"]) == ("planned", "county")
    assert (body["region_code"], body["organiser_region_code"]) == ("640402", "640402")
    assert body["school_id"] == world.a.school.pk
    assert body["funding"] == "县（区）经费（县（区）总工会、教育体育局）"
    assert body["lecturers"] == [
        {
            "id": talk.bookings.unrestricted().get().pk,
            "person_id": world.a.person.pk,
            "name": "原劳模",
            "status": "invited",
            "reason": "",
        }
    ]
    assert Notification.objects.unrestricted().filter(user=world.user("lecturer_a")).exists()


def test_the_city_plans_at_a_countys_school_and_the_county_sees_it(world, caller):
    response = caller("city_education").post(
        "/api/v1/talks",
        talk_json(school=world.b.school, lecturers=[world.city_person], special_name="致敬劳模"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["region_code"], body["organiser_region_code"]) == (
        "city",
        "640422",
        "640400",
    )
    assert body["banner_text"].endswith("（致敬劳模专场）")
    # County B sees it (held at its school), county A does not.
    assert caller("county_union_b").get(f"/api/v1/talks/{body['id']}").status_code == 200
    assert caller("county_union_a").get(f"/api/v1/talks/{body['id']}").status_code == 404


def test_a_school_invites_to_itself(world, caller):
    response = caller("school_a").post(
        "/api/v1/talks", talk_json(school=None, lecturers=[world.city_person])
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["school_id"], body["region_code"]) == (
        "school",
        world.a.school.pk,
        "640402",
    )
    assert body["funding"] == "邀请学校自行负担"


def test_an_overlapping_booking_is_refused_naming_the_first_talk(world, caller, plan):
    first = plan(world.user("county_union_a"), days=10, hours=(9, 11)).talk
    before = _counts()
    response = caller("county_education_a").post(
        "/api/v1/talks",
        talk_json(school=world.a.other_school, lecturers=[world.a.person], days=10, hours=(10, 12)),
    )
    errors = _refused(response, "lecturer_ids")
    assert any(first.title in error and "时间冲突" in error for error in errors), errors
    assert "原劳模" in errors[0]
    assert _counts() == before


def test_an_overlap_with_a_talk_one_may_not_see_does_not_name_it(world, caller, plan):
    """The lecturer is booked by the city at county B's school: county A learns only that there
    is a clash, not where."""
    plan(
        world.user("city_union"),
        school=world.b.school,
        lecturers=[world.a.person],
        title="西吉专场",
    )
    response = caller("county_union_a").post(
        "/api/v1/talks", talk_json(school=world.a.school, lecturers=[world.a.person])
    )
    errors = _refused(response, "lecturer_ids")
    assert "时间冲突" in errors[0]
    assert "西吉专场" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("school_id", lambda world: {"school": world.b.school, "lecturers": [world.a.person]}),
        (
            "school_id",
            lambda world: {
                "school": SchoolFactory(region=world.city),
                "lecturers": [world.a.person],
            },
        ),
        ("lecturer_ids", lambda world: {"school": world.a.school, "lecturers": [world.b.person]}),
        (
            "lecturer_ids",
            lambda world: {
                "school": world.a.school,
                "lecturers": [PersonFactory(name="市直独行", region=world.city)],
            },
        ),
        ("school_id", lambda world: {"school": None, "lecturers": [world.a.person]}),
        (
            "lecturer_ids",
            lambda world: {"school": world.a.school, "lecturers": []},
        ),
    ],
)
def test_a_county_cannot_reach_outside_its_county(world, caller, field, make):
    before = _counts()
    response = caller("county_union_a").post("/api/v1/talks", talk_json(**make(world)))
    errors = _refused(response, field)
    assert errors
    assert _counts() == before


def test_a_school_cannot_invite_outside_its_directory(world, caller):
    loner = PersonFactory(name="原州独行", region=world.a.region)
    before = _counts()
    for person in (world.b.person, loner):
        response = caller("school_a").post("/api/v1/talks", talk_json(lecturers=[person]))
        assert str(person.pk) in _refused(response, "lecturer_ids")[0]
    assert _counts() == before


@pytest.mark.parametrize("user_key", ["lecturer_a", "reviewer"])
def test_who_plans_no_talks_gets_404(world, caller, user_key):
    before = _counts()
    response = caller(user_key).post(
        "/api/v1/talks", talk_json(school=world.a.school, lecturers=[world.a.person])
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}
    assert _counts() == before
    refused = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.ACCESS_DENIED)
    assert (refused.data["kind"], refused.data["path"]) == ("permission", "/api/v1/talks")


def test_changing_a_talk_through_put(world, caller, plan):
    talk = plan(world.user("county_union_a")).talk
    data = talk_json(
        school=world.a.other_school, lecturers=[world.a.person], days=12, title="改期后的宣讲"
    )
    response = caller("county_education_a").put(f"/api/v1/talks/{talk.pk}", data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["school_id"]) == ("改期后的宣讲", world.a.other_school.pk)
    assert body["banner_text"].endswith("（原州区第一中学专场）")
    # The city's talk at county A's school is county A's to see, not to change.
    city_talk = plan(world.user("city_union"), school=world.a.school, days=20).talk
    response = caller("county_education_a").put(f"/api/v1/talks/{city_talk.pk}", data)
    assert response.status_code == 404
    city_talk.refresh_from_db()
    assert city_talk.title == "劳模精神进课堂"


def test_cancel_needs_a_reason(world, caller, plan):
    talk = plan(world.user("county_union_a")).talk
    client = caller("county_union_a")
    _refused(client.post(f"/api/v1/talks/{talk.pk}/cancel", {"reason": " "}), "reason")
    response = client.post(f"/api/v1/talks/{talk.pk}/cancel", {"reason": "学校临时停课"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == (
        "cancelled",
        "学校临时停课",
    )


def test_a_lecturer_answers_their_own_invitation_only(world, caller, plan):
    other = PersonFactory(name="原州二号", region=world.a.region)
    talk = plan(world.user("county_union_a"), lecturers=[world.a.person, other]).talk
    mine = talk.bookings.unrestricted().get(person=world.a.person)
    theirs = talk.bookings.unrestricted().get(person=other)
    client = caller("lecturer_a")
    url = f"/api/v1/talks/{talk.pk}/bookings/{{}}/respond"
    _refused(client.post(url.format(mine.pk), {"accept": False}), "reason")
    response = client.post(url.format(mine.pk), {"accept": True})
    assert response.status_code == 200
    answers = {b["person_id"]: b["status"] for b in response.json()["lecturers"]}
    assert answers == {world.a.person.pk: "confirmed", other.pk: "invited"}
    assert client.post(url.format(theirs.pk), {"accept": True}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.INVITED


# Reports as multipart ---------------------------------------------------------------------------


def _jpeg(seed: int) -> SimpleUploadedFile:
    data = imagefiles.jpeg(imagefiles.picture(seed, (600, 400)))
    return SimpleUploadedFile(f"photo-{seed}.jpg", data, content_type="image/jpeg")


def report_multipart(
    *, audience=(40, 5, 0), photos=None, shows=("banner", "lecturer", "audience,lecturer")
) -> dict:
    students, teachers, others = audience
    return {
        "students": str(students),
        "teachers": str(teachers),
        "others": str(others),
        "account": "宣讲生动，师生反响热烈",
        "photos": photos if photos is not None else [_jpeg(1), _jpeg(2), _jpeg(3)],
        "captions": ["2025年3月5日 原州区总工会 横幅", "宣讲员", ""],
        "shows": list(shows),
    }


def test_a_report_sent_as_multipart(world, caller, held_talk):
    response = caller("county_union_a").multipart(
        f"/api/v1/talks/{held_talk.pk}/report", report_multipart()
    )
    assert response.status_code == 201, response.content
    body = response.json()
    filed = TalkReport.objects.unrestricted().get()
    assert body == {
        "id": filed.pk,
        "talk_id": held_talk.pk,
        "number": 1,
        "status": "submitted",
        "students": 40,
        "teachers": 5,
        "others": 0,
        "audience": 45,
        "account": "宣讲生动，师生反响热烈",
        "photo_count": 3,
        "photo_ids": [p.pk for p in filed.photos.unrestricted().order_by("position")],
    }
    photos = list(filed.photos.unrestricted().order_by("position"))
    assert [p.caption for p in photos] == [
        "2025年3月5日 原州区总工会 横幅",
        "宣讲员",
        services.default_caption(held_talk),
    ]
    assert [(p.shows_banner, p.shows_lecturer, p.shows_audience) for p in photos] == [
        (True, False, False),
        (False, True, False),
        (False, True, True),
    ]
    assert [p.original_name for p in photos] == ["photo-1.jpg", "photo-2.jpg", "photo-3.jpg"]
    held_talk.refresh_from_db()
    assert held_talk.status == Status.REPORTED


def test_the_hosting_school_sends_the_report_of_a_city_talk(world, caller, plan):
    talk = plan(world.user("city_union"), school=world.a.school, days=-1).talk
    booking = talk.bookings.unrestricted().get()
    services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
    url = f"/api/v1/talks/{talk.pk}/report"
    # County A sees the city's talk but is not among its organisers.
    assert caller("county_union_a").multipart(url, report_multipart()).status_code == 404
    assert caller("school_a").multipart(url, report_multipart()).status_code == 201


@pytest.mark.parametrize(
    ("field", "make", "message"),
    [
        (
            "audience",
            lambda: report_multipart(audience=(20, 5, 4)),
            "观众合计29人，少于规定的30人",
        ),
        (
            "photos",
            lambda: report_multipart(
                photos=[
                    _jpeg(1),
                    SimpleUploadedFile("报告.jpg", imagefiles.other_kinds()["pdf"], "image/jpeg"),
                    _jpeg(3),
                ]
            ),
            "“报告.jpg”不是照片（是 PDF 文件）",
        ),
        (
            "photos",
            lambda: report_multipart(shows=("lecturer", "audience", "audience")),
            "照片中须有一张拍到横幅",
        ),
        (
            "photos",
            lambda: report_multipart(shows=()),
            "照片中须有一张拍到横幅",
        ),
    ],
    ids=["audience-29", "not-an-image", "no-banner", "no-flags"],
)
def test_a_report_breaking_a_rule_is_400_and_writes_nothing(
    world, caller, held_talk, private_media, field, make, message
):
    before = _counts()
    response = caller("county_union_a").multipart(f"/api/v1/talks/{held_talk.pk}/report", make())
    errors = _refused(response, field)
    assert any(message in error for error in errors), errors
    assert _counts() == before
    assert not [path for path in private_media.rglob("*") if path.is_file()]
    held_talk.refresh_from_db()
    assert held_talk.status == Status.CONFIRMED


def test_a_report_without_photos_is_refused(world, caller, held_talk):
    data = report_multipart()
    del data["photos"]
    before = _counts()
    response = caller("county_union_a").multipart(f"/api/v1/talks/{held_talk.pk}/report", data)
    assert response.status_code in (400, 422)
    assert _counts() == before


# Review -----------------------------------------------------------------------------------------


@pytest.fixture
def filed(world, held_talk):
    return report(held_talk, world.user("county_union_a"))


def _review_url(filed, decision: str) -> str:
    return f"/api/v1/talks/{filed.talk_id}/reports/{filed.pk}/{decision}"


@pytest.mark.parametrize("user_key", ["city_union", "city_education"])
def test_the_city_accepts(world, caller, filed, user_key):
    response = caller(user_key).post(_review_url(filed, "accept"))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["photo_count"]) == ("accepted", 3)
    filed.refresh_from_db()
    assert (filed.status, filed.decided_by) == (ReportStatus.ACCEPTED, world.user(user_key))
    assert Talk.objects.unrestricted().get(pk=filed.talk_id).status == Status.ACCEPTED


def test_the_city_returns_with_reasons(world, caller, filed):
    client = caller("city_union")
    _refused(client.post(_review_url(filed, "return"), {"reasons": ""}), "reasons")
    response = client.post(_review_url(filed, "return"), {"reasons": "观众照片不足30人"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    filed.refresh_from_db()
    assert filed.return_reasons == "观众照片不足30人"
    _refused(client.post(_review_url(filed, "accept")), "__all__")  # already decided


@pytest.mark.parametrize(
    "user_key", ["county_union_a", "county_education_a", "school_a", "lecturer_a", "reviewer"]
)
@pytest.mark.parametrize("decision", ["accept", "return"])
def test_only_the_city_reviews(world, caller, filed, user_key, decision):
    before = _counts()
    response = caller(user_key).post(_review_url(filed, decision), {"reasons": "不行"})
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}
    assert _counts() == before
    filed.refresh_from_db()
    assert filed.status == ReportStatus.SUBMITTED


# Scope and callers ------------------------------------------------------------------------------


def _endpoints(talk, booking, filed) -> list[tuple[str, str, dict | None]]:
    base = f"/api/v1/talks/{talk.pk}"
    return [
        ("get", base, None),
        ("put", base, talk_json(school=talk.school, lecturers=[booking.person])),
        ("post", f"{base}/cancel", {"reason": "不办了"}),
        ("post", f"{base}/held", None),
        ("post", f"{base}/bookings/{booking.pk}/respond", {"accept": True}),
        ("post", f"{base}/reports/{filed.pk}/accept", None),
        ("post", f"{base}/reports/{filed.pk}/return", {"reasons": "不行"}),
    ]


def test_another_countys_talk_is_404_everywhere(world, caller, filed):
    talk = filed.talk
    booking = talk.bookings.unrestricted().get()
    client = caller("county_union_b")
    before = _counts()
    for method, url, data in _endpoints(talk, booking, filed):
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": "未找到"}
    response = client.multipart(f"/api/v1/talks/{talk.pk}/report", report_multipart())
    assert response.status_code == 404
    assert _counts() == before
    listed = client.get("/api/v1/talks").json()
    assert listed == {"items": [], "count": 0}


def test_anonymous_is_401_everywhere(world, client, filed):
    talk = filed.talk
    booking = talk.bookings.unrestricted().get()
    before = _counts()
    for method, url, data in [
        ("get", "/api/v1/talks", None),
        ("post", "/api/v1/talks", talk_json(school=world.a.school, lecturers=[world.a.person])),
        *_endpoints(talk, booking, filed),
    ]:
        response = getattr(client, method)(url, data or {}, content_type="application/json")
        assert response.status_code == 401, (method, url)
        assert response.json()["detail"]
    assert client.post(f"/api/v1/talks/{talk.pk}/report", report_multipart()).status_code == 401
    assert _counts() == before


def test_a_session_post_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="county_union_a", password=PASSWORD)
    data = talk_json(school=world.a.school, lecturers=[world.a.person])
    before = _counts()
    response = client.post("/api/v1/talks", data, content_type="application/json")
    assert response.status_code == 403
    assert _counts() == before
    client.get("/talks/")  # a page sets the token, as the browser would have it
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/talks", data, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
    assert response.json()["level"] == "county"


def test_a_report_sent_from_the_browser_session(world, held_talk):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="school_a", password=PASSWORD)
    client.get("/talks/")
    response = client.post(
        f"/api/v1/talks/{held_talk.pk}/report",
        report_multipart(),
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201, response.content
    assert TalkReport.objects.unrestricted().get().submitted_by == world.user("school_a")


def test_the_schema_documents_the_talk_endpoints(world, caller):
    paths = caller("city_union").get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/talks",
        "/api/v1/talks/{talk_id}",
        "/api/v1/talks/{talk_id}/cancel",
        "/api/v1/talks/{talk_id}/held",
        "/api/v1/talks/{talk_id}/bookings/{booking_id}/respond",
        "/api/v1/talks/{talk_id}/report",
        "/api/v1/talks/{talk_id}/reports/{report_id}/accept",
        "/api/v1/talks/{talk_id}/reports/{report_id}/return",
    ]:
        assert path in paths, path
    report_body = paths["/api/v1/talks/{talk_id}/report"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in report_body


# Filters and query counts -----------------------------------------------------------------------


def test_the_list_filters_within_the_callers_scope(world, caller, plan):
    a = plan(world.user("county_union_a"), days=5).talk
    b = plan(world.user("county_union_b"), lecturers=[world.b.person], days=6).talk
    city = plan(world.user("city_union"), school=world.b.school, lecturers=[world.city_person])
    city = city.talk

    def ids(user_key, **params):
        response = caller(user_key).get("/api/v1/talks", params)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert ids("city_union") == {a.pk, b.pk, city.pk}
    assert ids("city_union", region="640422") == {b.pk, city.pk}
    assert ids("city_union", level="city") == {city.pk}
    assert ids("county_union_b") == {b.pk, city.pk}
    assert ids("county_union_a", region="640422") == set()
    assert ids("county_union_a", region="640400") == {a.pk}
    day = a.local_date
    assert ids("city_union", since=day.isoformat(), until=day.isoformat()) == {a.pk}
    assert ids("lecturer_a") == {a.pk}
    assert ids("school_b") == {b.pk, city.pk}
    assert ids("reviewer") == set()


_serial = itertools.count(1)


def _fixed(year: int, serial: int, hour: int):
    return timezone.make_aware(timezone.datetime(year, 3, 1 + serial % 28, hour))


def _more_talks(world, plan, n: int) -> None:
    """`n` county-A talks in 2030, each with two lecturers, and a city talk in 2031 (a second
    year of programme settings to look up)."""
    for _ in range(n):
        serial = next(_serial)
        person = PersonFactory(name=f"讲师{serial}", region=world.a.region)
        talk = plan(
            world.user("county_union_a"),
            lecturers=[person],
            title=f"宣讲{serial}",
            starts_at=_fixed(2030, serial, 9),
            ends_at=_fixed(2030, serial, 11),
        ).talk
        Booking(talk=talk, person=PersonFactory(region=world.a.region)).save()
    serial = next(_serial)
    plan(
        world.user("city_union"),
        school=world.b.school,
        lecturers=[PersonFactory(region=world.city)],
        starts_at=_fixed(2031, serial, 9),
        ends_at=_fixed(2031, serial, 11),
    )


def _queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("user_key", ["city_union", "county_union_a", "school_a"])
def test_the_list_does_not_grow_with_talks(world, caller, plan, user_key):
    client = caller(user_key)
    _more_talks(world, plan, 2)
    url = "/api/v1/talks?page_size=200"
    _queries(client, url)
    few = _queries(client, url)
    _more_talks(world, plan, 6)
    many = _queries(client, url)
    assert many == few, f"{few} queries for a few talks, {many} for more"
    assert few <= 12


def _talks_in_other_cities(world, n: int) -> list[Talk]:
    """A 2030 talk in each of `n` new cities of the province, every other city with its own
    saved banner wording for that year."""
    talks = []
    for _ in range(n):
        serial = next(_serial)
        city = RegionFactory(
            code=f"64{50 + serial:02d}00",
            name=f"第{serial}市",
            level=Region.Level.CITY,
            parent=world.province,
        )
        county = RegionFactory(code=f"64{50 + serial:02d}01", name=f"第{serial}县", parent=city)
        school = SchoolFactory(region=county, name=f"第{serial}小学")
        if serial % 2:
            ProgrammeYear.objects.create(
                city=city, year=2030, banner_template="{year}年{city}宣讲（{name}）"
            )
        talks.append(
            Talk.objects.create(
                title=f"宣讲{serial}",
                level=Level.COUNTY,
                organiser_region=county,
                region=county,
                school=school,
                starts_at=_fixed(2030, serial, 9),
                ends_at=_fixed(2030, serial, 11),
                venue="hall",
                form="first_lesson",
            )
        )
    return talks


def test_a_page_of_many_cities_reads_their_banner_settings_at_once(world):
    """A province's page holds talks of many cities: one query reads a year's settings for all
    of them, and each talk still gets its own city's wording, saved or default."""
    province = Caller(
        UserFactory(username="province-api", role="city_union", region=world.province)
    )
    url = "/api/v1/talks?page_size=200"
    talks = _talks_in_other_cities(world, 2)
    province.get(url)
    few = _queries(province.client, url, **province.auth)
    talks += _talks_in_other_cities(world, 5)
    many = _queries(province.client, url, **province.auth)
    assert many == few, f"{few} queries for talks of 2 cities, {many} for 7"
    shown = {row["id"]: row["banner_text"] for row in province.get(url).json()["items"]}
    for talk in talks:
        city = talk.region.parent
        saved = ProgrammeYear.objects.filter(city=city, year=2030).first()
        expected = (
            f"2030年{city.name}宣讲（{talk.school.name}）"
            if saved
            else ProgrammeYear.default(city, 2030).banner(talk.school.name)
        )
        assert shown[talk.pk] == expected
