"""催报: on the city's overview of a half, one action per late county (and one for all of them)
tells that county's union and education bureau what is due and where to write it, is recorded in
the audit log and shown beside the county. Only the city's offices may; POST only, CSRF-checked.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from laomo.audit.models import AuditEntry
from laomo.core.scoping import Scope
from laomo.halfyear import services
from laomo.notices.models import Notification

# 2025's first half: its reports were due on 10 July 2025, long before any day these tests run.
YEAR, HALF = 2025, 1
PAYLOAD = {"year": str(YEAR), "half": str(HALF)}


def _urges():
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.URGE)


def _told(kind="halfyear_urged") -> set[str]:
    return set(
        Notification.objects.unrestricted()
        .filter(kind=kind)
        .values_list("user__username", flat=True)
    )


def _post(client, **data):
    return client.post(reverse("halfyear:urge"), {**PAYLOAD, **data}, follow=True)


@pytest.mark.parametrize("user_key", ["city_union", "city_education"])
def test_the_city_urges_a_late_county_which_alone_is_told(world, login, user_key):
    client = login(world.user(user_key))
    response = _post(client, region=world.a.region.pk)
    assert response.redirect_chain[-1][0] == f"{reverse('halfyear:index')}?year={YEAR}&half={HALF}"
    assert "已催报：原州区" in response.content.decode()
    assert _told() == {"county_union_a", "county_education_a"}
    notice = Notification.objects.unrestricted().get(user=world.user("county_union_a"))
    assert notice.title == "催报：请报送2025年上半年半年报"
    assert "报送截止2025年7月10日" in notice.body
    assert notice.action == "请填写经验做法和典型案例，核对数据后报送"
    assert notice.url == reverse("halfyear:index")
    # the county can open the page it is sent to, and start its report there
    county = login(world.user("county_union_a"))
    assert county.get(notice.url).status_code == 200


def test_the_urge_is_audited_and_shown_on_the_overview(world, login):
    client = login(world.user("city_union"))
    _post(client, region=world.a.region.pk)
    (entry,) = _urges()
    assert entry.actor == world.user("city_union")
    assert entry.region_path == world.a.region.path
    assert (entry.object_type, entry.object_id) == ("regions.region", str(world.a.region.pk))
    assert entry.data["year"] == YEAR
    assert entry.data["half"] == HALF
    assert entry.data["notified"] == 2
    page = client.get(reverse("halfyear:index"), PAYLOAD)
    filings = {f.region.pk: f for f in page.context["overview"].filings}
    assert filings[world.a.region.pk].urged_at == entry.at
    assert filings[world.b.region.pk].urged_at is None
    html = page.content.decode()
    assert html.count("催报</span>") == 1
    assert "再次催报" in html


def test_a_county_report_is_linked_when_it_exists(world, login):
    user = world.user("county_union_a")
    report, _ = services.open_report(
        scope=Scope.for_user(user), year=YEAR, half=HALF, acting_user=user, today=date(2025, 8, 1)
    )
    _post(login(world.user("city_union")), region=world.a.region.pk)
    notice = Notification.objects.unrestricted().get(user=user)
    assert notice.url == reverse("halfyear:report", args=[report.pk])


def test_urge_all_tells_every_late_county_and_the_zone(world, login):
    response = _post(login(world.user("city_education")), all="1")
    assert response.status_code == 200
    assert _told() == {
        "county_union_a",
        "county_education_a",
        "county_union_b",
        "county_education_b",
    }  # the zone has no accounts in this world; it is urged (and audited) all the same
    assert set(_urges().values_list("object_id", flat=True)) == {
        str(world.a.region.pk),
        str(world.b.region.pk),
        str(world.zone.pk),
    }


def test_a_county_that_has_submitted_is_not_urged(world, login):
    user = world.user("county_union_b")
    report, _ = services.open_report(
        scope=Scope.for_user(user), year=YEAR, half=HALF, acting_user=user, today=date(2025, 8, 1)
    )
    report = services.save_draft(report, experience="经验", cases="", acting_user=user)
    services.submit_report(report, acting_user=user, today=date(2025, 8, 1))
    client = login(world.user("city_union"))
    response = _post(client, region=world.b.region.pk)
    assert "不在逾期未报之列" in response.content.decode()
    assert not _urges().exists()
    _post(client, all="1")
    assert str(world.b.region.pk) not in set(_urges().values_list("object_id", flat=True))
    assert "county_union_b" not in _told()


@pytest.mark.parametrize(
    "user_key", ["county_union_a", "county_education_b", "school_a", "lecturer_a", "reviewer"]
)
def test_only_the_city_may_urge(world, login, user_key):
    response = login(world.user(user_key)).post(
        reverse("halfyear:urge"), {**PAYLOAD, "region": world.b.region.pk}
    )
    assert response.status_code == 404
    assert not _urges().exists()
    assert not Notification.objects.unrestricted().exists()


def test_the_service_refuses_a_county_too(world):
    user = world.user("county_union_a")
    with pytest.raises(services.HalfYearError):
        services.urge_reports(scope=Scope.for_user(user), year=YEAR, half=HALF, acting_user=user)
    assert not _urges().exists()


def test_urging_is_post_only_and_csrf_checked(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("city_union"))
    assert client.get(reverse("halfyear:urge")).status_code == 405
    response = client.post(reverse("halfyear:urge"), {**PAYLOAD, "region": world.a.region.pk})
    assert response.status_code == 403
    assert not _urges().exists()


def test_a_region_outside_the_city_is_not_found(world, login):
    response = login(world.user("city_union")).post(
        reverse("halfyear:urge"), {**PAYLOAD, "region": world.province.pk}
    )
    assert response.status_code == 404
    assert not _urges().exists()
