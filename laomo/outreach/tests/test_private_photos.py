"""Photos of minors: kept outside every folder a web server may publish, under random names, with
no public address; what is kept is the re-encoded copy. (Who may see them through the guarded
view: test_views and the authorization matrix.)"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from laomo.outreach.checks import private_photos_stay_private
from laomo.outreach.models import private_storage
from laomo.outreach.tests import imagefiles
from laomo.outreach.tests.conftest import photo, report

RANDOM_NAME = re.compile(r"(photos|thumbs)/[0-9a-f]{2}/[0-9a-f]{32}\.jpg")


@pytest.fixture
def filed(world, held_talk):
    uploads = [photo("banner", 1), photo("lecturer", 2), photo("audience", 3)]
    uploads[0].filename = "原州区第一小学-张小明.jpg"  # what a phone or a teacher might call it
    uploads[0].data = imagefiles.phone_jpeg(imagefiles.picture(1, (600, 400)))
    return report(held_talk, world.user("county_union_a"), photos=uploads)


def _files(report):
    return [name for p in report.photos.unrestricted() for name in (p.image.name, p.thumbnail.name)]


def test_photos_are_kept_outside_the_public_folders(filed, private_media):
    names = _files(filed)
    assert len(names) == 6
    for name in names:
        path = Path(private_storage.path(name)).resolve()
        assert path.is_relative_to(Path(private_media).resolve())
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
        assert path.read_bytes()[:3] == b"\xff\xd8\xff"


def test_names_are_random_and_say_nothing(filed, held_talk):
    names = _files(filed)
    assert all(RANDOM_NAME.fullmatch(name) for name in names), names
    assert len(set(names)) == len(names)
    assert not any("张小明" in name or "原州区" in name for name in names)
    # The name the upload came with is kept as a record, never as the file's name.
    first = filed.photos.unrestricted().order_by("position").first()
    assert first.original_name == "原州区第一小学-张小明.jpg"


def test_three_uploads_of_one_name_get_three_names(world, held_talk):
    uploads = [photo("banner", 1), photo("lecturer", 2), photo("audience", 3)]
    for upload in uploads:
        upload.filename = "IMG_0001.jpg"
    names = _files(report(held_talk, world.user("county_union_a"), photos=uploads))
    assert len(set(names)) == 6
    assert all(RANDOM_NAME.fullmatch(name) for name in names)


def test_what_is_kept_is_the_re_encoded_copy(filed, private_media):
    original = imagefiles.phone_jpeg(imagefiles.picture(1, (600, 400)))
    assert b"GPS" in original
    kept = filed.photos.unrestricted().order_by("position").first()
    data = (Path(private_media) / kept.image.name).read_bytes()
    assert data != original
    for needle in (b"Exif", b"GPS", b"xmpmeta", imagefiles.COMMENT):
        assert needle not in data


def test_the_private_storage_has_no_address(filed):
    name = _files(filed)[0]
    with pytest.raises(ValueError, match="没有公开地址"):
        private_storage.url(name)


def test_no_url_but_the_guarded_view_serves_a_photo(world, login, filed):
    client = login(world.user("city_union"))
    name = _files(filed)[0]
    for url in (f"/media/{name}", f"/{name}", f"/static/{name}", f"/private/{name}"):
        response = client.get(url)
        assert response.status_code == 404, url
    kept = filed.photos.unrestricted().first()
    assert client.get(reverse("outreach:photo", args=[kept.pk])).status_code == 200


def test_the_system_check_refuses_a_private_folder_inside_a_public_one(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    assert private_photos_stay_private(None) == []

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media" / "private"
    (error,) = private_photos_stay_private(None)
    assert error.id == "laomo.E003"
    assert "MEDIA_ROOT" in error.msg

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "static"
    (error,) = private_photos_stay_private(None)
    assert "STATIC_ROOT" in error.msg
