"""Every figure a page shows with a link agrees with the list it opens, for every role: the home
page's cards and to-do items, on talks where a count of "what I may see" and a count of "what I
must act on" differ (talks several lecturers are invited to, another level's talks in the same
county, a returned report filed again, a talk held and not reported, an archived talk)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from laomo.core.services import archive_object
from laomo.core.testing.factories import PersonFactory
from laomo.outreach import services
from laomo.oversight.tests.conftest import local
from laomo.oversight.tests.test_dashboard import (  # noqa: F401 (fixtures)
    assert_links_hold,
    busy,
    year_2025,
)

HOME = reverse("home")
ROLES = [
    "city_union",
    "city_education",
    "county_union_a",
    "county_education_a",
    "county_union_b",
    "school_a",
    "school_b",
    "lecturer_a",
]


class Cards(HTMLParser):
    """The home page's figure links (the cards and the to-do items): (label, number, href)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, int, str]] = []
        self._href = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "a" and ({"lm-stat", "list-group-item-action"} & set(classes)):
            self._href, self._text = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            text = " ".join(self._text.split())
            match = re.fullmatch(r"(\D+?)\s*(\d+)", text)
            if match:
                self.found.append((match[1], int(match[2]), self._href))
            self._href = None


def figures_on(html: str) -> list[tuple[str, int, str]]:
    parser = Cards()
    parser.feed(html)
    return parser.found


def rows_listed(client, href: str) -> int:
    """Follow a figure's link and count the rows of the list it opens."""
    response = client.get(href)
    assert response.status_code == 200, href
    if href.startswith(reverse("outreach:my-schedule")):
        assert href.endswith("#pending")
        return response.content.decode().count("lm-invitation")
    count = response.context["paginator"].count
    assert len(response.context["object_list"]) == count  # one page holds them all here
    return count


@pytest.fixture
def tangled(world, programme):
    """Talks on which "what a role sees in a status" and "what waits for it" differ."""
    p, a = programme, world.a
    me = a.person
    helper = PersonFactory(name="协讲劳模", region=a.region)
    # Planned: the city's in county A (county A sees it, cannot change it); a school's own;
    # county A's with two lecturers, one of whom (lecturer A) has answered; one archived.
    p.add("city_union", local(2025, 3, 1), "planned", school=a.school)
    p.add("school_a", local(2025, 3, 2), "planned")
    two = p.add("county_union_a", local(2025, 3, 3), "planned", lecturers=[me, helper])
    mine = two.bookings.unrestricted().get(person=me)
    services.respond(mine, accept=True, acting_user=world.user("lecturer_a"))
    p.add("county_union_a", local(2025, 3, 4), "planned")
    gone = p.add("county_union_a", local(2025, 3, 5), "planned")
    archive_object(gone, acting_user=world.user("county_union_a"))
    p.add("county_union_b", local(2025, 3, 6), "planned")
    p.add("county_union_a", local(2025, 3, 7), "cancelled")
    # Taken place, no report: one marked held, one only confirmed; county B's held one.
    p.add("county_union_a", local(2025, 4, 1), "held")
    p.add("county_union_a", local(2025, 4, 2), "confirmed")
    p.add("county_union_b", local(2025, 4, 3), "held")
    p.add("school_a", local(2025, 4, 4), "confirmed")
    # Returned: county A's; the city's at county A's school (its school files it again too);
    # and one returned and filed again, now waiting for acceptance.
    p.add("county_union_a", local(2025, 5, 1), "returned")
    p.add("city_union", local(2025, 5, 2), "returned", school=a.school)
    again = p.add("county_union_a", local(2025, 5, 3), "returned")
    p._report(again, world.user("county_union_a"), 40, 5, 1)
    p.add("county_union_b", local(2025, 5, 4), "returned")
    p.add("county_union_b", local(2025, 5, 5), "reported")
    p.add("school_b", local(2025, 5, 6), "accepted")
    return p


@pytest.mark.parametrize("user_key", ROLES)
def test_every_home_figure_lists_as_many_rows(world, tangled, login, user_key):
    client = login(world.user(user_key))
    response = client.get(HOME)
    assert response.status_code == 200
    found = figures_on(response.content.decode())
    labels = [label for label, _n, _href in found]
    # Every card the view made is on the page and read back.
    expected = [label for label, _n, _url in response.context["cards"]]
    expected += [label for label, _n, _url in response.context.get("todo", [])]
    assert labels == expected
    for label, number, href in found:
        assert rows_listed(client, href) == number, f"{user_key}: {label} {number} → {href}"


# What each role's to-do says on these talks (their own work, not every talk they can see).
EXPECTED_TODO = {
    "city_union": {
        "待宣讲员确认": 1,
        "已举办待报送资料": 0,
        "被退回待重新报送": 1,
        "待验收的活动资料": 2,
    },
    "county_union_a": {"待宣讲员确认": 2, "已举办待报送资料": 2, "被退回待重新报送": 1},
    "school_a": {"待宣讲员确认": 1, "已举办待报送资料": 3, "被退回待重新报送": 2},
    "lecturer_a": {"待我确认的邀请": 2},
}


@pytest.mark.parametrize("user_key", sorted(EXPECTED_TODO))
def test_the_to_do_counts_the_work_of_the_role(world, tangled, login, user_key):
    response = login(world.user(user_key)).get(HOME)
    todo = {label: number for label, number, _url in response.context["todo"]}
    assert todo == EXPECTED_TODO[user_key]


def test_a_to_do_filter_outside_the_role_lists_nothing(world, tangled, login):
    client = login(world.user("county_union_a"))
    response = client.get(reverse("outreach:talk-list"), {"todo": "to_review"})
    assert response.context["paginator"].count == 0
    assert "todo" in response.context["filterset"].form.errors


# A lecturer's own page: its headline figures open the rows they count -----------------------


class Anchored(HTMLParser):
    """The headline cards (href, number), the given talks' rows (id, year, students) and the
    schools' rows of a lecturer's page."""

    def __init__(self):
        super().__init__()
        self.cards: list[tuple[str, int]] = []
        self.talks: list[tuple[str, str, int]] = []
        self.schools: list[str] = []
        self.ids: set[str] = set()
        self.by_year: list[tuple[str, int]] = []
        self._year = ""
        self._href = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "table" and "data-year" in attrs:
            self._year = attrs["data-year"]
        if tag == "tr" and "data-talk" in attrs:
            self.talks.append((attrs["data-talk"], self._year, int(attrs["data-students"])))
        if tag == "li" and "data-school" in attrs:
            self.schools.append(attrs["data-school"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self._href, self._text = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            digits = re.findall(r"\d+", self._text)
            if digits:
                target = self.by_year if self._href.startswith("#year-") else self.cards
                target.append((self._href, int(digits[-1])))
            self._href = None


def test_a_lecturers_headline_figures_open_the_rows_they_count(world, programme, login):
    me = world.a.person
    helper = PersonFactory(name="协讲劳模", region=world.a.region)
    p = programme
    p.add("county_union_a", local(2025, 3, 2), "accepted", audience=(100, 5, 0))
    p.add(
        "county_union_a",
        local(2025, 4, 2),
        "resubmitted",
        audience=(60, 5, 0),
        school=world.a.other_school,
    )
    p.add("school_a", local(2026, 3, 2), "accepted", audience=(70, 5, 0))
    p.add(
        "county_union_a", local(2026, 3, 9), "accepted", audience=(50, 2, 0), lecturers=[me, helper]
    )
    p.add("county_union_a", local(2026, 4, 2), "reported")
    declined = p.add("county_union_a", local(2026, 5, 2), "planned", lecturers=[me, helper])
    for booking in declined.bookings.unrestricted():
        services.respond(
            booking,
            accept=booking.person_id != me.pk,
            reason="出差",
            acting_user=world.user("county_union_a"),
        )
    report = p._report(declined, world.user("county_union_a"), 300, 5, 0)
    services.accept_report(report, acting_user=world.user("city_union"))

    page = Anchored()
    page.feed(
        login(world.user("lecturer_a")).get(reverse("oversight:my-dashboard")).content.decode()
    )
    cards = dict(page.cards)
    assert set(cards) == {"#given", "#schools", "#given-students"}
    assert {"given", "schools", "given-students"} <= page.ids  # every link lands somewhere
    assert cards["#given"] == len(page.talks) == 4
    assert cards["#schools"] == len(page.schools) == len(set(page.schools)) == 2
    assert cards["#given-students"] == sum(students for _pk, _year, students in page.talks) == 280
    for anchor, number in page.by_year:
        year = anchor.removeprefix("#year-")
        assert anchor.removeprefix("#") in page.ids
        assert number == sum(1 for _pk, talk_year, _s in page.talks if talk_year == year)
    assert sorted(page.by_year) == [("#year-2025", 2), ("#year-2026", 2)]


# The dashboards and the lecturers' loads, for the roles the dashboard tests leave out ----------


@pytest.mark.usefixtures("busy")
@pytest.mark.parametrize("user_key", ["city_education", "county_education_a", "county_union_b"])
def test_every_dashboard_figure_lists_as_many_for_every_official(world, login, user_key):
    client = login(world.user(user_key))
    checked = 0
    for year in (2025, 2026):
        checked += assert_links_hold(client, f"{reverse('oversight:dashboard')}?year={year}")
        checked += assert_links_hold(client, f"{reverse('oversight:lecturers')}?year={year}")
    assert checked > 20


def test_the_talk_lists_to_do_filter_offers_the_roles_items_once(world, login):
    page = login(world.user("city_union")).get(reverse("outreach:talk-list")).content.decode()
    select = page[page.index('name="todo"') : page.index("</select>", page.index('name="todo"'))]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [
        ("", "全部"),
        ("awaiting_lecturers", "待宣讲员确认"),
        ("awaiting_report", "已举办待报送资料"),
        ("returned", "被退回待重新报送"),
        ("to_review", "待验收的活动资料"),
    ]
    lecturer = login(world.user("lecturer_a")).get(reverse("outreach:talk-list"))
    assert 'name="todo"' not in lecturer.content.decode()
