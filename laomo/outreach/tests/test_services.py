"""The programme's rules for talks (seed 002 三、四), each by a test that fails if it is broken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.core.dates import cn_date
from laomo.core.scoping import CHANGE, Scope
from laomo.core.testing.factories import OrganisationFactory, PersonFactory, SchoolFactory
from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import BookingStatus, Level, ReportStatus, Status
from laomo.outreach.models import ProgrammeYear, ReportPhoto, Talk
from laomo.outreach.tests.conftest import at, full_set, photo, report
from laomo.regions.models import Organisation

BANNER = "{year}年固原市“中国梦·劳动美——奋进新征程建功新时代”劳模工匠进校园宣讲活动（{name}专场）"


def _orgs(world):
    OrganisationFactory(name="固原市总工会", region=world.city)
    OrganisationFactory(
        name="固原市教育体育局", region=world.city, kind=Organisation.Kind.EDUCATION
    )


# Levels, organisers and who pays (三(一)、三(二)、四(四)) ----------------------------------------


def test_a_city_official_plans_a_city_talk_organised_and_paid_by_the_city(world, plan):
    _orgs(world)
    talk = plan(world.user("city_union"), school=world.b.school).talk
    assert talk.level == Level.CITY
    assert talk.organiser_region == world.city
    assert talk.region == world.b.region  # held in county B's school
    assert {o.name for o in talk.organisers.unrestricted()} == {"固原市总工会", "固原市教育体育局"}
    assert talk.funding == "市本级经费（市总工会、市教育体育局）"


def test_a_county_official_plans_a_county_talk_paid_by_the_county(world, plan):
    talk = plan(world.user("county_education_a")).talk
    assert talk.level == Level.COUNTY
    assert talk.organiser_region == world.a.region
    assert {o.name for o in talk.organisers.unrestricted()} == {"原州区总工会", "原州区教育体育局"}
    assert talk.funding == "县（区）经费（县（区）总工会、教育体育局）"


def test_a_school_invites_to_itself_and_pays_for_it(world, plan):
    talk = plan(world.user("school_a")).talk
    assert talk.level == Level.SCHOOL
    assert talk.school == world.a.school
    assert talk.funding == "邀请学校自行负担"
    assert not talk.organisers.unrestricted().exists()


def test_a_county_official_cannot_plan_in_another_county(world, plan):
    with pytest.raises(services.TalkError) as refused:
        plan(world.user("county_union_a"), school=world.b.school)
    assert "school" in refused.value.errors
    assert not Talk.objects.exists()


def test_a_school_cannot_invite_to_another_school(world, plan):
    # Whatever school is asked for, a school's invitation is to itself.
    talk = plan(world.user("school_a"), school=world.b.school).talk
    assert talk.school == world.a.school


def test_a_school_may_invite_from_its_county_and_the_city_groups_only(world):
    from laomo.people.models import Person

    directory = set(Person.objects.restrict(Scope.for_user(world.user("school_a")), "invite"))
    assert directory == {world.a.person, world.city_person}


def test_a_county_may_invite_its_own_people_and_the_city_groups_members(world):
    from laomo.people.models import Person

    invitable = set(Person.objects.restrict(Scope.for_user(world.user("county_union_a")), "invite"))
    assert invitable == {world.a.person, world.city_person}
    city = set(Person.objects.restrict(Scope.for_user(world.user("city_union")), "invite"))
    assert city == {world.a.person, world.b.person, world.city_person}


# Double booking and the 30-day warning ----------------------------------------------------------


def test_a_lecturer_cannot_be_booked_into_overlapping_talks(world, plan):
    first = plan(world.user("county_union_a"), title="第一场", hours=(9, 11)).talk
    with pytest.raises(services.TalkError) as refused:
        plan(
            world.user("county_union_a"),
            title="第二场",
            hours=(10, 12),
            school=world.a.other_school,
        )
    message = refused.value.errors["lecturers"][0]
    assert world.a.person.name in message
    assert "第一场" in message  # the first booking is named
    assert Talk.objects.count() == 1
    # Back to back is not an overlap.
    plan(world.user("county_union_a"), title="第三场", hours=(11, 12), school=world.a.other_school)
    # A cancelled talk frees the lecturer.
    services.cancel_talk(first, reason="改期", acting_user=world.user("county_union_a"))
    plan(world.user("county_union_a"), title="第四场", hours=(9, 10), school=world.a.other_school)


def test_a_declined_invitation_frees_the_lecturer(world, plan):
    first = plan(world.user("county_union_a")).talk
    booking = first.bookings.unrestricted().get()
    services.respond(booking, accept=False, reason="出差", acting_user=world.user("lecturer_a"))
    plan(world.user("county_union_a"), school=world.a.other_school)
    assert Talk.objects.count() == 2


def test_a_clash_with_a_talk_the_planner_cannot_see_is_not_named(world, plan):
    plan(
        world.user("city_union"),
        title="市级专场",
        lecturers=[world.a.person],
        school=world.b.school,
    )
    with pytest.raises(services.TalkError) as refused:
        plan(world.user("county_union_a"), lecturers=[world.a.person])
    message = refused.value.errors["lecturers"][0]
    assert "市级专场" not in message
    assert "其他宣讲安排" in message


def test_a_school_with_a_talk_in_the_last_30_days_is_warned_not_refused(world, plan):
    person = PersonFactory(region=world.a.region, name="王建军")
    plan(world.user("county_union_a"), days=-20)
    outcome = plan(world.user("county_union_a"), lecturers=[person], days=5)
    assert outcome.talk.pk
    assert len(outcome.warnings) == 1
    assert "30天内" in outcome.warnings[0]
    far = plan(world.user("county_union_a"), lecturers=[person], days=60)
    assert far.warnings == []


def test_the_same_school_hint_names_every_talk_within_30_days_nearest_first(world, plan):
    county = world.user("county_union_a")
    people = [PersonFactory(region=world.a.region, name=f"宣讲员{n}") for n in range(4)]
    plan(county, title="二十天前", lecturers=[people[0]], days=-10)
    plan(county, title="十二天后", lecturers=[people[1]], days=22)
    plan(county, title="三天前", lecturers=[people[2]], days=7)
    plan(county, title="太远了", lecturers=[people[2]], days=-25)
    plan(world.user("school_a"), title="学校自己请的", lecturers=[world.city_person], days=12)
    outcome = plan(county, lecturers=[people[3]], days=10)
    assert outcome.talk.pk
    assert len(outcome.warnings) == 1
    hint = outcome.warnings[0]
    assert "前后30天内已有4场" in hint
    names = ["学校自己请的", "三天前", "十二天后", "二十天前"]
    assert [hint.index(name) for name in names] == sorted(hint.index(name) for name in names)
    assert "太远了" not in hint
    assert f"{cn_date(at(7))}“三天前”（县级统筹）" in hint
    assert "“学校自己请的”（学校自行邀请）" in hint


def test_a_same_day_talk_in_another_county_without_travel_time_is_warned_not_refused(
    world, plan, settings
):
    settings.LAOMO_TRAVEL_MINUTES = 120
    city = world.user("city_union")
    lecturer = world.city_person
    plan(city, title="西吉上午场", lecturers=[lecturer], school=world.b.school, hours=(9, 11))
    tight = plan(
        city, title="原州下午场", lecturers=[lecturer], school=world.a.school, hours=(12, 14)
    )
    assert tight.talk.pk
    travel = [w for w in tight.warnings if "赶到" in w]
    assert len(travel) == 1
    assert "何成斌" in travel[0]
    assert "西吉县" in travel[0]
    assert "“西吉上午场”" in travel[0]
    assert "60分钟" in travel[0]

    # Enough time between them, or the same county: no warning.
    roomy = plan(
        city, title="原州晚场", lecturers=[lecturer], school=world.a.school, hours=(16, 17)
    )
    assert not [w for w in roomy.warnings if "赶到" in w]
    near = plan(
        city, title="原州另一所", lecturers=[lecturer], school=world.a.other_school, hours=(14, 15)
    )
    assert not [w for w in near.warnings if "赶到" in w]
    # Another day: nothing.
    other_day = plan(city, lecturers=[lecturer], school=world.a.school, days=11, hours=(12, 13))
    assert not [w for w in other_day.warnings if "赶到" in w]
    # The overlap refusal stays.
    with pytest.raises(services.TalkError):
        plan(city, lecturers=[lecturer], school=world.a.school, hours=(10, 12))


# The banner (四(六)) ------------------------------------------------------------------------


def test_the_banner_follows_the_prescribed_template_to_the_character(world, plan):
    talk = plan(world.user("county_union_a"), days=3).talk
    year = timezone.localtime(talk.starts_at).year
    assert talk.banner_text == BANNER.format(year=year, name="原州区第一小学")
    talk.special_name = "“三八”女劳模"
    assert talk.banner_text.endswith("（“三八”女劳模专场）")


def test_the_banner_year_comes_from_the_talk_date_and_the_template_from_configuration(world):
    from laomo.outreach.models import Talk as TalkModel

    talk = TalkModel(region=world.a.region, school=world.a.school, place="school")
    talk.starts_at = timezone.make_aware(timezone.datetime(2031, 12, 31, 23, 30))
    assert talk.banner_text.startswith("2031年固原市“中国梦·劳动美")
    ProgrammeYear.objects.create(
        city=world.city, year=2031, banner_template="{year}年{city}新口号（{name}专场）"
    )
    talk = TalkModel(region=world.a.region, school=world.a.school, place="school")
    talk.starts_at = timezone.make_aware(timezone.datetime(2031, 12, 31, 23, 30))
    assert talk.banner_text == "2031年固原市新口号（原州区第一小学专场）"


def test_a_banner_template_must_name_the_special_and_nothing_unknown(world):
    from django.core.exceptions import ValidationError

    for template in ("{year}年{city}活动", "{year}年{town}（{name}专场）"):
        with pytest.raises(ValidationError):
            ProgrammeYear(city=world.city, year=2030, banner_template=template).full_clean()


# The life of a talk --------------------------------------------------------------------------


def test_confirmation_makes_the_talk_confirmed_and_a_decline_needs_a_reason(world, plan):
    talk = plan(world.user("county_union_a")).talk
    booking = talk.bookings.unrestricted().get()
    with pytest.raises(services.TalkError) as refused:
        services.respond(booking, accept=False, reason="  ", acting_user=world.user("lecturer_a"))
    assert "reason" in refused.value.errors
    services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
    talk.refresh_from_db()
    assert talk.status == Status.CONFIRMED
    services.respond(booking, accept=False, reason="临时有事", acting_user=world.user("lecturer_a"))
    talk.refresh_from_db()
    assert talk.status == Status.PLANNED
    assert (
        Notification.objects.unrestricted()
        .filter(user=world.user("county_union_a"), kind="declined")
        .exists()
    )


def test_a_talk_with_two_lecturers_is_confirmed_only_when_both_have_answered(world, plan):
    second = PersonFactory(region=world.a.region, name="马玉梅")
    talk = plan(world.user("county_union_a"), lecturers=[world.a.person, second]).talk
    first_booking, second_booking = talk.bookings.unrestricted().order_by("id")
    services.respond(first_booking, accept=True, acting_user=world.user("lecturer_a"))
    talk.refresh_from_db()
    assert talk.status == Status.PLANNED
    services.respond(
        second_booking, accept=False, reason="外出", acting_user=world.user("county_union_a")
    )
    talk.refresh_from_db()
    assert talk.status == Status.CONFIRMED


def test_retiming_a_talk_asks_lecturers_to_confirm_again(world, plan):
    talk = plan(world.user("county_union_a"), school=world.a.other_school, days=20).talk
    booking = talk.bookings.unrestricted().get()
    services.respond(booking, accept=True, acting_user=world.user("lecturer_a"))
    plan_again = services.TalkPlan(
        title=talk.title,
        starts_at=at(21, 9),
        ends_at=at(21, 11),
        venue=talk.venue,
        form=talk.form,
        lecturers=[world.a.person],
        school=talk.school,
    )
    services.update_talk(
        talk,
        plan_again,
        scope=Scope.for_user(world.user("county_union_a")),
        acting_user=world.user("county_union_a"),
    )
    talk.refresh_from_db()
    booking.refresh_from_db()
    assert (talk.status, booking.status) == (Status.PLANNED, BookingStatus.INVITED)


def test_cancelling_needs_a_reason_and_tells_lecturer_and_school(world, plan):
    school_contact = world.user("school_a")
    talk = plan(world.user("county_union_a")).talk
    with pytest.raises(services.TalkError):
        services.cancel_talk(talk, reason="", acting_user=world.user("county_union_a"))
    services.cancel_talk(talk, reason="天气原因", acting_user=world.user("county_union_a"))
    talk.refresh_from_db()
    assert (talk.status, talk.cancel_reason) == (Status.CANCELLED, "天气原因")
    told = set(
        Notification.objects.unrestricted().filter(kind="cancelled").values_list("user", flat=True)
    )
    assert {school_contact.pk, world.user("lecturer_a").pk} <= told


def test_a_talk_is_held_only_once_it_has_begun(world, plan):
    talk = plan(world.user("county_union_a"), days=5).talk
    services.respond(
        talk.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    with pytest.raises(services.TalkError):
        services.mark_held(talk, acting_user=world.user("county_union_a"))
    Talk.objects.unrestricted().filter(pk=talk.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 11))
    talk.refresh_from_db()
    services.mark_held(talk, acting_user=world.user("county_union_a"))
    talk.refresh_from_db()
    assert talk.status == Status.HELD


# Reports (四(六)) -----------------------------------------------------------------------------


def test_an_audience_of_29_is_refused_and_30_accepted(world, held_talk):
    with pytest.raises(services.TalkError) as refused:
        report(held_talk, world.user("school_a"), audience=(20, 5, 4))
    assert "audience" in refused.value.errors
    assert "29" in refused.value.errors["audience"][0]
    assert "30" in refused.value.errors["audience"][0]
    assert not held_talk.reports.unrestricted().exists()
    assert not ReportPhoto.objects.unrestricted().exists()
    filed = report(held_talk, world.user("school_a"), audience=(20, 5, 5))
    assert filed.audience == 30


def test_the_minimum_audience_is_configuration(world, held_talk):
    ProgrammeYear.objects.create(
        city=world.city,
        year=timezone.localtime(held_talk.starts_at).year,
        banner_template=BANNER,
        min_audience=50,
    )
    with pytest.raises(services.TalkError):
        report(held_talk, world.user("school_a"), audience=(40, 5, 0))


@pytest.mark.parametrize("missing", ["banner", "lecturer", "audience"])
def test_photos_must_show_banner_lecturer_and_audience(world, held_talk, missing):
    photos = [p for p in full_set() if not getattr(p, f"shows_{missing}")]
    with pytest.raises(services.TalkError) as refused:
        report(held_talk, world.user("school_a"), photos=photos)
    label = {"banner": "横幅", "lecturer": "宣讲员", "audience": "观众"}[missing]
    assert any(label in message for message in refused.value.errors["photos"])


def test_a_renamed_non_image_is_refused_by_content(world, held_talk):
    fake = services.PhotoUpload(
        data=b"%PDF-1.4 not a photo", filename="横幅.jpg", shows_banner=True
    )
    with pytest.raises(services.TalkError) as refused:
        report(held_talk, world.user("school_a"), photos=[fake, *full_set()[1:]])
    assert any("横幅.jpg" in message for message in refused.value.errors["photos"])
    assert not ReportPhoto.objects.unrestricted().exists()


def test_too_many_photos_are_refused(world, held_talk, settings):
    settings.LAOMO_PHOTO_MAX_COUNT = 3
    with pytest.raises(services.TalkError):
        report(held_talk, world.user("school_a"), photos=[*full_set(), photo("audience", 9)])


def test_a_report_cannot_be_filed_before_the_talk(world, plan):
    talk = plan(world.user("county_union_a"), days=3).talk
    services.respond(
        talk.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    with pytest.raises(services.TalkError):
        report(talk, world.user("school_a"))


def test_a_photo_taken_on_another_day_is_flagged_not_refused(world, held_talk):
    wrong_day = timezone.localtime(held_talk.starts_at) - timedelta(days=40)
    photos = full_set()
    photos[0] = photo("banner", 50, original=wrong_day.strftime("%Y:%m:%d %H:%M:%S"))
    filed = report(held_talk, world.user("school_a"), photos=photos)
    assert [p.date_mismatch for p in filed.photos.order_by("position")] == [True, False, False]
    banner = filed.photos.get(shows_banner=True)
    assert banner.date_mismatch
    assert banner.taken_at is not None


def test_a_photo_reused_from_another_talk_is_flagged_with_that_talk(world, held_talk, plan):
    first = report(held_talk, world.user("school_a"), photos=full_set(seed=10))
    services.accept_report(first, acting_user=world.user("city_union"))
    other = plan(world.user("county_union_a"), school=world.a.other_school, days=-2).talk
    services.respond(
        other.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    photos = full_set(seed=20)
    photos[2] = photo("audience", 12)  # the same picture as the first talk's audience photo
    second = report(other, world.user("county_union_a"), photos=photos)
    flagged = [p for p in second.photos.all() if p.duplicate_of_id]
    assert len(flagged) == 1
    assert flagged[0].duplicate_of.report.talk == held_talk


def test_captions_are_prefilled_with_time_organiser_and_name(world, held_talk):
    filed = report(held_talk, world.user("school_a"))
    caption = filed.photos.first().caption
    date = timezone.localtime(held_talk.starts_at)
    assert caption.startswith(f"{date:%Y年%-m月%-d日}")
    assert "原州区总工会" in caption
    assert held_talk.title in caption


def test_return_needs_reasons_then_resubmission_then_acceptance_keeps_history(world, held_talk):
    first = report(held_talk, world.user("school_a"))
    held_talk.refresh_from_db()
    assert held_talk.status == Status.REPORTED
    assert (
        Notification.objects.unrestricted()
        .filter(user=world.user("city_union"), kind="report")
        .exists()
    )
    with pytest.raises(services.TalkError):
        services.return_report(first, reasons="", acting_user=world.user("city_union"))
    services.return_report(first, reasons="横幅照片不清晰", acting_user=world.user("city_union"))
    held_talk.refresh_from_db()
    assert held_talk.status == Status.RETURNED
    second = report(held_talk, world.user("school_a"), photos=full_set(seed=30))
    assert second.number == 2
    with pytest.raises(services.TalkError):
        services.accept_report(first, acting_user=world.user("city_education"))
    services.accept_report(second, acting_user=world.user("city_education"))
    held_talk.refresh_from_db()
    assert held_talk.status == Status.ACCEPTED
    statuses = list(
        held_talk.reports.unrestricted().order_by("number").values_list("status", "return_reasons")
    )
    assert statuses == [(ReportStatus.RETURNED, "横幅照片不清晰"), (ReportStatus.ACCEPTED, "")]


def test_every_transition_is_audited(world, held_talk):
    filed = report(held_talk, world.user("school_a"))
    services.accept_report(filed, acting_user=world.user("city_union"))
    moves = list(
        AuditEntry.objects.unrestricted()
        .filter(action=AuditEntry.Action.TRANSITION, object_id=str(held_talk.pk))
        .order_by("id")
        .values_list("data__to", "actor__username")
    )
    assert moves == [
        ("已确认", "lecturer_a"),
        ("已举办", "school_a"),
        ("资料已报送", "school_a"),
        ("已验收", "city_union"),
    ]


# Who may do what ------------------------------------------------------------------------------


def test_only_the_owners_may_change_review_report_or_respond(world, held_talk):
    def may(key, action):
        return (
            Talk.objects.restrict(Scope.for_user(world.user(key)), action)
            .filter(pk=held_talk.pk)
            .exists()
        )

    assert may("county_union_a", CHANGE)
    assert not may("county_union_b", CHANGE)
    assert not may("city_union", CHANGE)  # a county's own talk is the county's to change
    assert may("city_union", "review")
    assert may("city_education", "review")
    assert not may("county_union_a", "review")
    assert not may("school_a", "review")
    assert may("school_a", "report")
    assert not may("school_b", "report")
    assert may("lecturer_a", "respond")
    assert not may("reviewer", "respond")
    assert not may("county_union_b", "view")
    assert not may("school_b", "view")


# Reminders --------------------------------------------------------------------------------------


def test_the_lecturer_is_told_of_an_invitation(world, plan):
    plan(world.user("county_union_a"))
    notice = Notification.objects.unrestricted().get(user=world.user("lecturer_a"))
    assert notice.kind == "invited"
    assert "宣讲邀请" in notice.title


def test_reminders_go_out_once_two_days_before_and_a_week_after_without_report(world, plan):
    soon = plan(world.user("county_union_a"), days=2).talk
    late = plan(world.user("county_union_a"), school=world.a.other_school, days=-8).talk
    services.respond(
        late.bookings.unrestricted().get(), accept=True, acting_user=world.user("lecturer_a")
    )
    counts = services.send_reminders()
    # county A's union and education bureau: the lapsed talk, and its missing report
    assert counts == {"upcoming": 1, "lapsed": 2, "overdue": 2}
    assert services.send_reminders() == {"upcoming": 0, "lapsed": 0, "overdue": 0}
    upcoming = Notification.objects.unrestricted().get(kind="upcoming")
    assert upcoming.user == world.user("school_a")
    assert soon.title in upcoming.title
    overdue = set(
        Notification.objects.unrestricted()
        .filter(kind="overdue")
        .values_list("user__username", flat=True)
    )
    assert overdue == {"county_union_a", "county_education_a"}


def test_reminder_mail_goes_to_users_with_an_address(
    world, plan, mailoutbox, django_capture_on_commit_callbacks
):
    lecturer = world.user("lecturer_a")
    lecturer.email = "hcb@example.cn"
    lecturer.save()
    with django_capture_on_commit_callbacks(execute=True):
        plan(world.user("county_union_a"))
    assert [mail.to for mail in mailoutbox] == [["hcb@example.cn"]]
    assert "宣讲邀请" in mailoutbox[0].subject


def test_schools_outside_scope_are_not_offered(world):
    SchoolFactory(region=world.b.region, name="西吉县第三小学")
    from laomo.outreach.forms import TalkForm

    form = TalkForm(scope=Scope.for_user(world.user("county_union_a")))
    offered = {school.name for school in form.fields["school"].queryset}
    assert offered == {"原州区第一小学", "原州区第一中学"}
