"""Who reaches which half-year report, by every URL: a county its own, the city its counties' and
its own; schools, lecturers and reviewers none. Outside one's scope every URL answers 404, as for
a report that does not exist, says nothing of the report and changes nothing.

(These are the cells the authorization matrix will hold once `laomo.core.testing.matrix` has the
half-year routes; see the entries proposed in this app's hand-over notes.)"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from laomo.audit.models import AuditEntry
from laomo.core.scoping import Scope
from laomo.core.testing.factories import PASSWORD
from laomo.halfyear import services
from laomo.halfyear.models import HalfYearReport

PLACES = ("a", "b", "city")
OWNER = {"a": "county_union_a", "b": "county_union_b", "city": "city_union"}
CITY = {"city_union", "city_education"}
SEES = {
    "a": CITY | {"county_union_a", "county_education_a"},
    "b": CITY | {"county_union_b", "county_education_b"},
    "city": CITY,
}
WRITES = {
    "a": {"county_union_a", "county_education_a"},
    "b": {"county_union_b", "county_education_b"},
    "city": CITY,
}
RETURNS = {"a": CITY, "b": CITY, "city": set()}
USERS = (
    "city_union",
    "city_education",
    "county_union_a",
    "county_education_a",
    "county_union_b",
    "county_education_b",
    "school_a",
    "school_b",
    "lecturer_a",
    "reviewer",
)
OFFICIALS = CITY | {"county_union_a", "county_education_a", "county_union_b", "county_education_b"}


@pytest.fixture
def reports(world):
    """A draft of 2025's first half in each place; county A's submitted (so it can be returned)."""
    found = {}
    for place, key in OWNER.items():
        user = world.user(key)
        report, _ = services.open_report(
            scope=Scope.for_user(user), year=2025, half=1, acting_user=user, today=date(2025, 7, 5)
        )
        found[place] = services.save_draft(
            report, experience=f"{place}的经验做法", cases="", acting_user=user
        )
    found["a"] = services.submit_report(
        found["a"], acting_user=world.user("county_union_a"), today=date(2025, 7, 5)
    )
    return found


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(HalfYearReport.objects.unrestricted().order_by("pk").values()),
        HalfYearReport.history.count(),
        # A refused request records its refusal (越权访问) and nothing else.
        AuditEntry.objects.unrestricted().exclude(action__in=["export", "access_denied"]).count(),
    )


def sign_in(client, world, key):
    if key is not None:
        assert client.login(username=world.user(key).username, password=PASSWORD)
    return client


# (url name, method, who may, payload)
ROUTES = [
    ("halfyear:report", "get", SEES, None),
    ("halfyear:docx", "get", SEES, None),
    ("halfyear:xlsx", "get", SEES, None),
    ("halfyear:history", "get", SEES, None),
    ("halfyear:save", "post", WRITES, {"experience": "改写的经验", "cases": ""}),
    ("halfyear:submit", "post", WRITES, {"experience": "改写的经验", "cases": ""}),
    ("halfyear:return", "post", RETURNS, {"reason": "请补充案例"}),
]


@pytest.mark.parametrize("key", USERS)
@pytest.mark.parametrize(("name", "method", "who", "payload"), ROUTES, ids=[r[0] for r in ROUTES])
def test_every_report_url_by_every_role(client, world, reports, key, name, method, who, payload):
    sign_in(client, world, key)
    for place in PLACES:
        report = reports[place]
        url = reverse(name, args=[report.pk])
        before = state()
        response = client.post(url, payload) if method == "post" else client.get(url)
        allowed = key in who[place]
        if not allowed:
            assert response.status_code == 404, (key, name, place)
            assert str(report).encode() not in response.content
            assert f"{place}的经验做法".encode() not in response.content
            assert state() == before, (key, name, place)
        elif method == "get":
            assert response.status_code == 200, (key, name, place)
            if name == "halfyear:report":
                assert str(report).encode() in response.content
        else:
            assert response.status_code == 302, (key, name, place)


def test_posting_to_pages_that_only_show_and_getting_post_only_urls(client, world, reports):
    sign_in(client, world, "county_union_a")
    report = reports["a"]
    for name in ("halfyear:save", "halfyear:submit", "halfyear:return"):
        assert client.get(reverse(name, args=[report.pk])).status_code in (404, 405)
    assert client.get(reverse("halfyear:open")).status_code == 405


@pytest.mark.parametrize("key", USERS)
def test_the_index_and_opening_a_report(client, world, reports, key):
    sign_in(client, world, key)
    page = client.get(reverse("halfyear:index"))
    before = state()
    opened = client.post(reverse("halfyear:open"), {"year": 2025, "half": 2})
    if key in OFFICIALS:
        assert page.status_code == 200
        assert opened.status_code == 302
        own = HalfYearReport.objects.unrestricted().get(
            region=world.user(key).region, year=2025, half=2
        )
        assert opened["Location"] == own.get_absolute_url()
    else:
        assert page.status_code == 404
        assert opened.status_code == 404
        assert state() == before


def test_anonymous_is_sent_to_sign_in(client, reports):
    for url in (
        reverse("halfyear:index"),
        reverse("halfyear:report", args=[reports["a"].pk]),
        reverse("halfyear:docx", args=[reports["a"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_county_index_lists_only_its_own(client, world, reports):
    page = sign_in(client, world, "county_union_b").get(reverse("halfyear:index"))
    content = page.content.decode()
    assert reverse("halfyear:report", args=[reports["b"].pk]) in content
    assert reverse("halfyear:report", args=[reports["a"].pk]) not in content
    assert reverse("halfyear:report", args=[reports["city"].pk]) not in content


def test_opening_makes_the_callers_own_whatever_is_posted(client, world, reports):
    """There is no field naming a region: a county official opens their county's report."""
    sign_in(client, world, "county_union_b")
    client.post(reverse("halfyear:open"), {"year": 2025, "half": 1, "region": world.a.region.pk})
    assert HalfYearReport.objects.unrestricted().filter(region=world.a.region).count() == 1
    assert HalfYearReport.objects.unrestricted().filter(region=world.b.region).count() == 1


def test_a_county_cannot_submit_twice_through_the_page(client, world, reports):
    sign_in(client, world, "county_education_a")
    report = reports["a"]
    response = client.post(
        reverse("halfyear:submit", args=[report.pk]), {"experience": "再报一次", "cases": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.experience) == ("submitted", "a的经验做法")
    page = client.get(report.get_absolute_url())
    assert "不能重复报送" in page.content.decode()
    transitions = AuditEntry.objects.filter(
        action="transition", object_type="halfyear.halfyearreport", object_id=str(report.pk)
    )
    assert transitions.count() == 1


def test_exports_are_audited(client, world, reports):
    sign_in(client, world, "city_union")
    report = reports["b"]
    response = client.get(reverse("halfyear:docx", args=[report.pk]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    client.get(reverse("halfyear:xlsx", args=[report.pk]))
    exports = AuditEntry.objects.filter(
        action="export", object_type="halfyear.halfyearreport", object_id=str(report.pk)
    )
    assert [entry.data["filename"][-5:] for entry in exports.order_by("id")] == [".docx", ".xlsx"]
    assert all(entry.region_path == world.b.region.path for entry in exports)
