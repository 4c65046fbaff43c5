"""A county's live half-year figures open the talk lists they count, and agree with them; the
figures of a submitted report are a record and open nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from laomo.core.scoping import Scope
from laomo.halfyear import services

LINK = re.compile(r'<a href="(/talks/\?[^"]+)">(\d+)</a>')


def _stage_table(html: str) -> str:
    start = html.index('id="stage-figures"')
    return html[start : html.index("</table>", start)]


@pytest.mark.parametrize("user_key", ["county_union_a", "county_education_a"])
def test_a_countys_live_stage_figures_list_as_many_talks(login, world, year_2025, user_key):
    user = world.user(user_key)
    report, _created = services.open_report(
        scope=Scope.for_user(user), year=2025, half=1, acting_user=user
    )
    client = login(user)
    html = client.get(report.get_absolute_url()).content.decode()
    links = LINK.findall(_stage_table(html).replace("&amp;", "&"))
    # Accepted, awaiting, planned and cancelled, of its own level and of its schools' own.
    assert len(links) == 8
    assert sum(int(n) for _href, n in links) == 7 + 1 + 2  # 7 and 1 cancelled; 2 invited
    for href, number in links:
        listed = client.get(href)
        assert listed.status_code == 200
        assert listed.context["paginator"].count == int(number), href


def test_a_submitted_reports_figures_open_nothing(login, world, year_2025):
    user = world.user("county_union_a")
    report, _created = services.open_report(
        scope=Scope.for_user(user), year=2025, half=1, acting_user=user
    )
    report = services.save_draft(
        report, experience="（一）加强组织领导。", cases="", acting_user=user
    )
    services.submit_report(report, acting_user=user)
    html = login(user).get(reverse("halfyear:report", args=[report.pk])).content.decode()
    assert not LINK.findall(_stage_table(html))
