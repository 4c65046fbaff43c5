"""Every URL × every role × objects in county A, county B and at city level (see
`laomo.core.testing.matrix`), and the lists, exports and searches of county A holding nothing of
county B's."""

import io
import json
import sys
import types

import openpyxl
import pytest
from django.urls import path, reverse

from laomo import urls as laomo_urls
from laomo.core.testing.matrix import (
    PUBLIC,
    TALK_PLACES,
    TALK_TITLES,
    USERS,
    add_talks,
    build_matrix_world,
    person_payload,
    run_matrix,
    snapshot,
    unknown_patterns,
    url_patterns,
)
from laomo.halfyear.testing import add_half_years
from laomo.outreach.documents import BannerDocument
from laomo.people.models import Person


@pytest.fixture
def fx(world, settings, tmp_path, monkeypatch):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # Who gets the banner is the matrix's business; its typesetting (a second of WeasyPrint for
    # every cell that may have it) is test_documents'.
    monkeypatch.setattr(BannerDocument, "render", lambda self: b"%PDF-1.7 banner")
    return add_half_years(add_talks(build_matrix_world(world)))


def test_every_url_pattern_is_known():
    """A page or endpoint added without a matrix entry fails here, so it inherits the battery."""
    assert not unknown_patterns(), "\n".join(unknown_patterns())


def test_a_new_page_without_a_matrix_entry_fails(settings):
    """The check above, shown to work: a URL conf with one page more is caught."""
    urlconf = types.ModuleType("laomo_matrix_probe_urls")
    urlconf.urlpatterns = [
        *laomo_urls.urlpatterns,
        path("people/<int:pk>/secret/", lambda request, pk: None, name="person-secret"),
        path("groups/<int:pk>/<int:other>/", lambda request, pk, other: None),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        settings.ROOT_URLCONF = urlconf.__name__
        problems = unknown_patterns()
    finally:
        del sys.modules[urlconf.__name__]
    assert any("person-secret" in problem for problem in problems)
    assert any("unnamed" in problem for problem in problems)


def test_the_public_allow_list_is_public(db, client):
    assert {p.name for p in url_patterns()} >= PUBLIC
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).content == b"ok"
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.parametrize("user_key", [*USERS, None], ids=[*USERS, "anonymous"])
def test_authorization_matrix(client, fx, user_key):
    problems, requests = run_matrix(client, fx, user_key)
    assert requests > 60
    assert not problems, "\n".join(str(cell) for cell in problems)


def test_snapshot_sees_a_change(fx):
    """The matrix's "nothing changed" rests on this."""
    before = snapshot()
    Person.objects.unrestricted().filter(pk=fx.world.b.person.pk).update(note="x")
    assert snapshot() != before


# Zero leaks: county A's lists, exports, API lists and searches hold nothing of county B's -------


def _text(response) -> str:
    """What a response shows: a page's HTML, an API answer's JSON, a workbook's cells."""
    kind = response["Content-Type"]
    if kind.startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if kind.startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def _others(fx) -> list[str]:
    """Names and phones of everything outside county A: county B's objects and the city's own."""
    world = fx.world
    b = world.b
    return [
        "西吉",
        b.person.name,
        b.person.phone,
        b.person.masked_phone,
        b.group.name,
        b.school.name,
        b.other_school.name,
        b.union.name,
        fx.object("spare", "b").name,
        world.city_person.name,
        world.city_person.phone,
        world.city_person.masked_phone,
        world.city_group.name,
        fx.object("school", "city").name,
        fx.object("organisation", "city").name,
        fx.object("spare", "city").name,
        TALK_TITLES["b"],
        TALK_TITLES["city"],
    ]


def _talk_months(fx) -> list[str]:
    """The calendar pages on which the matrix's talks are."""
    return sorted(
        {f"/talks/calendar/?month={fx.object('talk', p).local_date:%Y-%m}" for p in TALK_PLACES}
    )


@pytest.fixture
def busy(fx, client):
    """The city has been at work: B's records edited, revealed, archived, and A's model worker
    put into the city's own lecture group — so logs and histories have B and city entries."""
    from django.test import Client

    from laomo.core.testing.factories import PASSWORD

    world = fx.world
    city = Client()
    assert city.login(username="city_union", password=PASSWORD)
    b = world.b.person
    city.post(reverse("people:person-phone", args=[b.pk]))
    city.post(
        reverse("people:person-edit", args=[b.pk]),
        {**person_payload(fx, "city_union", b), "phone": "13809549999"},
    )
    city.post(reverse("people:person-phone", args=[world.city_person.pk]))
    city.post(reverse("people:person-archive", args=[fx.object("spare", "b").pk]))
    city.post(reverse("regions:organisation-archive", args=[world.b.union.pk]))
    city.post(
        reverse("people:group-member-add", args=[world.city_group.pk]),
        {"person": world.a.person.pk},
    )
    city.get(reverse("people:person-list") + "?export=xlsx")
    b.refresh_from_db()
    return fx


A_PAGES = [
    "/",
    "/people/?status=all",
    "/people/?status=all&export=xlsx",
    "/groups/?status=all",
    "/schools/?status=all",
    "/schools/?status=all&export=xlsx",
    "/organisations/?status=all",
    "/regions/",
    "/audit/",
    "/api/v1/regions?page_size=200",
    "/api/v1/schools?page_size=200",
    "/api/v1/schools?archived=true",
    "/api/v1/model-workers?page_size=200",
    "/api/v1/model-workers?archived=true",
    "/api/v1/lecture-groups?page_size=200",
    "/api/v1/lecture-groups?archived=true",
    "/talks/",
    "/talks/?export=xlsx",
    "/api/v1/talks?page_size=200",
    "/notices/",
]


@pytest.mark.parametrize(
    "user_key", ["county_union_a", "county_education_a", "school_a", "lecturer_a"]
)
def test_county_a_lists_exports_and_api_hold_nothing_of_others(busy, login, user_key):
    fx = busy
    client = login(fx.world.user(user_key))
    own = fx.world.a
    pages = [
        *A_PAGES,
        own.person.get_absolute_url(),
        reverse("people:person-history", args=[own.person.pk]),
        own.group.get_absolute_url(),
        reverse("people:group-history", args=[own.group.pk]),
        own.region.get_absolute_url(),
        own.school.get_absolute_url(),
        f"/api/v1/model-workers/{own.person.pk}",
        f"/api/v1/lecture-groups/{own.group.pk}",
        reverse("people:group-roster", args=[own.group.pk]),
        # Asking for B by its id or code in a filter must not widen anything either.
        f"/people/?status=all&region={fx.world.b.region.pk}",
        f"/people/?status=all&region={fx.world.b.region.pk}&export=xlsx",
        f"/people/?status=all&group={fx.world.b.group.pk}",
        f"/schools/?status=all&region={fx.world.b.region.pk}&export=xlsx",
        "/api/v1/model-workers?region=640422",
        f"/api/v1/model-workers?group={fx.world.b.group.pk}",
        "/api/v1/schools?region=640400",
        # Talks: the list, the calendar, the API, one's own talk, and filters naming B's.
        *_talk_months(fx),
        fx.object("talk", "a").get_absolute_url(),
        f"/api/v1/talks/{fx.object('talk', 'a').pk}",
        f"/talks/?region={fx.world.b.region.pk}",
        f"/talks/?region={fx.world.b.region.pk}&export=xlsx",
        f"/talks/?school={fx.world.b.school.pk}",
        f"/talks/?lecturer={fx.world.b.person.pk}",
        f"/talks/calendar/?region={fx.world.b.region.pk}&lecturer={fx.world.b.person.pk}",
        "/api/v1/talks?region=640422",
        "/api/v1/talks?region=640400",
    ]
    others = _others(fx)
    if user_key == "lecturer_a":
        others.remove(fx.world.city_group.name)  # they were put into it: it is theirs to see
    shown = 0
    for url in pages:
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        text = _text(response)
        leaked = [value for value in others if value and value in text]
        assert not leaked, f"{user_key} {url} shows {leaked}"
        shown += 1
    assert shown >= 4


def test_the_leak_check_would_see_a_leak(busy, login):
    """The same check, from the city: it must find B's and the city's records."""
    client = login(busy.world.user("city_union"))
    text = "".join(_text(client.get(url)) for url in [*A_PAGES, *_talk_months(busy)])
    # Full numbers are in no list (they are masked there); the rest must be found.
    missing = [value for value in _others(busy) if value not in text]
    assert missing == [busy.world.b.person.phone, busy.world.city_person.phone]


SEARCHES = [
    ("/people/", "q"),
    ("/api/v1/model-workers", "q"),
    ("/schools/", "q"),
    ("/api/v1/schools", "q"),
    ("/groups/", "q"),
    ("/api/v1/lecture-groups", "q"),
    ("/talks/", "q"),
]


@pytest.mark.parametrize(("url", "param"), SEARCHES)
def test_county_a_search_finds_nothing_of_county_b(busy, login, url, param):
    world = busy.world
    client = login(world.user("county_education_a"))
    # Positive control: the same search finds A's own records by name and by pinyin initials.
    own = {"people": "ylm", "model-workers": "ylm", "schools": "yzq"}
    found = client.get(url, {param: own.get(url.strip("/").split("/")[-1], "原州")})
    assert found.status_code == 200
    assert "原州" in _text(found)
    for query in ["西吉", "xjx", "西劳模", "xlm", "xilaomo", "13809549999", "何成斌", "hcb"]:
        response = client.get(url, {param: query, "status": "all", "archived": "false"})
        text = _text(response)
        assert response.status_code == 200
        # The search box shows what was typed; anything more would be a leak.
        leaked = [value for value in _others(busy) if value not in query and value in text]
        assert not leaked, f"search {query!r} on {url} shows {leaked}"
        if url.startswith("/api/"):
            assert response.json()["count"] == 0, query
