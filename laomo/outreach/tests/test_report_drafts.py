"""A report that forgives (issue 14, item 3): a returned report opens prefilled with its last
submission; one photo is replaced and the rest are carried over without being sent again; a
draft keeps what is filled in and the photos received, is counted nowhere and seen by no
reviewer; each photo is marked by the person; a refused field never costs a received photo."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import ReportStatus, Status
from laomo.outreach.models import DraftPhoto, ReportDraft, ReportPhoto, TalkReport, private_storage
from laomo.outreach.tests import imagefiles
from laomo.outreach.tests.conftest import photo, report


def _file(name: str, seed: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, imagefiles.jpeg(imagefiles.picture(seed, (600, 400))))


def _bytes(name: str) -> bytes:
    with private_storage.open(name, "rb") as handle:
        return handle.read()


@pytest.fixture
def returned(world, held_talk):
    """County A's held talk, its first report (three photos, captions and marks of the
    person's choosing, one photo showing two things) returned by the city for one photo."""
    photos = [
        photo("banner", 11),
        photo("lecturer", 12),
        photo("audience", 13),
    ]
    photos[0].caption = "横幅：原州区第一小学专场"
    photos[1].caption = "何成斌讲述岗位故事"
    photos[2].shows_lecturer = True  # the lecturer among the audience
    first = report(
        held_talk,
        world.user("county_union_a"),
        audience=(120, 8, 3),
        photos=photos,
        account="宣讲生动，师生反响热烈",
    )
    services.return_report(
        first, reasons="第二张照片看不清宣讲员", acting_user=world.user("city_union")
    )
    held_talk.refresh_from_db()
    return first


def _old_photos(first) -> list[tuple]:
    return [
        (p.pk, p.image.name, p.thumbnail.name, p.caption, p.shows_banner, p.shows_audience)
        for p in first.photos.unrestricted().order_by("position")
    ]


def _cards(first, **changes) -> dict:
    """The form as it comes back from the page untouched: each photo of the returned report
    with its caption and marks; `changes` adds or overrides fields."""
    data = {"students": "120", "teachers": "8", "others": "3", "account": "宣讲生动，师生反响热烈"}
    data["item"] = []
    for p in first.photos.unrestricted().order_by("position"):
        key = f"r{p.pk}"
        data["item"].append(key)
        data[f"{key}-caption"] = p.caption
        for mark in ("banner", "lecturer", "audience"):
            if getattr(p, f"shows_{mark}"):
                data[f"{key}-{mark}"] = "on"
    data.update(changes)
    return data


def test_a_returned_report_opens_prefilled(world, login, held_talk, returned):
    client = login(world.user("county_union_a"))
    page = client.get(reverse("outreach:talk-report", args=[held_talk.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert [form[name].value() for name in ("students", "teachers", "others", "account")] == [
        120,
        8,
        3,
        "宣讲生动，师生反响热烈",
    ]
    photos = list(returned.photos.unrestricted().order_by("position"))
    shown = page.context["shown_photos"]
    assert [
        (s.key, s.caption, s.shows_banner, s.shows_lecturer, s.shows_audience) for s in shown
    ] == [
        (f"r{photos[0].pk}", "横幅：原州区第一小学专场", True, False, False),
        (f"r{photos[1].pk}", "何成斌讲述岗位故事", False, True, False),
        (f"r{photos[2].pk}", services.default_caption(held_talk), False, True, True),
    ]
    html = page.content.decode()
    assert "第二张照片看不清宣讲员" in html
    for s in shown:
        assert f'name="{s.key}-replace"' in html
        assert client.get(s.thumbnail_url).status_code == 200


def test_replacing_one_photo_keeps_the_others_and_the_old_report(world, login, held_talk, returned):
    before = _old_photos(returned)
    old_bytes = [_bytes(name) for _pk, name, *_rest in before]
    first, second, third = returned.photos.unrestricted().order_by("position")
    client = login(world.user("county_union_a"))
    data = _cards(returned)
    data[f"r{second.pk}-replace"] = _file("清楚的宣讲员.jpg", 21)
    data[f"r{second.pk}-caption"] = "何成斌讲述岗位故事（重拍）"

    response = client.post(reverse("outreach:talk-report", args=[held_talk.pk]), data)

    assert response.status_code == 302
    new = held_talk.reports.unrestricted().get(number=2)
    assert (new.students, new.teachers, new.others, new.account) == (
        120,
        8,
        3,
        "宣讲生动，师生反响热烈",
    )
    photos = list(new.photos.unrestricted().order_by("position"))
    assert [(p.caption, p.shows_banner, p.shows_lecturer, p.shows_audience) for p in photos] == [
        ("横幅：原州区第一小学专场", True, False, False),
        ("何成斌讲述岗位故事（重拍）", False, True, False),
        (services.default_caption(held_talk), False, True, True),
    ]
    assert [p.original_name for p in photos] == [
        first.original_name,
        "清楚的宣讲员.jpg",
        third.original_name,
    ]
    # The kept photos are copies: the same pictures, files of their own.
    assert _bytes(photos[0].image.name) == old_bytes[0]
    assert _bytes(photos[2].image.name) == old_bytes[2]
    assert photos[0].image.name != first.image.name
    assert photos[2].thumbnail.name != third.thumbnail.name
    assert photos[1].phash != second.phash
    # Nor is a kept photo a "duplicate" of the one it was kept from (the same talk's).
    assert [p.duplicate_of_id for p in photos] == [None, None, None]
    # The returned report is exactly as it was sent.
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED
    assert _old_photos(returned) == before
    assert [_bytes(name) for _pk, name, *_rest in before] == old_bytes
    held_talk.refresh_from_db()
    assert held_talk.status == Status.REPORTED
    assert not ReportDraft.objects.unrestricted().filter(talk=held_talk).exists()


def test_a_photo_kept_from_another_talk_is_still_found_as_a_duplicate(
    world, login, plan, held_talk, returned
):
    """Carrying a photo over keeps what the checks found when it was sent: a picture first sent
    for another talk stays marked as that talk's."""
    other = plan(world.user("county_union_a"), days=-3).talk
    services.respond(
        other.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    again = report(
        other,
        world.user("county_union_a"),
        photos=[photo("banner", 11), *[photo("lecturer", 31), photo("audience", 32)]],
    )
    original = again.photos.unrestricted().get(position=0)
    services.return_report(again, reasons="人数有误", acting_user=world.user("city_union"))
    assert original.duplicate_of.report.talk_id == held_talk.pk
    client = login(world.user("county_union_a"))
    data = _cards(again, students="90", teachers="5", others="0", account="改正人数")
    assert client.post(reverse("outreach:talk-report", args=[other.pk]), data).status_code == 302
    kept = other.reports.unrestricted().get(number=2).photos.unrestricted().get(position=0)
    assert kept.duplicate_of_id == original.duplicate_of_id


def test_a_draft_is_saved_resumed_and_counted_nowhere(world, login, held_talk):
    client = login(world.user("county_union_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    notices = Notification.objects.unrestricted().count()
    data = {
        "action": "draft",
        "students": "60",
        "teachers": "",
        "others": "",
        "account": "",
        "photos": [_file("横幅.jpg", 41), _file("观众.jpg", 42)],
        "new-0-caption": "横幅近景",
        "new-0-banner": "on",
        "new-1-audience": "on",
        "new-1-lecturer": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url

    draft = ReportDraft.objects.unrestricted().get(talk=held_talk)
    assert (draft.students, draft.teachers, draft.others, draft.updated_by) == (
        60,
        None,
        None,
        world.user("county_union_a"),
    )
    saved = list(draft.photos.unrestricted().order_by("position"))
    assert [(p.caption, p.shows_banner, p.shows_lecturer, p.shows_audience) for p in saved] == [
        ("横幅近景", True, False, False),
        ("", False, True, True),
    ]
    # Not a submission: no report, nobody told, the talk as it was.
    held_talk.refresh_from_db()
    assert held_talk.status == Status.CONFIRMED
    assert not TalkReport.objects.unrestricted().filter(talk=held_talk).exists()
    assert Notification.objects.unrestricted().count() == notices

    # Reopening the form continues from the draft.
    page = client.get(url)
    assert page.context["form"]["students"].value() == 60
    assert [s.key for s in page.context["shown_photos"]] == [f"d{p.pk}" for p in saved]
    assert "继续填写草稿" in page.content.decode()
    assert client.get(page.context["shown_photos"][0].thumbnail_url).status_code == 200
    assert "继续填写草稿" in client.get(held_talk.get_absolute_url()).content.decode()

    # The reviewer sees no draft: not on the talk's page, not its photos.
    reviewer = login(world.user("city_union"))
    detail = reviewer.get(held_talk.get_absolute_url()).content.decode()
    assert "草稿" not in detail
    thumb = reverse("outreach:draft-photo-thumb", args=[saved[0].pk])
    assert reviewer.get(thumb).status_code == 404

    # Finishing it: the numbers, one more photo, and the draft becomes the report.
    client = login(world.user("county_union_a"))
    data = {
        "students": "60",
        "teachers": "6",
        "others": "0",
        "account": "同学们提问踊跃",
        "item": [f"d{p.pk}" for p in saved],
        f"d{saved[0].pk}-caption": "横幅近景",
        f"d{saved[0].pk}-banner": "on",
        f"d{saved[1].pk}-caption": "",
        f"d{saved[1].pk}-audience": "on",
        f"d{saved[1].pk}-lecturer": "on",
        "photos": [_file("合影.jpg", 43)],
        "new-0-audience": "on",
    }
    assert client.post(url, data).status_code == 302
    filed = held_talk.reports.unrestricted().get()
    assert (filed.audience, filed.account) == (66, "同学们提问踊跃")
    photos = list(filed.photos.unrestricted().order_by("position"))
    assert [p.original_name for p in photos] == ["横幅.jpg", "观众.jpg", "合影.jpg"]
    # The draft's files became the report's, not copied.
    assert [p.image.name for p in photos[:2]] == [p.image.name for p in saved]
    assert not ReportDraft.objects.unrestricted().filter(talk=held_talk).exists()
    assert not DraftPhoto.objects.unrestricted().exists()


def test_a_field_error_costs_no_received_photo(world, login, held_talk):
    """Sent with an audience below the minimum, the photos are kept; the corrected form then
    sends only the numbers, and the report takes the photos received before."""
    client = login(world.user("school_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    data = {
        "students": "20",
        "teachers": "2",
        "others": "0",
        "account": "活动顺利",
        "photos": [_file("a.jpg", 51), _file("b.jpg", 52)],
        "new-0-banner": "on",
        "new-0-lecturer": "on",
        "new-1-audience": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "观众合计22人，少于规定的30人" in refused.content.decode()
    shown = refused.context["shown_photos"]
    assert len(shown) == 2

    fixed = {"students": "40", "teachers": "2", "others": "0", "account": "活动顺利"}
    fixed["item"] = [s.key for s in shown]
    for s in shown:
        for mark in ("banner", "lecturer", "audience"):
            if getattr(s, f"shows_{mark}"):
                fixed[f"{s.key}-{mark}"] = "on"
    assert client.post(url, fixed).status_code == 302
    filed = held_talk.reports.unrestricted().get()
    assert filed.audience == 42
    assert [p.original_name for p in filed.photos.unrestricted().order_by("position")] == [
        "a.jpg",
        "b.jpg",
    ]


def test_each_photo_is_marked_by_the_person_not_by_its_place(world, login, held_talk):
    client = login(world.user("county_union_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    data = {
        "students": "40",
        "teachers": "5",
        "others": "0",
        "account": "活动顺利",
        "photos": [_file("1.jpg", 61), _file("2.jpg", 62), _file("3.jpg", 63)],
        # The first picked shows the audience, the third the banner and the lecturer.
        "new-0-audience": "on",
        "new-2-banner": "on",
        "new-2-lecturer": "on",
    }
    assert client.post(url, data).status_code == 302
    photos = held_talk.reports.unrestricted().get().photos.unrestricted().order_by("position")
    assert [(p.shows_banner, p.shows_lecturer, p.shows_audience) for p in photos] == [
        (False, False, True),
        (False, False, False),
        (True, True, False),
    ]


def test_photos_marked_by_nobody_are_refused_with_the_rule(world, login, held_talk):
    client = login(world.user("county_union_a"))
    data = {
        "students": "40",
        "teachers": "5",
        "others": "0",
        "account": "活动顺利",
        "photos": [_file("1.jpg", 71), _file("2.jpg", 72)],
    }
    response = client.post(reverse("outreach:talk-report", args=[held_talk.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    for what in ("横幅", "宣讲员", "观众"):
        assert f"照片中须有一张拍到{what}（请在对应照片上勾选“含{what}”）" in page
    assert not TalkReport.objects.unrestricted().filter(talk=held_talk).exists()


def test_a_removed_draft_photo_and_its_files_go(
    world, login, held_talk, django_capture_on_commit_callbacks
):
    client = login(world.user("county_union_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "draft", "photos": [_file("1.jpg", 81), _file("2.jpg", 82)]})
    gone, stays = DraftPhoto.objects.unrestricted().order_by("position")
    names = [gone.image.name, gone.thumbnail.name]
    assert all(private_storage.exists(name) for name in names)
    data = {
        "action": "draft",
        "item": [f"d{gone.pk}", f"d{stays.pk}"],
        f"d{gone.pk}-remove": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert list(DraftPhoto.objects.unrestricted()) == [stays]
    assert not any(private_storage.exists(name) for name in names)
    assert private_storage.exists(stays.image.name)


@pytest.mark.parametrize("user_key", ["county_union_b", "school_b", "lecturer_a", "reviewer"])
def test_who_may_not_file_sees_neither_the_form_nor_the_draft(
    world, login, held_talk, returned, user_key
):
    owner = login(world.user("county_union_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    owner.post(url, {**_cards(returned), "action": "draft", "photos": [_file("新.jpg", 85)]})
    saved = ReportDraft.objects.unrestricted().get(talk=held_talk)
    received = DraftPhoto.objects.unrestricted().get(draft=saved, source__isnull=True)
    thumb = reverse("outreach:draft-photo-thumb", args=[received.pk])
    assert owner.get(thumb).status_code == 200
    client = login(world.user(user_key))
    assert client.get(url).status_code == 404
    assert client.post(url, {**_cards(returned), "action": "draft"}).status_code == 404
    assert client.post(url, _cards(returned)).status_code == 404
    assert client.get(thumb).status_code == 404
    saved.refresh_from_db()
    assert saved.updated_by == world.user("county_union_a")
    assert held_talk.reports.unrestricted().count() == 1


def test_the_api_keeps_photos_of_the_returned_report(world, held_talk, returned):
    from django.test import Client

    from laomo.accounts.models import ApiToken

    _token, raw = ApiToken.issue(world.user("county_union_a"))
    first, _second, third = returned.photos.unrestricted().order_by("position")
    client = Client()
    url = f"/api/v1/talks/{held_talk.pk}/report"
    data = {
        "students": "120",
        "teachers": "8",
        "others": "3",
        "account": "宣讲生动",
        "keep": [str(first.pk), str(third.pk)],
        "photos": [_file("新宣讲员.jpg", 91)],
        "shows": ["lecturer"],
    }
    response = client.post(url, data, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201, response.content
    new = held_talk.reports.unrestricted().get(number=2)
    photos = list(new.photos.unrestricted().order_by("position"))
    assert response.json()["photo_ids"] == [p.pk for p in photos]
    assert [(p.original_name, p.caption, p.shows_lecturer) for p in photos] == [
        (first.original_name, first.caption, False),
        (third.original_name, third.caption, True),
        ("新宣讲员.jpg", services.default_caption(held_talk), True),
    ]
    assert ReportPhoto.objects.unrestricted().filter(report=returned).count() == 3


def test_the_api_refuses_to_keep_another_talks_photo(world, plan, held_talk, returned):
    from django.test import Client

    from laomo.accounts.models import ApiToken

    other = plan(world.user("county_union_a"), days=-3).talk
    services.respond(
        other.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    _token, raw = ApiToken.issue(world.user("county_union_a"))
    foreign = returned.photos.unrestricted().first()  # another talk's
    data = {
        "students": "40",
        "teachers": "0",
        "others": "0",
        "account": "借用照片",
        "keep": [str(foreign.pk)],
        "photos": [_file("x.jpg", 95)],
        "shows": ["banner,lecturer,audience"],
    }
    response = Client().post(
        f"/api/v1/talks/{other.pk}/report", data, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["keep"] == [
        f"编号为 {foreign.pk} 的照片不属于本次活动，不能沿用"
    ]
    assert not other.reports.unrestricted().exists()


def test_a_draft_with_a_wrong_number_keeps_the_rest(world, login, held_talk):
    client = login(world.user("county_union_a"))
    url = reverse("outreach:talk-report", args=[held_talk.pk])
    data = {
        "action": "draft",
        "students": "-3",
        "teachers": "4",
        "account": "写到一半",
        "photos": [_file("1.jpg", 97)],
        "new-0-banner": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["students"]
    assert "草稿已保存，标出错误的几项未保存，请改正" in response.content.decode()
    draft = ReportDraft.objects.unrestricted().get(talk=held_talk)
    assert (draft.students, draft.teachers, draft.account) == (None, 4, "写到一半")
    assert [p.shows_banner for p in draft.photos.unrestricted()] == [True]
    assert [s.key for s in response.context["shown_photos"]] == [
        f"d{p.pk}" for p in draft.photos.unrestricted()
    ]
