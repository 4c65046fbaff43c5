"""No browser or proxy keeps a copy of personal or audit data: pages, exports, photos and API
answers are sent `Cache-Control: no-store`; static files keep their long cache, and the public
showcase decides its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from laomo.accounts.models import ApiToken
from laomo.outreach.tests.conftest import full_set, report


def _not_stored(response) -> bool:
    return response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/people/",
        "/audit/",
        "/people/?export=xlsx",
        "/audit/?export=xlsx",
    ],
)
def test_pages_and_exports_of_a_signed_in_user_are_not_stored(world, login, url):
    response = login(world.user("city_union")).get(url)
    assert response.status_code == 200
    assert _not_stored(response)


def test_the_roster_export_and_a_person_page_are_not_stored(world, login):
    client = login(world.user("county_union_a"))
    for url in (
        reverse("people:group-roster", args=[world.a.group.pk]),
        world.a.person.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert _not_stored(response)


def test_a_photo_of_a_talk_is_not_stored(world, login, held_talk, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    user = world.user("county_union_a")
    photo = report(held_talk, user, photos=full_set()).photos.unrestricted().first()
    client = login(user)
    for name in ("outreach:photo", "outreach:photo-thumb"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert response.status_code == 200
        assert _not_stored(response)


def test_api_answers_are_not_stored(world, client):
    _token, raw = ApiToken.issue(world.user("county_union_a"))
    answer = client.get("/api/v1/model-workers", headers={"authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    assert _not_stored(answer)
    refused = client.get("/api/v1/model-workers")
    assert refused.status_code == 401
    assert _not_stored(refused)


def test_static_files_keep_their_cache(client):
    response = client.get("/static/laomo/laomo.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]
    assert "Pragma" not in response


def test_the_public_showcase_is_left_to_itself(db, client):
    response = client.get(reverse("showcase:index"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
