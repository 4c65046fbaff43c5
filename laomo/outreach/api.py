"""Talks in the API: list, create, change, and every step of their life, through the same
services as the pages. A broken rule answers 400 with the errors by field."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile
from ninja.pagination import paginate

from laomo.core.api import Id, Pages, text
from laomo.core.scoping import CHANGE, get_object_for_scope, refused
from laomo.outreach import services
from laomo.outreach.choices import Form as TalkForm
from laomo.outreach.choices import Level, OnlinePlatform, Place, Status, Venue
from laomo.outreach.models import Booking, ProgrammeYear, ReportPhoto, Talk
from laomo.people.models import Person
from laomo.regions.models import Organisation
from laomo.schools.models import School

router = Router(tags=["宣讲活动"])


class BookingOut(Schema):
    id: int
    person_id: int
    name: str
    status: str
    reason: str

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


class TalkOut(Schema):
    id: int
    title: str
    level: Level
    status: Status
    region_code: str
    organiser_region_code: str
    banner_text: str
    place: Place
    place_name: str
    school_id: int | None
    base_id: int | None
    online_platform: str
    special_name: str
    starts_at: datetime
    ends_at: datetime
    venue: Venue
    form: TalkForm
    form_other: str
    expected_audience: int
    funding: str
    cost: Decimal
    cancel_reason: str
    lecturers: list[BookingOut]

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_organiser_region_code(obj):
        return obj.organiser_region.code

    @staticmethod
    def resolve_banner_text(obj, context):
        _prime_programme(obj, context["request"] if context else None)
        return obj.banner_text

    @staticmethod
    def resolve_funding(obj):
        return str(obj.funding)

    @staticmethod
    def resolve_lecturers(obj):
        return list(obj.bookings.all())


def _prime_programme(talk: Talk, request) -> None:
    """A year's banner settings for every city are read once per request, in one query, not once
    per talk or per city: a national page holds the talks of dozens of cities."""
    if request is None or "programme" in talk.__dict__:
        return
    years = request.__dict__.setdefault("_laomo_programmes", {})
    city = talk.region.city
    year = timezone.localtime(talk.starts_at).year
    if year not in years:
        years[year] = {saved.city_id: saved for saved in ProgrammeYear.objects.filter(year=year)}
    saved = years[year].get(city.pk)
    if saved is not None:
        saved.city = city  # the banner names the city: no query to read it again
    talk.__dict__["programme"] = saved or ProgrammeYear.default(city, year)  # the cached_property


class TalkIn(Schema):
    """The same bounds as the page's form (and the database's columns)."""

    title: text(120, min_length=1)
    starts_at: datetime
    ends_at: datetime
    venue: Venue
    form: TalkForm
    lecturer_ids: list[Id] = Field(max_length=50)
    place: Place = Place.SCHOOL
    school_id: Id | None = None
    base_id: Id | None = None
    online_platform: OnlinePlatform | None = None
    special_name: text(60) = ""
    form_other: text(60) = ""
    expected_audience: int = Field(0, ge=0, le=100000)
    cost: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    note: text() = ""


class Errors(Schema):
    detail: str
    errors: dict[str, list[str]]


class ReasonIn(Schema):
    reason: text(200) = ""


class RespondIn(Schema):
    accept: bool
    reason: text(200) = ""


class ReportOut(Schema):
    id: int
    talk_id: int
    number: int
    status: str
    students: int
    teachers: int
    others: int
    audience: int
    account: str
    photo_count: int
    photo_ids: list[int]

    @staticmethod
    def resolve_photo_count(obj):
        # The report was reached through a talk in the caller's scope; its photos are too.
        return obj.photos.unrestricted().count()

    @staticmethod
    def resolve_photo_ids(obj):
        """In order; a resubmission names those it keeps (`keep`) instead of sending them."""
        return list(
            obj.photos.unrestricted().order_by("position", "pk").values_list("pk", flat=True)
        )


def _talks(request):
    return (
        Talk.objects.restrict(request.scope)
        .select_related("region", "region__parent", "organiser_region", "school", "base")
        .prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.unrestricted().select_related("person"))
        )
    )


def _refused(exc: services.TalkError):
    return Reply(
        400,
        {
            "detail": str(exc),
            "errors": {name or "__all__": messages for name, messages in exc.errors.items()},
        },
    )


def _plan(request, data: TalkIn) -> services.TalkPlan:
    scope = request.scope
    people = {
        p.pk: p for p in Person.objects.restrict(scope, "invite").filter(pk__in=data.lecturer_ids)
    }
    missing = [pk for pk in data.lecturer_ids if pk not in people]
    if missing:
        raise services.TalkError(
            {"lecturer_ids": [f"不能邀请编号为 {', '.join(map(str, missing))} 的宣讲员"]}
        )
    school = base = None
    if data.school_id is not None:
        school = School.objects.restrict(scope).filter(pk=data.school_id).first()
        if school is None:
            raise services.TalkError({"school_id": ["学校不存在或不在您的范围内"]})
    if data.base_id is not None:
        base = (
            Organisation.objects.restrict(scope)
            .filter(pk=data.base_id, kind="practice_base")
            .first()
        )
        if base is None:
            raise services.TalkError({"base_id": ["实践基地不存在或不在您的范围内"]})
    return services.TalkPlan(
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        venue=data.venue,
        form=data.form,
        lecturers=[people[pk] for pk in data.lecturer_ids],
        place=data.place,
        school=school,
        base=base,
        online_platform=data.online_platform or "",
        special_name=data.special_name,
        form_other=data.form_other,
        expected_audience=data.expected_audience,
        cost=data.cost,
        note=data.note,
    )


_FIELD_NAMES = {"lecturers": "lecturer_ids", "school": "school_id", "base": "base_id"}


def _api_errors(exc: services.TalkError) -> services.TalkError:
    return services.TalkError({_FIELD_NAMES.get(k, k): v for k, v in exc.errors.items()})


@router.get("talks", response=list[TalkOut], summary="宣讲活动列表")
@paginate(Pages)
def list_talks(
    request: HttpRequest,
    status: Status | None = None,
    level: Level | None = None,
    region: str | None = None,
    since: date | None = None,
    until: date | None = None,
):
    """region 为区划代码（举办地或统筹区划，含下级）；since/until 按活动日期筛选。"""
    queryset = _talks(request).current()
    if status:
        queryset = queryset.filter(status=status)
    if level:
        queryset = queryset.filter(level=level)
    if region:
        queryset = queryset.filter(region__path__contains=f"/{region}/")
    if since:
        queryset = queryset.filter(starts_on__gte=since)
    if until:
        queryset = queryset.filter(starts_on__lte=until)
    return queryset


@router.get("talks/{talk_id}", response=TalkOut, summary="宣讲活动详情")
def get_talk(request: HttpRequest, talk_id: int):
    return get_object_for_scope(_talks(request), request.scope, pk=talk_id)


@router.post(
    "talks", response={201: TalkOut, 400: Errors}, summary="安排宣讲活动（学校为自行邀请）"
)
def create_talk(request: HttpRequest, data: TalkIn):
    scope = request.scope
    if not (scope.can("talks.change") or scope.can("talks.invite")):
        raise refused(scope, "talks.invite")
    try:
        outcome = services.plan_talk(_plan(request, data), scope=scope, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(_api_errors(exc))
    return Reply(201, _talks(request).get(pk=outcome.talk.pk))


@router.put("talks/{talk_id}", response={200: TalkOut, 400: Errors}, summary="修改宣讲活动")
def update_talk(request: HttpRequest, talk_id: int, data: TalkIn):
    talk = get_object_for_scope(Talk.objects, request.scope, CHANGE, pk=talk_id)
    try:
        services.update_talk(
            talk, _plan(request, data), scope=request.scope, acting_user=request.user
        )
    except services.TalkError as exc:
        return _refused(_api_errors(exc))
    return _talks(request).get(pk=talk.pk)


@router.post("talks/{talk_id}/cancel", response={200: TalkOut, 400: Errors}, summary="取消活动")
def cancel_talk(request: HttpRequest, talk_id: int, data: ReasonIn):
    talk = get_object_for_scope(Talk.objects, request.scope, CHANGE, pk=talk_id)
    try:
        services.cancel_talk(talk, reason=data.reason, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(exc)
    return _talks(request).get(pk=talk.pk)


@router.post("talks/{talk_id}/held", response={200: TalkOut, 400: Errors}, summary="标记为已举办")
def mark_held(request: HttpRequest, talk_id: int):
    talk = get_object_for_scope(Talk.objects, request.scope, CHANGE, pk=talk_id)
    try:
        services.mark_held(talk, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(exc)
    return _talks(request).get(pk=talk.pk)


@router.post(
    "talks/{talk_id}/bookings/{booking_id}/respond",
    response={200: TalkOut, 400: Errors},
    summary="宣讲员确认或婉拒（组织者可代为答复）",
)
def respond(request: HttpRequest, talk_id: int, booking_id: int, data: RespondIn):
    scope = request.scope
    talk = get_object_for_scope(Talk.objects, scope, "respond", pk=talk_id)
    booking = talk.bookings.unrestricted().filter(pk=booking_id).first()
    if booking is None or (scope.is_lecturer and booking.person_id != scope.person_id):
        raise Http404
    try:
        services.respond(booking, accept=data.accept, reason=data.reason, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(exc)
    return _talks(request).get(pk=talk.pk)


@router.post(
    "talks/{talk_id}/report",
    response={201: ReportOut, 400: Errors},
    summary="报送活动资料（multipart：观众人数、活动情况、照片）",
)
def submit_report(
    request: HttpRequest,
    talk_id: int,
    students: Form[int],
    teachers: Form[int],
    others: Form[int],
    account: Form[str],
    photos: File[list[UploadedFile]] = None,
    captions: Form[list[str]] = None,
    shows: Form[list[str]] = None,
    keep: Form[list[Id]] = None,
):
    """photos 可多张；captions 与 shows 按照片顺序一一对应，shows 的每一项是以逗号分隔的
    banner、lecturer、audience（如 "banner,audience"）。重新报送被退回的资料时，keep 列出上次报送中
    沿用的照片编号（连同原来的说明和勾选，不必再传），它们排在新照片之前。违反任何一条规则返回 400
    及逐项错误。"""
    talk = get_object_for_scope(Talk.objects, request.scope, "report", pk=talk_id)
    captions, shows = captions or [], shows or []
    kept = [
        services.KeptPhoto.as_it_was(photo)
        for photo in ReportPhoto.objects.restrict(request.scope).filter(
            report__talk=talk, pk__in=keep or []
        )
    ]
    if len(kept) != len(set(keep or [])):
        found = {entry.photo.pk for entry in kept}
        missing = "、".join(str(pk) for pk in sorted(set(keep) - found))
        return _refused(
            services.TalkError({"keep": [f"编号为 {missing} 的照片不属于本次活动，不能沿用"]})
        )
    uploads = []
    for index, upload in enumerate(photos or []):
        flags = set((shows[index] if index < len(shows) else "").replace(" ", "").split(","))
        uploads.append(
            services.PhotoUpload(
                data=upload.read(),
                filename=upload.name or "",
                caption=captions[index] if index < len(captions) else "",
                shows_banner="banner" in flags,
                shows_lecturer="lecturer" in flags,
                shows_audience="audience" in flags,
            )
        )
    try:
        report = services.submit_report(
            talk,
            students=students,
            teachers=teachers,
            others=others,
            account=account,
            photos=uploads,
            kept=sorted(kept, key=lambda entry: (entry.photo.position, entry.photo.pk)),
            acting_user=request.user,
        )
    except services.TalkError as exc:
        return _refused(exc)
    return Reply(201, report)


class ReviewIn(Schema):
    reasons: text() = ""


def _report_for_review(request, talk_id: int, report_id: int):
    talk = get_object_for_scope(Talk.objects, request.scope, "review", pk=talk_id)
    report = talk.reports.unrestricted().filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


@router.post(
    "talks/{talk_id}/reports/{report_id}/accept",
    response={200: ReportOut, 400: Errors},
    summary="验收通过（市总工会宣教部、市教育体育局）",
)
def accept_report(request: HttpRequest, talk_id: int, report_id: int):
    report = _report_for_review(request, talk_id, report_id)
    try:
        return services.accept_report(report, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(exc)


@router.post(
    "talks/{talk_id}/reports/{report_id}/return",
    response={200: ReportOut, 400: Errors},
    summary="退回并说明原因",
)
def return_report(request: HttpRequest, talk_id: int, report_id: int, data: ReviewIn):
    report = _report_for_review(request, talk_id, report_id)
    try:
        return services.return_report(report, reasons=data.reasons, acting_user=request.user)
    except services.TalkError as exc:
        return _refused(exc)
