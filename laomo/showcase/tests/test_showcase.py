"""The public showcase: an accepted talk's photos are public only once its school recorded consent,
and stop being public when it withdraws; nothing else is public, and the showcase shows no
personal data."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from laomo.audit.models import AuditEntry
from laomo.outreach import services
from laomo.outreach.models import Talk, TalkReport
from laomo.outreach.tests import imagefiles
from laomo.outreach.tests.conftest import photo, report

CHILD = "张小明"
ACCOUNT = f"三年级{CHILD}同学上台发言，师生反响热烈"


def _uploads(seed: int = 1):
    uploads = [photo("banner", seed), photo("lecturer", seed + 1), photo("audience", seed + 2)]
    uploads[0].caption = f"三年级{CHILD}与劳模合影"
    uploads[0].filename = f"{CHILD}-IMG_0001.jpg"
    uploads[0].data = imagefiles.phone_jpeg(imagefiles.picture(seed, (600, 400)))
    return uploads


def _file(talk, world, seed: int = 1) -> TalkReport:
    return report(talk, world.user("school_a"), photos=_uploads(seed), account=ACCOUNT)


@pytest.fixture
def accepted(world, held_talk) -> TalkReport:
    """County A's talk at school A, its report filed by the school and accepted by the city."""
    filed = _file(held_talk, world)
    return services.accept_report(filed, acting_user=world.user("city_union"))


def _consent(client, report, value: str = "1"):
    url = reverse("outreach:talk-consent", args=[report.talk_id, report.pk])
    return client.post(url, {"consent": value})


def _photo_urls(report) -> list[str]:
    return [
        reverse(name, args=[p.pk])
        for p in report.photos.unrestricted()
        for name in ("showcase:photo", "showcase:photo-thumb")
    ]


def _public(report) -> bool:
    """Whether the anonymous world sees the talk and every one of its photos (all or nothing
    is checked: a partial answer fails)."""
    anonymous = Client()
    page = anonymous.get(reverse("showcase:index"))
    assert page.status_code == 200
    listed = f'id="showcase-{report.talk_id}"' in page.content.decode()
    served = [anonymous.get(url).status_code for url in _photo_urls(report)]
    assert set(served) in ({200}, {404}), served
    assert listed == (served[0] == 200)
    return listed


def test_nothing_is_public_without_the_schools_consent(accepted):
    assert not _public(accepted)


def test_the_school_consents_and_the_photos_become_public(world, login, accepted):
    school = world.user("school_a")
    before = timezone.now()

    response = _consent(login(school), accepted)

    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.public_consent_by == school
    assert accepted.public_consent_at >= before
    entry = AuditEntry.objects.unrestricted().filter(data__has_key="consent").get()
    assert entry.actor == school
    assert (entry.action, entry.object_id) == ("update", str(accepted.talk_id))
    assert entry.data == {"report": 1, "consent": "同意公开展示照片"}
    assert _public(accepted)


def test_a_public_photo_is_the_clean_copy_and_never_cached(world, login, accepted):
    _consent(login(world.user("school_a")), accepted)
    kept = accepted.photos.unrestricted().order_by("position").first()

    response = Client().get(reverse("showcase:photo", args=[kept.pk]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    data = b"".join(response.streaming_content)
    for needle in (b"GPS", b"Exif", b"xmpmeta", imagefiles.COMMENT):
        assert needle not in data
    with Image.open(io.BytesIO(data)) as im:
        assert not im.getexif()


def test_the_showcase_shows_no_personal_data(world, login, accepted):
    _consent(login(world.user("school_a")), accepted)
    talk = accepted.talk
    lecturer = world.a.person

    html = Client().get(reverse("showcase:index")).content.decode()

    assert talk.title in html
    assert talk.school.name in html
    assert "观众 45 人" in html
    for secret in (
        CHILD,  # in a caption, the account and a file's name
        lecturer.phone,
        lecturer.phone[-4:],  # nor masked
        "school_a",  # who filed it, who consented
        "city_union",  # who accepted it
        "IMG_0001",
        accepted.photos.unrestricted().first().image.name,  # the storage path
    ):
        assert secret not in html, secret


def test_withdrawing_consent_takes_the_photos_down_at_once(world, login, accepted):
    client = login(world.user("school_a"))
    _consent(client, accepted)
    assert _public(accepted)

    assert _consent(client, accepted, "0").status_code == 302

    accepted.refresh_from_db()
    assert (accepted.public_consent_at, accepted.public_consent_by) == (None, None)
    assert not _public(accepted)
    assert AuditEntry.objects.unrestricted().filter(data__consent="撤回公开展示照片的同意").exists()


def test_consent_given_before_acceptance_waits_for_it(world, login, held_talk):
    filed = _file(held_talk, world)
    _consent(login(world.user("school_a")), filed)
    filed.refresh_from_db()
    assert filed.public_consent_at is not None
    assert not _public(filed)

    services.accept_report(filed, acting_user=world.user("city_union"))

    assert _public(filed)


def test_a_returned_reports_photos_never_become_public(world, login, held_talk):
    client = login(world.user("school_a"))
    first = _file(held_talk, world, seed=1)
    _consent(client, first)
    services.return_report(first, reasons="横幅看不清", acting_user=world.user("city_union"))
    second = _file(held_talk, world, seed=10)
    _consent(client, second)
    services.accept_report(second, acting_user=world.user("city_union"))

    assert _public(second)
    anonymous = Client()
    for url in _photo_urls(first):  # the same talk, an earlier submission's photos
        assert anonymous.get(url).status_code == 404


def test_consent_is_not_taken_for_a_returned_report(world, login, held_talk):
    filed = _file(held_talk, world)
    services.return_report(filed, reasons="横幅看不清", acting_user=world.user("city_union"))

    response = _consent(login(world.user("school_a")), filed)

    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.public_consent_at is None
    page = login(world.user("school_a")).get(response["Location"]).content.decode()
    assert "这份报送已被退回，其照片不会公开展示" in page


@pytest.mark.parametrize(
    "user_key",
    ["county_union_a", "county_education_a", "city_union", "city_education", "school_b"],
)
def test_only_the_hosting_school_records_consent(world, login, accepted, user_key):
    response = _consent(login(world.user(user_key)), accepted)

    assert response.status_code == 404
    accepted.refresh_from_db()
    assert accepted.public_consent_at is None
    assert not AuditEntry.objects.unrestricted().filter(data__has_key="consent").exists()
    assert not _public(accepted)


def test_the_talk_page_says_whether_the_photos_are_public(world, login, accepted):
    url = accepted.talk.get_absolute_url()
    school_page = login(world.user("school_a")).get(url).content.decode()
    assert "照片不公开：学校尚未同意" in school_page
    assert "同意公开展示本次照片" in school_page  # the school's button

    county_page = login(world.user("county_union_a")).get(url).content.decode()
    assert "照片不公开：学校尚未同意" in county_page
    assert "同意公开展示本次照片" not in county_page

    _consent(login(world.user("school_a")), accepted)
    county_page = login(world.user("county_union_a")).get(url).content.decode()
    assert "学校已同意公开展示本次照片（school_a" in county_page


def test_an_archived_talk_leaves_the_showcase(world, login, accepted):
    _consent(login(world.user("school_a")), accepted)
    Talk.objects.unrestricted().filter(pk=accepted.talk_id).update(archived_at=timezone.now())
    assert not _public(accepted)


def test_the_showcase_is_open_but_nothing_else_is(world, accepted):
    anonymous = Client()
    assert anonymous.get(reverse("showcase:index")).status_code == 200
    kept = accepted.photos.unrestricted().first()
    for url in (
        accepted.talk.get_absolute_url(),
        reverse("outreach:photo", args=[kept.pk]),
        reverse("outreach:talk-list"),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_showcase_does_not_grow_with_talks(world, login, plan):
    client = login(world.user("school_a"))

    def showcase_one(seed):
        talk = plan(world.user("county_union_a"), days=-2 - seed).talk
        booking = talk.bookings.unrestricted().get()
        services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
        filed = report(talk, world.user("school_a"), photos=_uploads(seed * 10))
        services.accept_report(filed, acting_user=world.user("city_union"))
        _consent(client, filed)

    def queries() -> int:
        anonymous = Client()
        with CaptureQueriesContext(connection) as captured:
            assert anonymous.get(reverse("showcase:index")).status_code == 200
        return len(captured)

    showcase_one(1)
    one = queries()
    showcase_one(2)
    showcase_one(3)
    assert queries() == one
