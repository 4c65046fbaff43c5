"""Every change to a talk, from plan to accepted report. Pages, the API and commands call these
functions, so each rule of the programme is enforced once, and each change is audited."""

from __future__ import annotations

import re
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
from laomo.core.roles import CITY_ROLES, COUNTY_ROLES, Role
from laomo.core.scoping import Scope
from laomo.notices.services import notify
from laomo.outreach import photos as photo_checks
from laomo.outreach.choices import BookingStatus, Level, Place, ReportStatus, Status
from laomo.outreach.models import Booking, ReportPhoto, Talk, TalkReport, private_storage
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


def _same_school_warning(talk: Talk) -> list[str]:
    if not talk.school_id:
        return []
    recent = (
        Talk.objects.unrestricted()
        .filter(
            school_id=talk.school_id,
            starts_at__gte=talk.starts_at - SAME_SCHOOL_WINDOW,
            starts_at__lt=talk.starts_at,
            archived_at__isnull=True,
        )
        .exclude(status=Status.CANCELLED)
        .exclude(pk=talk.pk)
        .order_by("-starts_at")
        .first()
    )
    if recent is None:
        return []
    return [
        _("提示：{school}在30天内（{date}）已有一场宣讲活动“{title}”，请注意统筹安排").format(
            school=talk.school.name,
            date=f"{timezone.localtime(recent.starts_at):%Y年%-m月%-d日}",
            title=recent.title,
        )
    ]


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
    return Outcome(talk, _same_school_warning(talk))


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
        body=_("{when}在{place}，请确认是否参加。").format(when=_when(talk), place=talk.place_name),
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
    _settle(talk, acting_user)
    return Outcome(talk, _same_school_warning(talk))


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
    if not accept:
        notify(
            organiser_users(talk),
            kind="declined",
            title=_("{name}婉拒了“{title}”").format(name=booking.person.name, title=talk.title),
            body=_("原因：{reason}").format(reason=booking.reason),
            url=_talk_url(talk),
        )
    _settle(talk, acting_user)
    return booking


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
    notify(
        [*lecturer_users(talk), *school_users(talk)],
        kind="cancelled",
        title=_("活动已取消：{title}").format(title=talk.title),
        body=_("原定{when}。取消原因：{reason}").format(
            when=_when(talk), reason=talk.cancel_reason
        ),
        url=_talk_url(talk),
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
    students: int,
    teachers: int,
    others: int,
    account: str,
    photos: list[PhotoUpload],
    acting_user,
) -> TalkReport:
    """File the report of a talk that has taken place (or resubmit a returned one). Every rule
    is checked before anything is written; the errors say which field broke which rule.

    The photos are checked and re-encoded first, outside the transaction: for a phone's photos
    that takes seconds, during which no lock is held (on SQLite, the whole database's). The
    transaction then checks the talk again under its lock and writes the report, the photo rows
    and their files (journaled: a crash leaves none without its row, see laomo.core.files)."""
    talk = Talk.objects.unrestricted().get(pk=talk.pk)
    _check_reportable(talk)
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
    if "\x00" in account or any("\x00" in upload.caption for upload in photos):
        raise TalkError({"account": [_("活动情况和图片说明不能含有空字符")]})
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
    processed = _check_photos(talk, photos, errors)
    if errors:
        raise TalkError(errors)
    return _file_report(
        talk,
        counts=(students or 0, teachers or 0, others or 0),
        account=account.strip(),
        processed=processed,
        acting_user=acting_user,
    )


def _check_reportable(talk: Talk) -> None:
    if talk.status not in REPORTABLE:
        raise TalkError(_("“{status}”的活动不能报送资料").format(status=talk.get_status_display()))
    if talk.starts_at > timezone.now():
        raise TalkError(_("活动尚未开始，不能报送资料"))


@transaction.atomic
def _file_report(talk: Talk, *, counts, account: str, processed, acting_user) -> TalkReport:
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
    with private_storage.journal():
        for position, (upload, photo) in enumerate(processed):
            row = ReportPhoto(
                report=report,
                width=photo.width,
                height=photo.height,
                original_format=photo.original_format,
                original_name=_CONTROL.sub("", upload.filename)[:200],
                caption=(upload.caption.strip() or default_caption(talk))[:200],
                shows_banner=upload.shows_banner,
                shows_lecturer=upload.shows_lecturer,
                shows_audience=upload.shows_audience,
                taken_at=photo.taken_at,
                date_mismatch=photo_checks.capture_date_mismatch(photo.taken_at, talk),
                phash=photo.phash,
                duplicate_of=photo_checks.find_near_duplicate(photo.phash, exclude_talk_id=talk.pk),
                position=position,
                **dict(
                    zip(
                        ("band0", "band1", "band2", "band3"),
                        photo_checks.bands(photo.phash),
                        strict=True,
                    )
                ),
            )
            row.image.save("photo.jpg", ContentFile(photo.jpeg), save=False)
            row.thumbnail.save("thumb.jpg", ContentFile(photo.thumbnail), save=False)
            row.save()
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
        url=_talk_url(talk),
    )
    return report


def _check_photos(talk: Talk, photos: list[PhotoUpload], errors) -> list:
    limit = settings.LAOMO_PHOTO_MAX_COUNT
    if not photos:
        errors.setdefault("photos", []).append(_("请上传活动照片"))
        return []
    if len(photos) > limit:
        message = _("一次最多上传{limit}张照片，本次{n}张").format(limit=limit, n=len(photos))
        errors.setdefault("photos", []).append(message)
        record_refusal(None, Refusal.UPLOAD, obj=talk, detail=message)
        return []
    processed = []
    for upload in photos:
        try:
            processed.append(
                (upload, photo_checks.process_photo(upload.data, filename=upload.filename))
            )
        except photo_checks.PhotoError as exc:
            errors.setdefault("photos", []).append(str(exc))
            record_refusal(
                None,
                Refusal.UPLOAD,
                obj=talk,
                detail=str(exc),
                data={"filename": upload.filename[:200]},
            )
    for flag, label in (
        ("shows_banner", _("横幅")),
        ("shows_lecturer", _("宣讲员")),
        ("shows_audience", _("观众")),
    ):
        if not any(getattr(upload, flag) for upload in photos):
            errors.setdefault("photos", []).append(
                _("照片中须有一张拍到{what}（请在对应照片上勾选“含{what}”）").format(what=label)
            )
    return processed


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
        url=_talk_url(talk),
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
    """The daily reminders: a school two days before its talk; the organiser of a talk held a
    week ago with no report. Each is sent once (however often this runs)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts = {"upcoming": 0, "overdue": 0}
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
            body=_("{when}，请准备场地和横幅：{banner}").format(
                when=_when(talk), banner=talk.banner_text
            ),
            url=_talk_url(talk),
            key=f"upcoming:{talk.pk}:{talk.starts_at:%Y%m%d%H%M}",
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
            url=_talk_url(talk),
            key=f"overdue:{talk.pk}",
        )
    return counts
