"""Every change to a talk, from plan to accepted report. Pages, the API and commands call these
functions, so each rule of the programme is enforced once, and each change is audited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.accounts.models import User
from laomo.audit.models import AuditEntry, Refusal
from laomo.audit.services import record, record_refusal
from laomo.core.dates import cn_date
from laomo.core.roles import CITY_ROLES, COUNTY_ROLES, Role
from laomo.core.scoping import Scope
from laomo.notices.services import notify
from laomo.outreach import photos as photo_checks
from laomo.outreach.choices import BookingStatus, Level, Place, ReportStatus, Status
from laomo.outreach.models import (
    Booking,
    DraftPhoto,
    ReportDraft,
    ReportPhoto,
    Talk,
    TalkReport,
    private_storage,
)
from laomo.regions.models import Organisation
from laomo.schools.services import record_reached

SAME_SCHOOL_WINDOW = timedelta(days=30)
EDITABLE = (Status.PLANNED, Status.CONFIRMED)
REPORTABLE = (Status.CONFIRMED, Status.HELD, Status.RETURNED)


class TalkError(ValueError):
    """A rule of the programme refuses the change. `errors` maps a field ("" for the whole) to
    Chinese messages, so that a form or the API can show each where it belongs."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("；".join(message for messages in errors.values() for message in messages))


@dataclass
class TalkPlan:
    """What someone planning a talk decides; the level, the organisers and who pays follow from
    who they are (002 三、四(四))."""

    title: str
    starts_at: object
    ends_at: object
    venue: str
    form: str
    lecturers: list = field(default_factory=list)
    place: str = Place.SCHOOL
    school: object = None
    base: object = None
    online_platform: str = ""
    special_name: str = ""
    form_other: str = ""
    expected_audience: int = 0
    cost: object = 0
    note: str = ""


@dataclass
class PhotoUpload:
    data: bytes
    filename: str = ""
    caption: str = ""
    shows_banner: bool = False
    shows_lecturer: bool = False
    shows_audience: bool = False
    # What the photo checks made of it once `receive_photos` has run them, or why they refused it.
    processed: photo_checks.ProcessedPhoto | None = field(default=None, repr=False)
    refusal: str = ""


@dataclass
class KeptPhoto:
    """A photo already on the server, carried into the report or the draft with the caption
    and marks chosen now: a photo of the talk's draft, or of its returned report. With a
    `replacement`, a new photo takes its place (and its caption and marks)."""

    photo: ReportPhoto | DraftPhoto
    caption: str = ""
    shows_banner: bool = False
    shows_lecturer: bool = False
    shows_audience: bool = False
    replacement: PhotoUpload | None = None

    @classmethod
    def as_it_was(cls, photo: ReportPhoto | DraftPhoto) -> KeptPhoto:
        return cls(
            photo,
            caption=photo.caption,
            shows_banner=photo.shows_banner,
            shows_lecturer=photo.shows_lecturer,
            shows_audience=photo.shows_audience,
        )


@dataclass
class Outcome:
    talk: Talk
    warnings: list[str] = field(default_factory=list)


# Who is who -------------------------------------------------------------------------------------


def organisers_of(region) -> list[Organisation]:
    """The union and the education bureau of a region, who organise its talks jointly; the
    union first, as the plan names them."""
    found = Organisation.objects.unrestricted().filter(
        region=region,
        kind__in=[Organisation.Kind.UNION, Organisation.Kind.EDUCATION],
        archived_at__isnull=True,
    )
    return sorted(found, key=lambda org: (org.kind != Organisation.Kind.UNION, org.name))


def organiser_users(talk: Talk):
    """The accounts that look after a talk: the officials of its organising region, or the
    contact of the school that invited."""
    if talk.level == Level.SCHOOL:
        return User.objects.filter(role=Role.SCHOOL, school_id=talk.school_id, is_active=True)
    roles = CITY_ROLES if talk.level == Level.CITY else COUNTY_ROLES
    return User.objects.filter(role__in=roles, region_id=talk.organiser_region_id, is_active=True)


def reviewer_users(talk: Talk):
    """The city union's 宣教部 and the city education bureau, who receive every report."""
    return User.objects.filter(
        role__in=[Role.CITY_UNION, Role.CITY_EDUCATION],
        region__code=talk.region.city.code,
        is_active=True,
    )


def lecturer_users(talk: Talk, *, statuses=(BookingStatus.INVITED, BookingStatus.CONFIRMED)):
    people = talk.bookings.filter(status__in=statuses).values("person_id")
    return User.objects.filter(role=Role.LECTURER, person_id__in=people, is_active=True)


def school_users(talk: Talk):
    if not talk.school_id:
        return User.objects.none()
    return User.objects.filter(role=Role.SCHOOL, school_id=talk.school_id, is_active=True)


# Rules ------------------------------------------------------------------------------------------


def _level_of(scope: Scope) -> tuple[str, object]:
    if scope.is_city:
        return Level.CITY, scope.region
    if scope.is_county:
        return Level.COUNTY, scope.region
    if scope.is_school:
        return Level.SCHOOL, scope.region
    raise TalkError(_("您的账号不能安排宣讲活动"))


def _check_plan(plan: TalkPlan, *, scope: Scope, level: str, exclude: Talk | None = None):
    errors: dict[str, list[str]] = {}

    def error(name, message):
        errors.setdefault(name, []).append(message)

    if not plan.title.strip():
        error("title", _("请填写活动名称"))
    if plan.starts_at and plan.ends_at and plan.ends_at <= plan.starts_at:
        error("ends_at", _("结束时间应晚于开始时间"))
    if level == Level.SCHOOL:
        plan.place = Place.SCHOOL
    if plan.place == Place.SCHOOL:
        if plan.school is None:
            error("school", _("请选择举办学校"))
        elif scope.is_school and plan.school.pk != scope.school_id:
            error("school", _("学校只能邀请劳模工匠到本校宣讲"))
        elif not scope.is_school and not scope.covers(plan.school.region):
            error("school", _("该学校不在本级统筹范围内"))
        plan.base, plan.online_platform = None, ""
    elif plan.place == Place.BASE:
        if plan.base is None:
            error("base", _("请选择劳动教育实践基地"))
        plan.school, plan.online_platform = None, ""
    else:
        if not plan.online_platform:
            error("online_platform", _("请选择线上平台"))
        plan.school = plan.base = None
    if plan.form == "other" and not plan.form_other.strip():
        error("form_other", _("请说明活动形式"))
    if not plan.lecturers:
        error("lecturers", _("请至少选择一位宣讲员"))
    if plan.starts_at and plan.ends_at and plan.ends_at > plan.starts_at:
        for person in plan.lecturers:
            clash = _clash(person, plan.starts_at, plan.ends_at, exclude=exclude)
            if clash is not None:
                error("lecturers", _describe_clash(person, clash, scope))
    if errors:
        raise TalkError(errors)


def _clash(person, starts_at, ends_at, *, exclude: Talk | None) -> Talk | None:
    bookings = Booking.objects.unrestricted().overlapping(person, starts_at, ends_at)
    if exclude is not None and exclude.pk:
        bookings = bookings.exclude(talk=exclude)
    booking = bookings.select_related("talk").order_by("talk__starts_at").first()
    return booking.talk if booking else None


def _describe_clash(person, talk: Talk, scope: Scope) -> str:
    start, end = timezone.localtime(talk.starts_at), timezone.localtime(talk.ends_at)
    when = f"{start:%Y年%-m月%-d日 %H:%M}–{end:%H:%M}"
    # The first booking is named to those who may see it; others learn only that there is one.
    if Talk.objects.restrict(scope).filter(pk=talk.pk).exists():
        return _("{name}在{when}已有宣讲活动“{title}”，时间冲突，不能重复安排").format(
            name=person.name, when=when, title=talk.title
        )
    return _("{name}在{when}已有其他宣讲安排，时间冲突，不能重复安排").format(
        name=person.name, when=when
    )


def _same_school_warning(talk: Talk, scope: Scope) -> list[str]:
    """Every other talk at the same school within 30 days either side, nearest first. A talk
    the planner may not open is named by its date and level only."""
    if not talk.school_id:
        return []
    nearby = list(
        Talk.objects.unrestricted()
        .filter(
            school_id=talk.school_id,
            starts_at__gt=talk.starts_at - SAME_SCHOOL_WINDOW,
            starts_at__lt=talk.starts_at + SAME_SCHOOL_WINDOW,
            archived_at__isnull=True,
        )
        .exclude(status=Status.CANCELLED)
        .exclude(pk=talk.pk)
    )
    if not nearby:
        return []
    nearby.sort(key=lambda other: (abs(other.starts_at - talk.starts_at), other.starts_at))
    visible = set(
        Talk.objects.restrict(scope)
        .filter(pk__in=[other.pk for other in nearby])
        .values_list("pk", flat=True)
    )
    named = []
    for other in nearby:
        when = cn_date(other.starts_at)
        level = other.get_level_display()
        if other.pk in visible:
            named.append(
                _("{date}“{title}”（{level}）").format(date=when, title=other.title, level=level)
            )
        else:
            named.append(_("{date}另有一场（{level}）").format(date=when, level=level))
    return [
        _("提示：{school}前后30天内已有{count}场宣讲活动：{talks}。请注意统筹安排").format(
            school=talk.school.name, count=len(nearby), talks="；".join(named)
        )
    ]


def _travel_warnings(talk: Talk, scope: Scope) -> list[str]:
    """A lecturer with another talk the same day in another county, with less than
    `LAOMO_TRAVEL_MINUTES` between the end of one and the start of the other, is warned about,
    not refused: the organisers may know of a car. Online talks need no travel."""
    if talk.place == Place.ONLINE or talk.region_id is None:
        return []
    travel = timedelta(minutes=settings.LAOMO_TRAVEL_MINUTES)
    day = talk.local_date
    others = (
        Booking.objects.unrestricted()
        .filter(
            person__in=talk.bookings.unrestricted()
            .exclude(status=BookingStatus.DECLINED)
            .values("person"),
            status__in=[BookingStatus.INVITED, BookingStatus.CONFIRMED],
            talk__starts_on=day,
            talk__archived_at__isnull=True,
        )
        .exclude(talk=talk)
        .exclude(talk__status=Status.CANCELLED)
        .exclude(talk__place=Place.ONLINE)
        .exclude(talk__region=talk.region_id)
        .select_related("talk", "talk__region", "person")
        .order_by("talk__starts_at", "person__name")
    )
    visible = set(
        Talk.objects.restrict(scope)
        .filter(pk__in=[booking.talk_id for booking in others])
        .values_list("pk", flat=True)
    )
    warnings = []
    for booking in others:
        other = booking.talk
        gap = max(other.starts_at - talk.ends_at, talk.starts_at - other.ends_at)
        if gap >= travel:
            continue
        start, end = timezone.localtime(other.starts_at), timezone.localtime(other.ends_at)
        what = _("“{title}”").format(title=other.title) if other.pk in visible else _("另一场宣讲")
        warnings.append(
            _(
                "提示：{name}同一天{start}–{end}在{county}还有{what}，"
                "两地之间只有{minutes}分钟（建议至少{travel}分钟），请确认能否赶到"
            ).format(
                name=booking.person.name,
                start=f"{start:%H:%M}",
                end=f"{end:%H:%M}",
                county=other.region.name,
                what=what,
                minutes=max(int(gap.total_seconds() // 60), 0),
                travel=settings.LAOMO_TRAVEL_MINUTES,
            )
        )
    return warnings


def _hints(talk: Talk, scope: Scope) -> list[str]:
    return _same_school_warning(talk, scope) + _travel_warnings(talk, scope)


def _audit(talk: Talk, acting_user, before: str, after: str, **data) -> None:
    labels = dict(Status.choices)
    record(
        AuditEntry.Action.TRANSITION,
        actor=acting_user,
        obj=talk,
        data={"from": str(labels.get(before, before)), "to": str(labels.get(after, after)), **data},
    )


def _set_status(talk: Talk, status: str, acting_user, **data) -> None:
    before = talk.status
    if before == status:
        return
    talk.status = status
    talk._history_user = acting_user
    talk.save(update_fields=["status", "updated_at"])
    _audit(talk, acting_user, before, status, **data)


def _talk_url(talk: Talk) -> str:
    return reverse("outreach:talk-detail", args=[talk.pk])


def _when(talk: Talk) -> str:
    return f"{timezone.localtime(talk.starts_at):%Y年%-m月%-d日 %H:%M}"


def _span(starts_at, ends_at) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{start:%Y年%-m月%-d日 %H:%M}–{end:%H:%M}"
    return f"{start:%Y年%-m月%-d日 %H:%M}–{end:%Y年%-m月%-d日 %H:%M}"


def _where_text(talk: Talk) -> str:
    """Where a talk is, as a school reads it: the place and the room."""
    return f"{talk.place_name}{talk.get_venue_display()}"


# Telling the school -----------------------------------------------------------------------------
#
# A school needs to know of a talk at it as soon as it is planned: the hall is booked and the
# banner printed weeks ahead, not in the two days the reminder before it leaves.


def _tell_school_planned(talk: Talk, acting_user) -> None:
    if talk.ends_at <= timezone.now():
        return  # entered after the fact: there is nothing left to prepare
    names = "、".join(
        talk.bookings.unrestricted().order_by("id").values_list("person__name", flat=True)
    )
    notify(
        school_users(talk),
        kind="talk_planned",
        title=_("宣讲活动安排到本校：{title}").format(title=talk.title),
        body=_("{span}，{where}；宣讲员：{names}；{level}。横幅文字：{banner}").format(
            span=_span(talk.starts_at, talk.ends_at),
            where=_where_text(talk),
            names=names,
            level=talk.get_level_display(),
            banner=talk.banner_text,
        ),
        action=_("请预订场地、制作横幅，组织好学生和教师（不少于{n}人）").format(
            n=talk.programme.min_audience
        ),
        url=_talk_url(talk),
        exclude=acting_user,
    )


def _tell_school_moved(talk: Talk, before: dict, acting_user) -> None:
    """After a change of a talk: if its school changed, the old school is told it is no longer
    there and the new one that it is planned; if its time or room changed, the school is told
    from what to what."""
    if before["school_id"] != talk.school_id:
        if before["school_id"]:
            notify(
                User.objects.filter(
                    role=Role.SCHOOL, school_id=before["school_id"], is_active=True
                ),
                kind="talk_moved",
                title=_("宣讲活动不再安排在本校：{title}").format(title=talk.title),
                body=_("原定{span}在本校{venue}举办，已改到其他地点。").format(
                    span=_span(before["starts_at"], before["ends_at"]),
                    venue=before["venue_label"],
                ),
                action=_("请取消已预订的场地，横幅不再需要"),
                url=reverse("outreach:talk-list"),
                exclude=acting_user,
            )
        _tell_school_planned(talk, acting_user)
        return
    changes = []
    if (before["starts_at"], before["ends_at"]) != (talk.starts_at, talk.ends_at):
        changes.append(
            _("时间由{old}改为{new}").format(
                old=_span(before["starts_at"], before["ends_at"]),
                new=_span(talk.starts_at, talk.ends_at),
            )
        )
    if before["venue"] != talk.venue:
        changes.append(
            _("场所由{old}改为{new}").format(
                old=before["venue_label"], new=talk.get_venue_display()
            )
        )
    if not changes:
        return
    notify(
        school_users(talk),
        kind="talk_moved",
        title=_("宣讲活动有变动：{title}").format(title=talk.title),
        body="；".join(changes) + "。",
        action=_("请按新的时间和场所调整场地预订和横幅"),
        url=_talk_url(talk),
        exclude=acting_user,
    )


# Planning ---------------------------------------------------------------------------------------


@transaction.atomic
def plan_talk(plan: TalkPlan, *, scope: Scope, acting_user) -> Outcome:
    """A city official plans a city talk, a county official a county talk, a school invites a
    lecturer to itself. The lecturers are invited and told."""
    level, organiser_region = _level_of(scope)
    if level == Level.SCHOOL:
        from laomo.schools.models import School

        plan.school = School.objects.unrestricted().get(pk=scope.school_id)
    _check_plan(plan, scope=scope, level=level)
    talk = Talk(
        level=level,
        organiser_region=organiser_region,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        **_talk_fields(plan),
    )
    talk.region = _where(talk, organiser_region)
    talk._history_user = acting_user
    talk.full_clean(exclude=["organisers", "lecturers"])
    talk.save()
    if level != Level.SCHOOL:
        # add(), not set(): set() reads the current organisers through the scoped manager.
        talk.organisers.add(*organisers_of(organiser_region))
    for person in plan.lecturers:
        Booking(talk=talk, person=person).save()
    record(AuditEntry.Action.CREATE, actor=acting_user, obj=talk)
    _tell_invited(talk, plan.lecturers)
    _tell_school_planned(talk, acting_user)
    return Outcome(talk, _hints(talk, scope))


def _talk_fields(plan: TalkPlan) -> dict:
    return {
        "title": plan.title.strip(),
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "venue": plan.venue,
        "form": plan.form,
        "form_other": plan.form_other.strip() if plan.form == "other" else "",
        "place": plan.place,
        "school": plan.school,
        "base": plan.base,
        "online_platform": plan.online_platform,
        "special_name": plan.special_name.strip(),
        "expected_audience": plan.expected_audience or 0,
        "cost": plan.cost or 0,
        "note": plan.note,
    }


def _where(talk: Talk, organiser_region):
    if talk.school is not None:
        return talk.school.region
    if talk.base is not None and talk.base.region.is_county_level:
        return talk.base.region
    return organiser_region


def _tell_invited(talk: Talk, people) -> None:
    users = User.objects.filter(role=Role.LECTURER, person__in=people, is_active=True)
    notify(
        users,
        kind="invited",
        title=_("宣讲邀请：{title}").format(title=talk.title),
        body=_("{when}在{place}。").format(when=_when(talk), place=talk.place_name),
        action=_("请确认是否参加；不能参加时请婉拒并说明原因"),
        url=_talk_url(talk),
    )


@transaction.atomic
def update_talk(talk: Talk, plan: TalkPlan, *, scope: Scope, acting_user) -> Outcome:
    """Change a planned or confirmed talk. A new time asks every lecturer to confirm again."""
    talk = Talk.objects.unrestricted().select_for_update().get(pk=talk.pk)
    if talk.status not in EDITABLE:
        raise TalkError(_("“{status}”的活动不能再修改").format(status=talk.get_status_display()))
    if talk.level == Level.SCHOOL:
        plan.school = talk.school
    _check_plan(plan, scope=scope, level=talk.level, exclude=talk)
    retimed = (plan.starts_at, plan.ends_at) != (talk.starts_at, talk.ends_at)
    before = {
        "school_id": talk.school_id,
        "starts_at": talk.starts_at,
        "ends_at": talk.ends_at,
        "venue": talk.venue,
        "venue_label": talk.get_venue_display(),
    }
    for name, value in _talk_fields(plan).items():
        setattr(talk, name, value)
    talk.region = _where(talk, talk.organiser_region)
    talk._history_user = acting_user
    talk.full_clean(exclude=["organisers", "lecturers"])
    talk.save()

    current = {booking.person_id: booking for booking in talk.bookings.unrestricted()}
    wanted = {person.pk: person for person in plan.lecturers}
    for person_id, booking in current.items():
        if person_id not in wanted:
            booking._history_user = acting_user
            booking.delete()
    added = [person for pk, person in wanted.items() if pk not in current]
    for person in added:
        Booking(talk=talk, person=person).save()
    if retimed:
        talk.bookings.unrestricted().filter(status=BookingStatus.CONFIRMED).update(
            status=BookingStatus.INVITED, responded_at=None
        )
    record(
        AuditEntry.Action.UPDATE,
        actor=acting_user,
        obj=talk,
        data={"retimed": retimed, "lecturers_added": [p.name for p in added]},
    )
    _tell_invited(talk, added if not retimed else plan.lecturers)
    _tell_school_moved(talk, before, acting_user)
    _settle(talk, acting_user)
    return Outcome(talk, _hints(talk, scope))


def _settle(talk: Talk, acting_user) -> None:
    """A planned or confirmed talk is confirmed once every lecturer still invited has said yes
    and at least one has."""
    if talk.status not in EDITABLE:
        return
    answers = set(talk.bookings.unrestricted().values_list("status", flat=True))
    confirmed = BookingStatus.CONFIRMED in answers and BookingStatus.INVITED not in answers
    _set_status(talk, Status.CONFIRMED if confirmed else Status.PLANNED, acting_user)


@transaction.atomic
def respond(booking: Booking, *, accept: bool, reason: str = "", acting_user) -> Booking:
    """A lecturer (or the organiser on their behalf) confirms or declines, declining with a
    reason. A confirmation is re-checked against the lecturer's other bookings."""
    booking = (
        Booking.objects.unrestricted()
        .select_for_update()
        .select_related("talk", "person")
        .get(pk=booking.pk)
    )
    talk = booking.talk
    if talk.status not in EDITABLE:
        raise TalkError(_("活动已{status}，不能再答复").format(status=talk.get_status_display()))
    if accept:
        clash = _clash(booking.person, talk.starts_at, talk.ends_at, exclude=talk)
        if clash is not None:
            scope = Scope.for_user(acting_user) if acting_user is not None else Scope()
            raise TalkError({"": [_describe_clash(booking.person, clash, scope)]})
        booking.status, booking.reason = BookingStatus.CONFIRMED, ""
    else:
        if not reason.strip():
            raise TalkError({"reason": [_("婉拒时请说明原因")]})
        booking.status, booking.reason = BookingStatus.DECLINED, reason.strip()
    booking.responded_at = timezone.now()
    booking.responded_by = acting_user if getattr(acting_user, "pk", None) else None
    booking._history_user = acting_user
    booking.save()
    record(
        AuditEntry.Action.UPDATE,
        actor=acting_user,
        obj=talk,
        data={
            "lecturer": booking.person.name,
            "to": str(booking.get_status_display()),
            "reason": booking.reason,
        },
    )
    _settle(talk, acting_user)
    _tell_organiser_answered(talk, booking, acting_user)
    return booking


def _tell_organiser_answered(talk: Talk, booking: Booking, acting_user) -> None:
    """The organiser learns of every answer: a decline with its reason and the page to invite
    someone else on; a confirmation, and whether the talk is now confirmed."""
    if booking.status == BookingStatus.DECLINED:
        notify(
            organiser_users(talk),
            kind="declined",
            title=_("{name}婉拒了“{title}”").format(name=booking.person.name, title=talk.title),
            body=_("{when}在{place}。婉拒原因：{reason}").format(
                when=_when(talk), place=talk.place_name, reason=booking.reason
            ),
            action=_("请另请宣讲员或调整时间"),
            url=reverse("outreach:talk-edit", args=[talk.pk]),
            exclude=acting_user,
        )
        return
    if talk.status == Status.CONFIRMED:
        body = _("{when}在{place}。宣讲员已全部确认，活动已确认。")
        action = _("请与学校落实场地、横幅和观众组织；活动结束后标记已举办并报送资料")
    else:
        body = _("{when}在{place}。还有宣讲员尚未答复。")
        action = _("请留意其他宣讲员的答复，必要时联系催促")
    notify(
        organiser_users(talk),
        kind="confirmed",
        title=_("{name}确认参加“{title}”").format(name=booking.person.name, title=talk.title),
        body=body.format(when=_when(talk), place=talk.place_name),
        action=action,
        url=_talk_url(talk),
        exclude=acting_user,
    )


@transaction.atomic
def cancel_talk(talk: Talk, *, reason: str, acting_user) -> Talk:
    talk = Talk.objects.unrestricted().select_for_update().get(pk=talk.pk)
    if talk.status not in EDITABLE:
        raise TalkError(_("“{status}”的活动不能取消").format(status=talk.get_status_display()))
    if not reason.strip():
        raise TalkError({"reason": [_("请说明取消原因")]})
    talk.cancel_reason = reason.strip()
    talk.save(update_fields=["cancel_reason", "updated_at"])
    _set_status(talk, Status.CANCELLED, acting_user, reason=talk.cancel_reason)
    title = _("活动已取消：{title}").format(title=talk.title)
    body = _("原定{when}在{place}。取消原因：{reason}").format(
        when=_when(talk), place=_where_text(talk), reason=talk.cancel_reason
    )
    notify(
        school_users(talk),
        kind="cancelled",
        title=title,
        body=body,
        action=_("请取消已预订的场地，并告知师生"),
        url=_talk_url(talk),
        exclude=acting_user,
    )
    notify(
        lecturer_users(talk),
        kind="cancelled",
        title=title,
        body=body,
        action=_("无需前往；日程已撤销"),
        url=_talk_url(talk),
        exclude=acting_user,
    )
    return talk


@transaction.atomic
def mark_held(talk: Talk, *, acting_user) -> Talk:
    talk = Talk.objects.unrestricted().select_for_update().get(pk=talk.pk)
    if talk.status != Status.CONFIRMED:
        raise TalkError(_("只有已确认的活动才能标记为已举办"))
    if talk.starts_at > timezone.now():
        raise TalkError(_("活动尚未开始，不能标记为已举办"))
    _set_status(talk, Status.HELD, acting_user)
    return talk


# Reports ----------------------------------------------------------------------------------------

MAX_AUDIENCE = 100000  # as the report form allows
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_caption(talk: Talk) -> str:
    """时间、主办单位、活动名称, as the plan asks every photo to say (002 四(六))."""
    if talk.level == Level.SCHOOL:
        organisers = talk.school.name if talk.school_id else ""
    else:
        organisers = "、".join(org.name for org in talk.organiser_list)
    date = timezone.localtime(talk.starts_at)
    return f"{date:%Y年%-m月%-d日} {organisers} {talk.title}".strip()


def submit_report(
    talk: Talk,
    *,
    students: int | None,
    teachers: int | None,
    others: int | None,
    account: str,
    photos: list[PhotoUpload],
    kept: Sequence[KeptPhoto] = (),
    acting_user,
) -> TalkReport:
    """File the report of a talk that has taken place (or resubmit a returned one). Every rule
    is checked before anything is written; the errors say which field broke which rule.

    `photos` are new uploads; `kept` are photos already on the server (the talk's draft's, or
    its returned report's), carried into the new report without being sent again: the returned
    report keeps its own, the new report gets copies (see `_carry`). Once filed, the talk's
    draft is gone: its photos are the report's now.

    The photos are checked and re-encoded first, outside the transaction: for a phone's photos
    that takes seconds, during which no lock is held (on SQLite, the whole database's). The
    transaction then checks the talk again under its lock and writes the report, the photo rows
    and their files (journaled: a crash leaves none without its row, see laomo.core.files)."""
    talk = Talk.objects.unrestricted().get(pk=talk.pk)
    _check_reportable(talk)
    errors = _check_fields(talk, students, teachers, others, account, photos, kept, final=True)
    items = _photo_items(talk, photos, kept, errors)
    if errors:
        raise TalkError(errors)
    return _file_report(
        talk,
        counts=(students or 0, teachers or 0, others or 0),
        account=account.strip(),
        items=items,
        acting_user=acting_user,
    )


def receive_photos(uploads: Sequence[PhotoUpload], *, talk: Talk | None = None) -> list[str]:
    """Run the photo checks on uploads not yet checked (call it outside any transaction: it
    takes seconds for a phone's photos). Returns why each refused one was refused, each refusal
    recorded once (for `talk`); the others carry what the checks made of them."""
    refused = []
    for upload in uploads:
        if upload.processed is None and not upload.refusal:
            try:
                upload.processed = photo_checks.process_photo(upload.data, filename=upload.filename)
            except photo_checks.PhotoError as exc:
                upload.refusal = str(exc)
                record_refusal(
                    None,
                    Refusal.UPLOAD,
                    obj=talk,
                    detail=upload.refusal,
                    data={"filename": upload.filename[:200]},
                )
        if upload.refusal:
            refused.append(upload.refusal)
    return refused


def _check_fields(
    talk, students, teachers, others, account, photos, kept, *, final: bool
) -> dict[str, list[str]]:
    """The audience and the account: a range refused at once, the rest gathered. A draft may
    leave them empty (`final=False`)."""
    errors: dict[str, list[str]] = {}
    for name, count, label in (
        ("students", students, _("学生人数")),
        ("teachers", teachers, _("教师人数")),
        ("others", others, _("其他人员人数")),
    ):
        if not 0 <= (count or 0) <= MAX_AUDIENCE:
            errors.setdefault(name, []).append(
                _("{label}应在 0 到 {limit} 之间").format(label=label, limit=MAX_AUDIENCE)
            )
    if errors:
        raise TalkError(errors)
    captions = [upload.caption for upload in photos] + [item.caption for item in kept]
    if "\x00" in account or any("\x00" in caption for caption in captions):
        raise TalkError({"account": [_("活动情况和图片说明不能含有空字符")]})
    if not final:
        return errors
    audience = (students or 0) + (teachers or 0) + (others or 0)
    minimum = talk.programme.min_audience
    if audience < minimum:
        errors.setdefault("audience", []).append(
            _("观众合计{n}人，少于规定的{minimum}人（学生、教师、其他人员合计）").format(
                n=audience, minimum=minimum
            )
        )
    if not account.strip():
        errors.setdefault("account", []).append(_("请简要记述活动情况"))
    return errors


def _check_reportable(talk: Talk) -> None:
    if talk.status not in REPORTABLE:
        raise TalkError(_("“{status}”的活动不能报送资料").format(status=talk.get_status_display()))
    if talk.starts_at > timezone.now():
        raise TalkError(_("活动尚未开始，不能报送资料"))


@dataclass
class _Item:
    """One photo of the report to be written: a new upload, or a photo already stored."""

    caption: str
    shows_banner: bool
    shows_lecturer: bool
    shows_audience: bool
    upload: PhotoUpload | None = None
    stored: ReportPhoto | DraftPhoto | None = None
    filename: str = ""


def _photo_items(talk: Talk, photos, kept, errors) -> list[_Item]:
    """The report's photos in order (the kept ones first, each replacement in its place, then
    the new ones), checked: each upload by the photo checks, each kept photo for belonging to
    this talk, the number of them, and that together they show the banner, the lecturer and
    the audience."""
    _check_kept(talk, kept)
    items = []
    for entry in kept:
        marks = {
            "caption": entry.caption,
            "shows_banner": entry.shows_banner,
            "shows_lecturer": entry.shows_lecturer,
            "shows_audience": entry.shows_audience,
        }
        if entry.replacement is not None:
            items.append(_Item(**marks, upload=entry.replacement))
        else:
            items.append(_Item(**marks, stored=entry.photo))
    for upload in photos:
        items.append(
            _Item(
                caption=upload.caption,
                shows_banner=upload.shows_banner,
                shows_lecturer=upload.shows_lecturer,
                shows_audience=upload.shows_audience,
                upload=upload,
            )
        )
    limit = settings.LAOMO_PHOTO_MAX_COUNT
    if not items:
        errors.setdefault("photos", []).append(_("请上传活动照片"))
        return []
    if len(items) > limit:
        message = _("一次最多上传{limit}张照片，本次{n}张").format(limit=limit, n=len(items))
        errors.setdefault("photos", []).append(message)
        record_refusal(None, Refusal.UPLOAD, obj=talk, detail=message)
        return []
    uploads = [item.upload for item in items if item.upload is not None]
    for message in receive_photos(uploads, talk=talk):
        errors.setdefault("photos", []).append(message)
    for flag, label in (
        ("shows_banner", _("横幅")),
        ("shows_lecturer", _("宣讲员")),
        ("shows_audience", _("观众")),
    ):
        if not any(getattr(item, flag) for item in items):
            errors.setdefault("photos", []).append(
                _("照片中须有一张拍到{what}（请在对应照片上勾选“含{what}”）").format(what=label)
            )
    return items


def _check_kept(talk: Talk, kept: Sequence[KeptPhoto]) -> None:
    """A kept photo is one of this talk's draft, or of its latest report if that was returned;
    any other is refused (it may be another talk's, or a report's still under review)."""
    latest = _latest_report(talk)
    returned = latest.pk if latest is not None and latest.status == ReportStatus.RETURNED else None
    report_ids = {e.photo.pk for e in kept if isinstance(e.photo, ReportPhoto)}
    draft_ids = {e.photo.pk for e in kept if isinstance(e.photo, DraftPhoto)}
    if len(report_ids) + len(draft_ids) != len(kept):
        raise TalkError({"photos": [_("同一张照片不能保留两次")]})
    found = set(
        ReportPhoto.objects.unrestricted()
        .filter(pk__in=report_ids, report_id=returned)
        .values_list("pk", flat=True)
    )
    found_drafts = set(
        DraftPhoto.objects.unrestricted()
        .filter(pk__in=draft_ids, draft__talk_id=talk.pk)
        .values_list("pk", flat=True)
    )
    if missing := sorted((report_ids - found) | (draft_ids - found_drafts)):
        raise TalkError(
            {
                "keep": [
                    _("编号为 {ids} 的照片不属于本次活动上次被退回的报送或草稿，不能沿用").format(
                        ids="、".join(map(str, missing))
                    )
                ]
            }
        )


@transaction.atomic
def _file_report(talk: Talk, *, counts, account: str, items: list[_Item], acting_user):
    talk = Talk.objects.unrestricted().select_for_update().get(pk=talk.pk)
    _check_reportable(talk)  # again: someone may have filed it while the photos were processed
    students, teachers, others = counts
    number = (talk.reports.unrestricted().aggregate(n=Max("number"))["n"] or 0) + 1
    report = TalkReport.objects.create(
        talk=talk,
        number=number,
        students=students,
        teachers=teachers,
        others=others,
        account=account,
        submitted_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    draft = ReportDraft.objects.unrestricted().filter(talk=talk).first()
    with private_storage.journal() as journal:
        taken_over = set()
        for position, item in enumerate(items):
            row = ReportPhoto(
                report=report,
                caption=(item.caption.strip() or default_caption(talk))[:200],
                shows_banner=item.shows_banner,
                shows_lecturer=item.shows_lecturer,
                shows_audience=item.shows_audience,
                position=position,
            )
            if item.upload is not None:
                _write_new(row, talk, item.upload)
            elif isinstance(item.stored, DraftPhoto) and item.stored.image:
                _take_over(row, talk, item.stored)
                taken_over.add(item.stored.pk)
            else:
                stored = item.stored
                _carry(row, stored.source if isinstance(stored, DraftPhoto) else stored)
            row.save()
        if draft is not None:
            _drop_draft(draft, journal, keep=taken_over)
        if talk.status == Status.CONFIRMED:
            _set_status(talk, Status.HELD, acting_user)
        _set_status(talk, Status.REPORTED, acting_user, report=number)
    notify(
        reviewer_users(talk),
        kind="report",
        title=_("待验收：{title}").format(title=talk.title),
        body=_("{when} · 观众{n}人 · 第{number}次报送").format(
            when=_when(talk), n=students + teachers + others, number=number
        ),
        action=_("请核对照片（横幅、宣讲员、观众）和观众人数，验收通过或写明原因退回"),
        url=_talk_url(talk),
    )
    return report


def _findings(row: ReportPhoto, talk: Talk, *, taken_at, phash: str) -> None:
    """What the checks say of a photo new to this talk: its capture date against the talk's,
    and the closest photo of another talk (never one of this talk's own reports)."""
    row.taken_at = taken_at
    row.date_mismatch = photo_checks.capture_date_mismatch(taken_at, talk)
    row.phash = phash
    row.duplicate_of = photo_checks.find_near_duplicate(phash, exclude_talk_id=talk.pk)
    row.band0, row.band1, row.band2, row.band3 = photo_checks.bands(phash)


def _write_new(row: ReportPhoto, talk: Talk, upload: PhotoUpload) -> None:
    photo = upload.processed
    row.width, row.height = photo.width, photo.height
    row.original_format = photo.original_format
    row.original_name = _CONTROL.sub("", upload.filename)[:200]
    _findings(row, talk, taken_at=photo.taken_at, phash=photo.phash)
    row.image.save("photo.jpg", ContentFile(photo.jpeg), save=False)
    row.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)


def _take_over(row: ReportPhoto, talk: Talk, photo: DraftPhoto) -> None:
    """A photo received for the draft becomes the report's: its files change hands, their
    names from the draft's row to the report's, in the same transaction; nothing is copied."""
    row.width, row.height = photo.width, photo.height
    row.original_format, row.original_name = photo.original_format, photo.original_name
    _findings(row, talk, taken_at=photo.taken_at, phash=photo.phash)
    row.image.name, row.thumbnail.name = photo.image.name, photo.thumbnail.name


def _carry(row: ReportPhoto, source: ReportPhoto) -> None:
    """A photo of the returned report, kept: the new report gets a copy of its files and of
    what the checks found when it was first sent (the same picture, for the same talk). A copy,
    not a shared name: each submission owns its files, so nothing done to one report's photos
    (now or by a later clean-up) can reach another's, and the returned report stays exactly as
    it was sent."""
    for name in ("width", "height", "original_format", "original_name", "taken_at"):
        setattr(row, name, getattr(source, name))
    for name in ("date_mismatch", "phash", "band0", "band1", "band2", "band3"):
        setattr(row, name, getattr(source, name))
    row.duplicate_of_id = source.duplicate_of_id
    for field_name, filename in (("image", "photo.jpg"), ("thumbnail", "thumb.jpg")):
        with private_storage.open(getattr(source, field_name).name, "rb") as handle:
            getattr(row, field_name).save(filename, ContentFile(handle.read()), save=False)


def _drop_draft(draft: ReportDraft, journal, *, keep=frozenset()) -> None:
    """Delete a draft; the files of its photos go once the transaction commits, except those
    of `keep`, which a report's rows have taken over."""
    for photo in draft.photos.unrestricted():
        if photo.pk not in keep:
            journal.drop(photo.image.name)
            journal.drop(photo.thumbnail.name)
    draft.photos.unrestricted().delete()
    ReportDraft.objects.unrestricted().filter(pk=draft.pk).delete()


# Drafts -----------------------------------------------------------------------------------------


def save_draft(
    talk: Talk,
    *,
    students: int | None,
    teachers: int | None,
    others: int | None,
    account: str,
    photos: list[PhotoUpload],
    kept: Sequence[KeptPhoto] = (),
    acting_user,
) -> tuple[ReportDraft, list[str]]:
    """Save what is filled in so far as the talk's draft (one per talk): the audience and
    account as they are, the photos received. The draft then holds exactly `kept` (edited as
    given, each replacement in its place) and `photos`; any other photo it held goes. A photo
    the checks refuse is left out and named in the returned messages; the rest are saved.
    A draft is not a submission: nothing is counted, no reviewer is told."""
    talk = Talk.objects.unrestricted().get(pk=talk.pk)
    _check_reportable(talk)
    _check_fields(talk, students, teachers, others, account, photos, kept, final=False)
    _check_kept(talk, kept)
    replacements = [entry.replacement for entry in kept if entry.replacement is not None]
    refused = receive_photos([*replacements, *photos], talk=talk)
    received = [upload for upload in photos if upload.processed is not None]
    limit = settings.LAOMO_PHOTO_MAX_COUNT
    if len(kept) + len(received) > limit:
        raise TalkError(
            {
                "photos": [
                    _("一次最多上传{limit}张照片，本次{n}张").format(
                        limit=limit, n=len(kept) + len(received)
                    )
                ]
            }
        )
    with transaction.atomic():
        talk = Talk.objects.unrestricted().select_for_update().get(pk=talk.pk)
        _check_reportable(talk)
        draft, _created = ReportDraft.objects.unrestricted().get_or_create(talk=talk)
        draft.students, draft.teachers, draft.others = students, teachers, others
        draft.account = account.strip()
        draft.updated_by = acting_user if getattr(acting_user, "pk", None) else None
        draft.save()
        held = {photo.pk: photo for photo in draft.photos.unrestricted()}
        by_source = {photo.source_id: photo for photo in held.values() if photo.source_id}
        stays = set()
        with private_storage.journal() as journal:
            position = 0
            for entry in kept:
                upload = entry.replacement
                if upload is not None and upload.processed is not None:
                    photo = _received(draft, upload)
                elif isinstance(entry.photo, DraftPhoto):
                    photo = held.get(entry.photo.pk)
                    if photo is None:
                        continue  # removed meanwhile (another tab)
                elif entry.photo.pk in by_source:
                    photo = by_source[entry.photo.pk]
                else:
                    photo = DraftPhoto(draft=draft, source=entry.photo)
                photo.caption = entry.caption.strip()[:200]
                photo.shows_banner = entry.shows_banner
                photo.shows_lecturer = entry.shows_lecturer
                photo.shows_audience = entry.shows_audience
                photo.position = position
                photo.save()
                stays.add(photo.pk)
                position += 1
            for upload in received:
                photo = _received(draft, upload)
                photo.caption = upload.caption.strip()[:200]
                photo.shows_banner = upload.shows_banner
                photo.shows_lecturer = upload.shows_lecturer
                photo.shows_audience = upload.shows_audience
                photo.position = position
                photo.save()
                position += 1
            for pk, photo in held.items():
                if pk not in stays:
                    journal.drop(photo.image.name)
                    journal.drop(photo.thumbnail.name)
                    DraftPhoto.objects.unrestricted().filter(pk=pk).delete()
        record(
            AuditEntry.Action.UPDATE,
            actor=acting_user,
            obj=talk,
            data={"draft": _("保存报送草稿"), "photos": position},
        )
    return draft, refused


def _received(draft: ReportDraft, upload: PhotoUpload) -> DraftPhoto:
    processed = upload.processed
    photo = DraftPhoto(
        draft=draft,
        width=processed.width,
        height=processed.height,
        original_format=processed.original_format,
        original_name=_CONTROL.sub("", upload.filename)[:200],
        taken_at=processed.taken_at,
        phash=processed.phash,
    )
    photo.image.save("photo.jpg", ContentFile(processed.jpeg), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
    return photo


def draft_of(talk: Talk) -> ReportDraft | None:
    return ReportDraft.objects.unrestricted().filter(talk_id=talk.pk).first()


def _latest_report(talk: Talk) -> TalkReport | None:
    return talk.reports.unrestricted().order_by("-number").first()


@transaction.atomic
def accept_report(report: TalkReport, *, acting_user) -> TalkReport:
    report = (
        TalkReport.objects.unrestricted()
        .select_for_update()
        .select_related("talk")
        .get(pk=report.pk)
    )
    talk = report.talk
    _check_reviewable(report)
    report.status = ReportStatus.ACCEPTED
    report.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "decided_by", "decided_at"])
    _set_status(talk, Status.ACCEPTED, acting_user, report=report.number)
    if talk.school_id:
        record_reached(talk.school_id, talk.starts_on)
    notify(
        [*organiser_users(talk), *_submitter(report)],
        kind="accepted",
        title=_("资料已验收：{title}").format(title=talk.title),
        url=_talk_url(talk),
    )
    return report


@transaction.atomic
def return_report(report: TalkReport, *, reasons: str, acting_user) -> TalkReport:
    report = (
        TalkReport.objects.unrestricted()
        .select_for_update()
        .select_related("talk")
        .get(pk=report.pk)
    )
    talk = report.talk
    _check_reviewable(report)
    if not reasons.strip():
        raise TalkError({"reasons": [_("退回时请写明原因，便于对方修改后重新报送")]})
    report.status = ReportStatus.RETURNED
    report.return_reasons = reasons.strip()
    report.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "return_reasons", "decided_by", "decided_at"])
    _set_status(
        talk, Status.RETURNED, acting_user, report=report.number, reason=report.return_reasons
    )
    notify(
        [*organiser_users(talk), *_submitter(report)],
        kind="returned",
        title=_("资料被退回：{title}").format(title=talk.title),
        body=_("退回原因：{reasons}").format(reasons=report.return_reasons),
        action=_("请按退回原因修改后重新报送资料"),
        url=reverse("outreach:talk-report", args=[talk.pk]),
    )
    return report


@transaction.atomic
def record_consent(report: TalkReport, *, consent: bool, acting_user) -> TalkReport:
    """The hosting school's word on showing this submission's photos to the public: given (who,
    when) or withdrawn. Shown only once the report is accepted; a returned report's photos never
    are, so consent is not taken for one. Saying the same again changes nothing."""
    report = (
        TalkReport.objects.unrestricted()
        .select_for_update()
        .select_related("talk")
        .get(pk=report.pk)
    )
    if consent and report.status == ReportStatus.RETURNED:
        raise TalkError(_("这份报送已被退回，其照片不会公开展示；请对重新报送的资料表示同意"))
    if consent == (report.public_consent_at is not None):
        return report
    report.public_consent_at = timezone.now() if consent else None
    report.public_consent_by = acting_user if consent and getattr(acting_user, "pk", None) else None
    report.save(update_fields=["public_consent_at", "public_consent_by"])
    record(
        AuditEntry.Action.UPDATE,
        actor=acting_user,
        obj=report.talk,
        data={
            "report": report.number,
            "consent": _("同意公开展示照片") if consent else _("撤回公开展示照片的同意"),
        },
    )
    return report


def _check_reviewable(report: TalkReport) -> None:
    latest = _latest_report(report.talk)
    if report.status != ReportStatus.SUBMITTED or latest is None or latest.pk != report.pk:
        raise TalkError(_("这份报送已处理或已有更新的报送"))
    if report.talk.status != Status.REPORTED:
        raise TalkError(_("活动当前不在待验收状态"))


def _submitter(report: TalkReport):
    return [report.submitted_by] if report.submitted_by_id else []


# Reminders --------------------------------------------------------------------------------------


def send_reminders(now=None) -> dict[str, int]:
    """The daily reminders: a school two days before its talk; the organiser of a talk whose time
    has passed while it is still planned or confirmed (时间已过); the organiser of a talk held a
    week ago with no report. Each is sent once (however often this runs): the site message's key
    is the record that it was sent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts = {"upcoming": 0, "lapsed": 0, "overdue": 0}
    soon = today + timedelta(days=settings.LAOMO_REMIND_DAYS_BEFORE)
    upcoming = (
        Talk.objects.unrestricted()
        .filter(status__in=EDITABLE, archived_at__isnull=True, school__isnull=False)
        .filter(starts_at__date=soon)
        .select_related("school")
    )
    for talk in upcoming:
        counts["upcoming"] += notify(
            school_users(talk),
            kind="upcoming",
            title=_("{days}天后宣讲：{title}").format(
                days=settings.LAOMO_REMIND_DAYS_BEFORE, title=talk.title
            ),
            body=_("{when}在{where}。横幅文字：{banner}").format(
                when=_when(talk), where=_where_text(talk), banner=talk.banner_text
            ),
            action=_("请落实场地和横幅，组织好观众"),
            url=_talk_url(talk),
            key=f"upcoming:{talk.pk}:{talk.starts_at:%Y%m%d%H%M}",
        )
    lapsed = (
        Talk.objects.unrestricted()
        .current()
        .lapsed(now)
        .select_related("school", "base", "organiser_region")
    )
    for talk in lapsed:
        counts["lapsed"] += notify(
            organiser_users(talk),
            kind="lapsed",
            title=_("时间已过：{title}").format(title=talk.title),
            body=_("活动原定{span}在{place}，时间已过，状态仍为“{status}”。").format(
                span=_span(talk.starts_at, talk.ends_at),
                place=talk.place_name,
                status=talk.get_status_display(),
            ),
            action=_("如已举办，请标记已举办并报送资料；如未举办，请修改时间或取消"),
            url=_talk_url(talk),
            # once per talk and end time: a talk moved to a new date and lapsing again is told again
            key=f"lapsed:{talk.pk}:{talk.ends_at:%Y%m%d%H%M}",
        )
    overdue_before = now - timedelta(days=settings.LAOMO_REPORT_OVERDUE_DAYS)
    overdue = (
        Talk.objects.unrestricted()
        .filter(status__in=[Status.CONFIRMED, Status.HELD], archived_at__isnull=True)
        .filter(ends_at__lte=overdue_before, reports__isnull=True)
        .distinct()
    )
    for talk in overdue:
        counts["overdue"] += notify(
            organiser_users(talk),
            kind="overdue",
            title=_("请报送活动资料：{title}").format(title=talk.title),
            body=_("活动已于{when}举办，超过{days}天尚未报送照片和观众人数。").format(
                when=_when(talk), days=settings.LAOMO_REPORT_OVERDUE_DAYS
            ),
            action=_("请上传活动照片（横幅、宣讲员、观众）并填写观众人数"),
            url=reverse("outreach:talk-report", args=[talk.pk]),
            key=f"overdue:{talk.pk}",
        )
    return counts
