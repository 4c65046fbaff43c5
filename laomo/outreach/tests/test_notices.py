"""The right people told at the right time: the school when a talk is planned at it, moved or
cancelled; the organiser when a lecturer confirms or declines; the organiser of a talk whose time
has passed unmarked (时间已过). Each notice names the talk, says what to do next and links to the
page to do it on, which the recipient can open; nobody else, another county least of all, is told.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from laomo.core.roles import Role
from laomo.core.scoping import Scope
from laomo.core.testing.factories import UserFactory
from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import Status
from laomo.outreach.models import Talk
from laomo.outreach.tests.conftest import at, report

EVERYONE = (
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


def told(world, kind) -> set[str]:
    """Who among the world's accounts holds a notice of `kind`."""
    return set(
        Notification.objects.unrestricted()
        .filter(kind=kind, user__in=[world.user(key) for key in EVERYONE])
        .values_list("user__username", flat=True)
    )


def notice_of(user, kind) -> Notification:
    return Notification.objects.unrestricted().get(user=user, kind=kind)


def opens(login, user, notice) -> bool:
    """The recipient can open the page the notice links to."""
    return login(user).get(notice.url).status_code == 200


def _replan(talk, **changes) -> services.TalkPlan:
    fields = {
        "title": talk.title,
        "starts_at": talk.starts_at,
        "ends_at": talk.ends_at,
        "venue": talk.venue,
        "form": talk.form,
        "lecturers": list(talk.lecturers.all()),
        "school": talk.school,
        "expected_audience": talk.expected_audience,
    }
    fields.update(changes)
    return services.TalkPlan(**fields)


def _update(talk, user, **changes):
    return services.update_talk(
        talk, _replan(talk, **changes), scope=Scope.for_user(user), acting_user=user
    )


# The school ------------------------------------------------------------------------------------


def test_the_school_is_told_when_a_talk_is_planned_at_it(world, plan, login):
    talk = plan(world.user("county_union_a"), days=30).talk
    assert told(world, "talk_planned") == {"school_a"}
    notice = notice_of(world.user("school_a"), "talk_planned")
    assert talk.title in notice.title
    assert talk.banner_text in notice.body
    assert "礼堂" in notice.body
    assert "原劳模" in notice.body
    assert notice.action.startswith("请预订场地、制作横幅")
    assert notice.url == reverse("outreach:talk-detail", args=[talk.pk])
    assert opens(login, world.user("school_a"), notice)


def test_a_talk_entered_after_it_took_place_asks_the_school_to_prepare_nothing(world, plan):
    plan(world.user("county_union_a"), days=-1)
    assert told(world, "talk_planned") == set()


def test_a_city_talk_in_county_b_tells_county_b_school_only(world, plan):
    plan(world.user("city_union"), school=world.b.school, lecturers=[world.city_person])
    assert told(world, "talk_planned") == {"school_b"}


def test_the_school_that_invited_is_not_told_of_its_own_invitation_but_its_colleague_is(
    world, plan
):
    colleague = UserFactory(username="school_a2", role=Role.SCHOOL, school=world.a.school)
    plan(world.user("school_a"))
    assert not Notification.objects.unrestricted().filter(
        user=world.user("school_a"), kind="talk_planned"
    )
    assert notice_of(colleague, "talk_planned").action.startswith("请预订场地")


def test_the_school_is_told_when_its_talk_is_moved(world, plan, login):
    talk = plan(world.user("county_union_a"), days=30).talk
    Notification.objects.unrestricted().delete()
    _update(talk, world.user("county_union_a"), starts_at=at(31, 14), ends_at=at(31, 16))
    assert told(world, "talk_moved") == {"school_a"}
    notice = notice_of(world.user("school_a"), "talk_moved")
    assert talk.title in notice.title
    assert "时间由" in notice.body
    assert "14:00–16:00" in notice.body
    assert notice.action == "请按新的时间和场所调整场地预订和横幅"
    assert notice.url == reverse("outreach:talk-detail", args=[talk.pk])
    assert opens(login, world.user("school_a"), notice)


def test_a_new_room_is_a_move_and_an_unchanged_time_and_place_is_not(world, plan):
    talk = plan(world.user("county_union_a"), days=30).talk
    _update(talk, world.user("county_union_a"), note="请提前半小时到场")
    assert told(world, "talk_moved") == set()
    talk.refresh_from_db()
    _update(talk, world.user("county_union_a"), venue="classroom")
    notice = notice_of(world.user("school_a"), "talk_moved")
    assert "场所由礼堂改为教室" in notice.body


def test_a_talk_moved_to_another_school_tells_both_schools(world, plan, login):
    other = UserFactory(username="school_a_junior", role=Role.SCHOOL, school=world.a.other_school)
    talk = plan(world.user("county_union_a"), days=30).talk
    Notification.objects.unrestricted().delete()
    _update(talk, world.user("county_union_a"), school=world.a.other_school)
    left = notice_of(world.user("school_a"), "talk_moved")
    assert "不再安排在本校" in left.title
    assert left.action.startswith("请取消已预订的场地")
    assert left.url == reverse("outreach:talk-list")
    assert opens(login, world.user("school_a"), left)
    assert notice_of(other, "talk_planned").url == reverse("outreach:talk-detail", args=[talk.pk])
    assert told(world, "talk_planned") == set()  # school_a (the old school) is not re-told


def test_the_school_and_the_lecturer_are_told_of_a_cancellation_each_what_to_do(world, plan):
    talk = plan(world.user("county_union_a"), days=30).talk
    services.cancel_talk(talk, reason="考试周调整", acting_user=world.user("county_union_a"))
    assert told(world, "cancelled") == {"school_a", "lecturer_a"}
    school = notice_of(world.user("school_a"), "cancelled")
    assert talk.title in school.title
    assert "考试周调整" in school.body
    assert school.action.startswith("请取消已预订的场地")
    assert notice_of(world.user("lecturer_a"), "cancelled").action.startswith("无需前往")


# The organiser ---------------------------------------------------------------------------------


def test_the_organiser_is_told_when_the_lecturer_confirms(world, plan, login):
    talk = plan(world.user("county_union_a"), days=30).talk
    booking = talk.bookings.unrestricted().get()
    services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
    assert told(world, "confirmed") == {"county_union_a", "county_education_a"}
    notice = notice_of(world.user("county_union_a"), "confirmed")
    assert notice.title == f"原劳模确认参加“{talk.title}”"
    assert "活动已确认" in notice.body
    assert notice.action.startswith("请与学校落实场地")
    assert notice.url == reverse("outreach:talk-detail", args=[talk.pk])
    assert opens(login, world.user("county_education_a"), notice)


def test_the_organiser_is_told_of_a_decline_with_the_reason_and_the_page_to_replace_him(
    world, plan, login
):
    talk = plan(world.user("county_union_a"), days=30).talk
    booking = talk.bookings.unrestricted().get()
    services.respond(
        booking, accept=False, reason="当天外出培训", acting_user=world.user("lecturer_a")
    )
    assert told(world, "declined") == {"county_union_a", "county_education_a"}
    notice = notice_of(world.user("county_union_a"), "declined")
    assert talk.title in notice.title
    assert "原劳模" in notice.title
    assert "当天外出培训" in notice.body
    assert notice.action == "请另请宣讲员或调整时间"
    assert notice.url == reverse("outreach:talk-edit", args=[talk.pk])
    assert opens(login, world.user("county_union_a"), notice)


def test_the_city_organiser_is_told_not_the_county_of_the_school(world, plan):
    talk = plan(world.user("city_union"), school=world.b.school, lecturers=[world.city_person])
    booking = talk.talk.bookings.unrestricted().get()
    services.respond(booking, accept=False, reason="冲突", acting_user=world.user("city_education"))
    # city_education answered for him: it is not told of its own act, its colleague is
    assert told(world, "declined") == {"city_union"}


# 时间已过 -----------------------------------------------------------------------------------------


@pytest.fixture
def lapses(world, plan):
    """Talks of county A: planned two days ago (lapsed), confirmed yesterday (lapsed), held,
    cancelled, still to come; and one lapsed talk of county B."""
    union_a = world.user("county_union_a")
    planned = plan(union_a, days=-2, title="已过未确认").talk
    confirmed = plan(union_a, days=-1, school=world.a.other_school, title="已过已确认").talk
    services.respond(
        confirmed.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    held = plan(union_a, days=-3, hours=(14, 16), title="已举办").talk
    services.respond(
        held.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    services.mark_held(held, acting_user=union_a)
    cancelled = plan(union_a, days=-4, title="已取消").talk
    services.cancel_talk(cancelled, reason="停课", acting_user=union_a)
    plan(union_a, days=5, title="尚未举办")
    other = plan(
        world.user("county_union_b"), lecturers=[world.b.person], days=-2, title="西吉已过"
    )
    return {"a": {planned.pk, confirmed.pk}, "b": {other.talk.pk}}


def test_lapsed_is_planned_or_confirmed_with_its_end_passed(world, lapses):
    assert set(Talk.objects.unrestricted().lapsed().values_list("pk", flat=True)) == (
        lapses["a"] | lapses["b"]
    )
    talk = Talk.objects.unrestricted().get(pk=min(lapses["a"]))
    assert talk.is_lapsed
    assert not Talk.objects.unrestricted().get(title="尚未举办").is_lapsed


@pytest.mark.parametrize(
    ("user_key", "expected"), [("county_union_a", 2), ("city_union", 3), ("county_union_b", 1)]
)
def test_the_dashboard_card_counts_exactly_the_list_it_opens(
    world, login, lapses, user_key, expected
):
    client = login(world.user(user_key))
    dashboard = client.get(reverse("oversight:dashboard"))
    card = dashboard.context["lapsed"]
    assert card.count == expected
    assert f'href="{card.url}" id="lapsed-count">{expected}</a>' in dashboard.content.decode()
    listed = client.get(card.url)
    assert listed.context["paginator"].count == card.count
    page = listed.content.decode()
    assert page.count("时间已过</span>") == expected
    titles = {talk.title for talk in listed.context["object_list"]}
    assert "已举办" not in titles
    assert "已取消" not in titles
    assert "尚未举办" not in titles


def test_the_badge_shows_on_the_talks_page_only_when_lapsed(world, login, lapses):
    client = login(world.user("county_union_a"))
    lapsed = Talk.objects.unrestricted().get(title="已过未确认")
    coming = Talk.objects.unrestricted().get(title="尚未举办")
    assert "时间已过</span>" in client.get(lapsed.get_absolute_url()).content.decode()
    assert "时间已过</span>" not in client.get(coming.get_absolute_url()).content.decode()
    page = client.get(lapsed.get_absolute_url()).content.decode()
    assert "如未举办，请修改时间或取消" in page
    school = login(world.user("school_a")).get(lapsed.get_absolute_url()).content.decode()
    assert "请组织者标记已举办或取消" in school  # a planned talk: nothing to report yet


def test_the_organiser_is_flagged_once_of_a_lapsed_talk(world, lapses, login):
    counts = services.send_reminders()
    # county A's two lapsed talks to its two officials; county B's one to its two
    assert counts["lapsed"] == 6
    assert told(world, "lapsed") == {
        "county_union_a",
        "county_education_a",
        "county_union_b",
        "county_education_b",
    }
    mine = Notification.objects.unrestricted().filter(
        user=world.user("county_union_a"), kind="lapsed"
    )
    assert {notice.url for notice in mine} == {
        reverse("outreach:talk-detail", args=[pk]) for pk in lapses["a"]
    }
    notice = mine.first()
    assert notice.title.startswith("时间已过：")
    assert notice.action == "如已举办，请标记已举办并报送资料；如未举办，请修改时间或取消"
    assert opens(login, world.user("county_union_a"), notice)
    # the next day's run sends nothing again: the stored notices record that it was sent
    assert services.send_reminders()["lapsed"] == 0
    assert mine.count() == 2


def test_a_talk_marked_held_is_no_longer_lapsed(world, lapses):
    talk = Talk.objects.unrestricted().get(title="已过已确认")
    services.mark_held(talk, acting_user=world.user("county_union_a"))
    talk.refresh_from_db()
    assert talk.status == Status.HELD
    assert not talk.is_lapsed
    assert services.send_reminders()["lapsed"] == 4  # county A's other talk, county B's


# Reports ---------------------------------------------------------------------------------------


def test_a_filed_report_asks_the_city_to_review_and_a_returned_one_links_to_refiling(
    world, held_talk, login
):
    filed = report(held_talk, world.user("school_a"))
    assert told(world, "report") == {"city_union", "city_education"}
    review = notice_of(world.user("city_union"), "report")
    assert review.action.startswith("请核对照片")
    assert opens(login, world.user("city_union"), review)
    services.return_report(filed, reasons="横幅未拍全", acting_user=world.user("city_union"))
    assert told(world, "returned") == {"county_union_a", "county_education_a", "school_a"}
    returned = notice_of(world.user("school_a"), "returned")
    assert "横幅未拍全" in returned.body
    assert returned.action == "请按退回原因修改后重新报送资料"
    assert returned.url == reverse("outreach:talk-report", args=[held_talk.pk])
    assert opens(login, world.user("school_a"), returned)
