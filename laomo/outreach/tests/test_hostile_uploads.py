"""Hostile photos sent with a talk's report, through the page and through the API: each refused
with a 4xx and a Chinese message naming the file, and nothing of it written — no report, no photo
row, no file in the private folder, no notice, the talk's status unchanged. The API writes
nothing at all; the page keeps the good photos sent with it in the talk's draft (a school on a
phone does not send them again), and only those."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry
from laomo.notices.models import Notification
from laomo.outreach.choices import Status
from laomo.outreach.models import ReportDraft, ReportPhoto, TalkReport
from laomo.outreach.tests import imagefiles

# name → (bytes, the file's name, what the message must say)
HOSTILE = {
    "pixel-flood": (
        imagefiles.pixel_flood_png,
        "flood.png",
        "“flood.png”像素过多，上限 5000 万像素",
    ),
    "pixel-flood-jpeg": (
        lambda: imagefiles.jpeg_claiming(65000, 800),
        "flood.jpg",
        "“flood.jpg”像素过多",
    ),
    "svg": (
        lambda: imagefiles.other_kinds()["svg-bare"],
        "photo.jpg",
        "“photo.jpg”不是照片（是 SVG/XML 文件）",
    ),
    "html": (lambda: imagefiles.other_kinds()["html"], "photo.jpg", "是 HTML 文件"),
    "polyglot": (imagefiles.polyglot_png, "poly.png", "“poly.png”夹带网页代码"),
    "polyglot-jpeg": (
        lambda: imagefiles.polyglots()["jpeg-after-end"],
        "poly.jpg",
        "“poly.jpg”夹带网页代码",
    ),
    "empty": (lambda: b"", "empty.jpg", "“empty.jpg”是空文件（0 字节）"),
    "pdf": (
        lambda: imagefiles.other_kinds()["pdf"],
        "报告.jpg",
        "“报告.jpg”不是照片（是 PDF 文件）",
    ),
    "truncated": (imagefiles.truncated_jpeg, "cut.jpg", "“cut.jpg”已损坏或不完整"),
}


def _good(seed: int) -> bytes:
    return imagefiles.jpeg(imagefiles.picture(seed, (400, 300)))


def _state(talk, private_media):
    talk.refresh_from_db()
    return (
        TalkReport.objects.unrestricted().count(),
        ReportPhoto.objects.unrestricted().count(),
        Notification.objects.unrestricted().count(),
        # Everything but the refusal itself, which is recorded (see below).
        AuditEntry.objects.unrestricted().exclude(action=AuditEntry.Action.UPLOAD_REFUSED).count(),
        sorted(str(p) for p in private_media.rglob("*") if p.is_file()),
        talk.status,
    )


def assert_nothing_but_the_received_kept(channel, talk, private_media, before, received):
    """Nothing written, except that the page keeps the photos it received (`received`, by file
    name) in the talk's draft: their rows, their files, and the audit entry of the draft."""
    draft = ReportDraft.objects.unrestricted().filter(talk=talk).first()
    if not channel.keeps_received or not received:
        assert draft is None
        assert _state(talk, private_media) == before
        return
    photos = list(draft.photos.unrestricted())
    assert sorted(photo.original_name for photo in photos) == sorted(received)
    reports, rows, notices, audit, stored, status = _state(talk, private_media)
    assert (reports, rows, notices, status) == (*before[:3], before[5])
    assert audit == before[3] + 1
    kept = [str(private_media / p.image.name) for p in photos]
    kept += [str(private_media / p.thumbnail.name) for p in photos]
    assert sorted(f for f in stored if "/pending/" not in f) == sorted(before[4] + kept)


class Page:
    """The report page, as the county's official fills it in."""

    keeps_received = True

    def __init__(self, world, talk):
        self.client = Client()
        self.client.force_login(world.user("county_union_a"))
        self.url = reverse("outreach:talk-report", args=[talk.pk])

    def send(self, files: list[tuple[str, bytes]]):
        data = {
            "students": "40",
            "teachers": "5",
            "others": "0",
            "account": "师生反响热烈",
            "photos": [SimpleUploadedFile(name, content, "image/jpeg") for name, content in files],
        }
        for index in range(len(files)):
            for what in ("banner", "lecturer", "audience"):
                data[f"new-{index}-{what}"] = "on"
        return self.client.post(self.url, data)

    @staticmethod
    def messages(response) -> str:
        return response.content.decode()


class Api:
    """POST /api/v1/talks/{id}/report with a bearer token."""

    keeps_received = False

    def __init__(self, world, talk):
        self.client = Client(enforce_csrf_checks=True)
        _token, raw = ApiToken.issue(world.user("county_union_a"))
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.url = f"/api/v1/talks/{talk.pk}/report"

    def send(self, files: list[tuple[str, bytes]]):
        data = {
            "students": "40",
            "teachers": "5",
            "others": "0",
            "account": "师生反响热烈",
            "photos": [SimpleUploadedFile(n, c, "image/jpeg") for n, c in files],
            "shows": ["banner,lecturer,audience"] * len(files),
        }
        return self.client.post(self.url, data, **self.auth)

    @staticmethod
    def messages(response) -> str:
        if not response["Content-Type"].startswith("application/json"):
            return response.content.decode()
        body = response.json()
        return " ".join(
            [body["detail"], *(m for ms in body.get("errors", {}).values() for m in ms)]
        )


@pytest.fixture(params=[Page, Api], ids=["page", "api"])
def channel(request, world, held_talk):
    return request.param(world, held_talk)


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_photo_is_refused_and_nothing_is_written(channel, held_talk, private_media, kind):
    make, name, expected = HOSTILE[kind]
    before = _state(held_talk, private_media)

    response = channel.send([("banner.jpg", _good(1)), (name, make()), ("audience.jpg", _good(3))])

    assert response.status_code == 400
    assert expected in channel.messages(response)
    received = ["banner.jpg", "audience.jpg"]
    assert_nothing_but_the_received_kept(channel, held_talk, private_media, before, received)
    assert before[-1] == Status.CONFIRMED
    # The refusal is a security event: recorded, naming the file and why, to whom.
    refusal = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.UPLOAD_REFUSED)
    assert refusal.data["filename"] == name
    assert expected in refusal.data["reason"]
    assert refusal.actor_name == "county_union_a"


def test_the_same_report_without_the_hostile_photo_is_taken(channel, held_talk, private_media):
    """The control: what the battery refuses is the photo, not the rest of the report."""
    response = channel.send([("banner.jpg", _good(1)), ("audience.jpg", _good(3))])
    assert response.status_code in (201, 302)
    held_talk.refresh_from_db()
    assert held_talk.status == Status.REPORTED


def test_a_photo_over_the_size_limit_is_refused(channel, held_talk, private_media, settings):
    settings.LAOMO_PHOTO_MAX_BYTES = 100_000
    big = _good(2) + b"\0" * 100_000
    assert len(_good(1)) < 100_000 < len(big)
    before = _state(held_talk, private_media)

    response = channel.send([("banner.jpg", _good(1)), ("大照片.jpg", big)])

    assert response.status_code == 400
    assert "“大照片.jpg”照片过大" in channel.messages(response)
    assert_nothing_but_the_received_kept(channel, held_talk, private_media, before, ["banner.jpg"])


def test_more_photos_than_a_report_takes_are_refused(channel, held_talk, private_media, settings):
    settings.LAOMO_PHOTO_MAX_COUNT = 3
    before = _state(held_talk, private_media)

    response = channel.send([(f"{n}.jpg", _good(n)) for n in range(4)])

    assert response.status_code == 400
    assert "一次最多上传3张照片，本次4张" in channel.messages(response)
    assert _state(held_talk, private_media) == before


def test_more_files_than_a_request_may_carry_are_refused(
    channel, held_talk, private_media, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    before = _state(held_talk, private_media)

    response = channel.send([(f"{n}.jpg", b"\xff\xd8\xff") for n in range(6)])

    assert response.status_code == 400
    assert "一次上传的文件过多：上限为 5 个文件" in channel.messages(response)
    assert _state(held_talk, private_media) == before


def test_the_default_file_limit_follows_the_photo_limit(settings):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == settings.LAOMO_PHOTO_MAX_COUNT + 20 == 50
