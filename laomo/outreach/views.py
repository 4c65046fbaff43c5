from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Prefetch, Sum, When, Window
from django.db.models.functions import RowNumber
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core import services as core
from laomo.core.scoping import CHANGE, VIEW, get_object_for_scope, refused
from laomo.core.views import ObjectListView, ScopedViewMixin
from laomo.notices.models import Notification
from laomo.notices.services import mark_read
from laomo.outreach import services
from laomo.outreach.choices import BookingStatus, ReportStatus, Status
from laomo.outreach.documents import lecturer_names
from laomo.outreach.filters import CalendarFilterForm, TalkFilterSet
from laomo.outreach.forms import (
    ConsentForm,
    ProgrammeYearForm,
    ReasonForm,
    ReportForm,
    RespondForm,
    ReviewForm,
    TalkForm,
    posted_photos,
)
from laomo.outreach.models import (
    Booking,
    DraftPhoto,
    ProgrammeYear,
    ReportDraft,
    ReportPhoto,
    Talk,
    private_storage,
)
from laomo.outreach.todo import invitations_to_answer
from laomo.people.models import Person


def _talks(scope, action=VIEW):
    return Talk.objects.restrict(scope, action)


def _can(scope, action: str, talk: Talk) -> bool:
    return _talks(scope, action).filter(pk=talk.pk).exists()


class TalkListView(ObjectListView):
    model = Talk
    permission = "talks.view"
    filterset_class = TalkFilterSet
    template_name = "outreach/talk_list.html"
    page_fields = (
        *("title", "starts_at", "ends_at", "level", "status", "is_demo", "archived_at"),
        *("place", "online_platform", "school", "base", "region"),
        *("school__name", "base__name", "region__name"),
    )

    def get_queryset(self):
        return super().get_queryset().select_related("region", "school", "base")

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in ("xlsx", "docx", "pdf") and request.scope.can("talks.export"):
            return self.export(request, export)
        return super().get(request, *args, **kwargs)

    def export(self, request, kind: str):
        """The 台账 (Excel) or the 图片资料 (Word, PDF) of the talks as filtered on the page."""
        from laomo.outreach.documents import DocumentError, PhotoSheet, TalkLedgerExporter

        queryset = self.get_queryset()
        data = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        region = data.get("region") or request.scope.region
        period = (data.get("since"), data.get("until"))
        if kind == "xlsx":
            document = TalkLedgerExporter(
                queryset, scope=request.scope, region=region, period=period
            )
            response, filename = document.response(), document.filename
        else:
            title = _("{region}“劳模工匠进校园”宣讲活动图片资料").format(region=region.name)
            document = PhotoSheet(queryset, title=title, period=period)
            try:
                response, filename = document.response(kind), document.filename(kind)
            except DocumentError as exc:
                return document_unavailable(request, exc, back=request.path)
        record(
            AuditEntry.Action.EXPORT,
            actor=request.user,
            region=region,
            object_type="outreach.talk",
            object_repr=filename,
            data={"filename": filename},
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_lecturer_names(context["object_list"])
        scope = self.request.scope
        context.update(
            can_create=scope.can("talks.change") or scope.can("talks.invite"),
            can_export=scope.can("talks.export"),
        )
        return context


def document_unavailable(request, error: Exception, *, back: str) -> HttpResponse:
    """A document this server cannot draw (no Chinese font): the reason in plain Chinese, and
    what the administrator must do, instead of the generic error page. 503: the page is fine,
    the server lacks something."""
    return render(
        request,
        "outreach/document_unavailable.html",
        {"message": str(error), "back": back},
        status=503,
    )


def attach_lecturer_names(talks) -> None:
    """`talk.lecturer_names` for a page of talks, in one query of names: the bookings as model
    instances, each with its person, cost more than the rest of the page's rows."""
    bookings = defaultdict(list)
    if talks:
        rows = (
            Booking.objects.unrestricted()  # the bookings of talks the page already restricted
            .filter(talk_id__in=[talk.pk for talk in talks])
            .order_by("id")
            .values_list("talk_id", "status", "person__name")
        )
        for talk_id, status, name in rows:
            bookings[talk_id].append((status, name))
    for talk in talks:
        talk.lecturer_names = lecturer_names(bookings[talk.pk])


class TalkDetailView(ScopedViewMixin, View):
    model = Talk
    permission = "talks.view"
    template_name = "outreach/talk_detail.html"

    def get(self, request, pk, **extra):
        return render(request, self.template_name, self.context(request, pk, **extra))

    def context(self, request, pk, **extra) -> dict:
        scope = request.scope
        talk = get_object_for_scope(
            Talk.objects.select_related(
                "region__parent", "organiser_region", "school__region", "base"
            ),
            scope,
            pk=pk,
        )
        bookings = list(talk.bookings.unrestricted().select_related("person", "responded_by"))
        reports = list(
            talk.reports.unrestricted()
            .select_related("submitted_by", "decided_by", "public_consent_by")
            .prefetch_related(
                Prefetch(
                    "photos",
                    queryset=ReportPhoto.objects.unrestricted().select_related(
                        "duplicate_of__report__talk"
                    ),
                )
            )
            .order_by("-number")
        )
        can_archive = _can(scope, CHANGE, talk)
        can_change = can_archive and not talk.is_archived
        can_respond_all = can_change
        own_person = scope.person_id
        context = {
            "talk": talk,
            "object": talk,
            "bookings": bookings,
            "reports": reports,
            "organisers": talk.organiser_list,
            "can_archive": can_archive,
            "can_change": can_change and talk.status in (Status.PLANNED, Status.CONFIRMED),
            "can_hold": can_change
            and talk.status == Status.CONFIRMED
            and talk.starts_at <= timezone.now(),
            "can_report": _can(scope, "report", talk)
            and not talk.is_archived
            and talk.status in services.REPORTABLE
            and talk.starts_at <= timezone.now(),
            "can_review": _can(scope, "review", talk)
            and not talk.is_archived
            and talk.status == Status.REPORTED,
            "respondable": [
                booking
                for booking in bookings
                if talk.status in (Status.PLANNED, Status.CONFIRMED)
                and (can_respond_all or booking.person_id == own_person)
                and booking.status != BookingStatus.DECLINED
            ],
            "visible_talks": set(
                _talks(scope)
                .filter(
                    pk__in=[
                        p.duplicate_of.report.talk_id
                        for r in reports
                        for p in r.photos.all()
                        if p.duplicate_of
                    ]
                )
                .values_list("pk", flat=True)
            ),
            "can_consent": _can(scope, "consent", talk),
            # Those who file the report see its draft; reviewers never do.
            "draft": ReportDraft.objects.restrict(scope).filter(talk=talk).first(),
            "respond_form": RespondForm(),
            "reason_form": ReasonForm(),
            "review_form": ReviewForm(),
        }
        context.update(extra)
        return context


class TalkEditView(View):
    """Plan a talk (no pk) or change one (pk)."""

    template_name = "outreach/talk_form.html"

    def dispatch(self, request, *args, **kwargs):
        scope = request.scope
        if not (scope.can("talks.change") or scope.can("talks.invite")):
            raise refused(scope, "talks.invite")
        self.talk = None
        if "pk" in kwargs:
            self.talk = get_object_for_scope(Talk.objects, scope, CHANGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk=None):
        return self.show(TalkForm(scope=request.scope, talk=self.talk))

    def post(self, request, pk=None):
        form = TalkForm(request.POST, scope=request.scope, talk=self.talk)
        if form.is_valid():
            try:
                if self.talk is None:
                    outcome = services.plan_talk(
                        form.plan(), scope=request.scope, acting_user=request.user
                    )
                    messages.success(request, _("已登记宣讲活动，已通知宣讲员确认"))
                else:
                    outcome = services.update_talk(
                        self.talk, form.plan(), scope=request.scope, acting_user=request.user
                    )
                    messages.success(request, _("已保存修改"))
            except services.TalkError as exc:
                form.add_service_errors(exc.errors)
            else:
                for warning in outcome.warnings:
                    messages.warning(request, warning)
                return HttpResponseRedirect(outcome.talk.get_absolute_url())
        return self.show(form)

    def show(self, form):
        return render(self.request, self.template_name, {"form": form, "talk": self.talk})


class TalkActionView(View):
    """POST-only actions on one talk, each through its service; a refused rule comes back as a
    message on the talk's page."""

    action = VIEW

    def dispatch(self, request, *args, **kwargs):
        self.talk = get_object_for_scope(Talk.objects, request.scope, self.action, pk=kwargs["pk"])
        if (refusal := self.refusal()) is not None:
            messages.error(request, refusal)
            return HttpResponseRedirect(self.talk.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def refusal(self) -> str | None:
        """Why this action cannot be taken on this talk now, if it cannot."""
        return None

    def done(self, message: str):
        messages.success(self.request, message)
        return HttpResponseRedirect(self.talk.get_absolute_url())

    def refused(self, exc: services.TalkError):
        for message in (m for ms in exc.errors.values() for m in ms):
            messages.error(self.request, message)
        return HttpResponseRedirect(self.talk.get_absolute_url())


class CancelTalkView(TalkActionView):
    action = CHANGE

    def post(self, request, pk):
        form = ReasonForm(request.POST)
        reason = form.data.get("reason", "")
        try:
            services.cancel_talk(self.talk, reason=reason, acting_user=request.user)
        except services.TalkError as exc:
            return self.refused(exc)
        return self.done(_("活动已取消，已通知宣讲员和学校"))


class HeldTalkView(TalkActionView):
    action = CHANGE

    def post(self, request, pk):
        try:
            services.mark_held(self.talk, acting_user=request.user)
        except services.TalkError as exc:
            return self.refused(exc)
        return self.done(_("已标记为已举办，请及时报送活动资料"))


class RespondView(TalkActionView):
    """A lecturer answers their own invitation; the organiser may answer for them."""

    action = "respond"

    def post(self, request, pk, booking_pk):
        booking = self.talk.bookings.unrestricted().filter(pk=booking_pk).first()
        scope = request.scope
        if booking is None or (scope.is_lecturer and booking.person_id != scope.person_id):
            raise Http404
        form = RespondForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择确认参加或婉拒"))
            return HttpResponseRedirect(self.talk.get_absolute_url())
        try:
            services.respond(
                booking,
                accept=form.cleaned_data["accept"],
                reason=form.cleaned_data.get("reason", ""),
                acting_user=request.user,
            )
        except services.TalkError as exc:
            return self.refused(exc)
        if form.cleaned_data["accept"]:
            return self.done(_("已确认参加"))
        return self.done(_("已婉拒，已通知组织者"))


@dataclass
class ShownPhoto:
    """A photo already on the server as the report form shows it: a thumbnail, its caption and
    marks, under the key the form sends back (see `posted_photos`)."""

    key: str
    thumbnail_url: str
    caption: str
    shows_banner: bool
    shows_lecturer: bool
    shows_audience: bool
    name: str = ""

    @classmethod
    def of(cls, key: str, photo, thumbnail_url: str) -> ShownPhoto:
        return cls(
            key,
            thumbnail_url,
            photo.caption,
            photo.shows_banner,
            photo.shows_lecturer,
            photo.shows_audience,
            getattr(photo, "original_name", ""),
        )


class ReportView(TalkActionView):
    """File the report of a talk: audience, account and photos (phones welcome). The form
    starts from the talk's draft, or else from its returned report, so that only what was wrong
    is done again; photos already received are never asked for twice."""

    action = "report"
    template_name = "outreach/report_form.html"

    def refusal(self) -> str | None:
        if self.talk.status not in services.REPORTABLE:
            return _("“{status}”的活动不能报送资料").format(status=self.talk.get_status_display())
        if self.talk.starts_at > timezone.now():
            return _("活动尚未开始，不能报送资料")
        return None

    def get(self, request, pk):
        draft = self.draft()
        start = draft or self.returned()
        initial = {}
        if start is not None:
            initial = {
                name: getattr(start, name) for name in ("students", "teachers", "others", "account")
            }
        return self.show(ReportForm(initial=initial))

    def post(self, request, pk):
        form = ReportForm(request.POST)
        posted, uploads = posted_photos(request.POST, request.FILES)
        kept = self.kept(posted)
        filled = form.filled()
        if request.POST.get("action") == "draft":
            try:
                _draft, refused = services.save_draft(
                    self.talk, **filled, photos=uploads, kept=kept, acting_user=request.user
                )
            except services.TalkError as exc:
                return self.show(form, errors=exc.errors, status=400)
            for message in refused:
                messages.error(request, message)
            if form.errors:
                messages.warning(request, _("草稿已保存，标出错误的几项未保存，请改正"))
                return self.show(form, status=400)
            messages.success(request, _("草稿已保存：已收到的照片不必再传，可随时回来继续填写"))
            return HttpResponseRedirect(request.path)
        errors: dict[str, list[str]] = {}
        if form.is_valid():
            try:
                services.submit_report(
                    self.talk, **filled, photos=uploads, kept=kept, acting_user=request.user
                )
            except services.TalkError as exc:
                errors = exc.errors
            else:
                return self.done(_("活动资料已报送市总工会宣教部和市教育体育局，等待验收"))
        return self.keep_received(form, filled, uploads, kept, errors)

    def keep_received(self, form, filled, uploads, kept, errors):
        """A submission refused for a field: the photos received with it are kept in the
        draft, with the fields as they were, and the form comes back showing them."""
        refused = services.receive_photos(
            [*uploads, *(entry.replacement for entry in kept if entry.replacement)],
            talk=self.talk,
        )
        photo_errors = errors.setdefault("photos", [])
        photo_errors += [message for message in refused if message not in photo_errors]
        received = any(upload.processed for upload in uploads) or any(
            entry.replacement and entry.replacement.processed for entry in kept
        )
        if received or kept or self.draft() is not None:
            try:
                services.save_draft(
                    self.talk, **filled, photos=uploads, kept=kept, acting_user=self.request.user
                )
            except services.TalkError as exc:
                for name, found in exc.errors.items():
                    listed = errors.setdefault(name, [])
                    listed += [message for message in found if message not in listed]
        if not errors["photos"]:
            del errors["photos"]
        return self.show(form, errors=errors, status=400)

    def kept(self, posted) -> list[services.KeptPhoto]:
        """The photos already on the server that the form keeps, as the person edited them;
        a draft's photo the form did not mention (another tab saved it) is kept as it is."""
        scope = self.request.scope
        draft = self.draft()
        drafts = {}
        if draft is not None:
            drafts = {
                f"d{photo.pk}": photo
                for photo in DraftPhoto.objects.restrict(scope).filter(draft=draft)
            }
        returned = self.returned()
        earlier = {}
        if returned is not None:
            earlier = {
                f"r{photo.pk}": photo
                for photo in ReportPhoto.objects.restrict(scope).filter(report=returned)
            }
        kept, mentioned = [], set()
        for row in posted:
            photo = drafts.get(row.key) or earlier.get(row.key)
            if photo is None:
                continue  # not this talk's, or no longer there
            mentioned.add(row.key)
            if row.remove and row.replacement is None:
                continue
            kept.append(
                services.KeptPhoto(
                    photo,
                    caption=row.caption,
                    shows_banner=row.marks["banner"],
                    shows_lecturer=row.marks["lecturer"],
                    shows_audience=row.marks["audience"],
                    replacement=row.replacement,
                )
            )
        kept += [
            services.KeptPhoto.as_it_was(photo)
            for key, photo in drafts.items()
            if key not in mentioned
        ]
        return kept

    def draft(self):
        return ReportDraft.objects.restrict(self.request.scope).filter(talk=self.talk).first()

    def returned(self):
        """The talk's latest report, if it came back: the start of the resubmission."""
        latest = self.talk.reports.unrestricted().order_by("-number").first()
        return latest if latest is not None and latest.status == ReportStatus.RETURNED else None

    def shown_photos(self, draft, returned) -> list[ShownPhoto]:
        if draft is not None:
            shown = []
            for photo in draft.photos.unrestricted().order_by("position", "pk"):
                if photo.image:
                    url = reverse("outreach:draft-photo-thumb", args=[photo.pk])
                else:
                    url = reverse("outreach:photo-thumb", args=[photo.source_id])
                shown.append(ShownPhoto.of(f"d{photo.pk}", photo, url))
            return shown
        if returned is not None:
            return [
                ShownPhoto.of(
                    f"r{photo.pk}", photo, reverse("outreach:photo-thumb", args=[photo.pk])
                )
                for photo in returned.photos.unrestricted().order_by("position", "pk")
            ]
        return []

    def show(self, form, errors=None, status=200):
        draft, returned = self.draft(), self.returned()
        caption = services.default_caption(self.talk)
        return render(
            self.request,
            self.template_name,
            {
                "talk": self.talk,
                "form": form,
                "shown_photos": self.shown_photos(draft, returned),
                "errors": errors or {},
                "min_audience": self.talk.programme.min_audience,
                "default_caption": caption,
                "returned": returned,
                "draft": draft,
                "max_photos": settings.LAOMO_PHOTO_MAX_COUNT,
            },
            status=status,
        )


class ReviewView(TalkActionView):
    action = "review"

    def post(self, request, pk, report_pk):
        report = self.talk.reports.unrestricted().filter(pk=report_pk).first()
        if report is None:
            raise Http404
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择验收通过或退回"))
            return HttpResponseRedirect(self.talk.get_absolute_url())
        try:
            if form.cleaned_data["decision"] == "accept":
                services.accept_report(report, acting_user=request.user)
                return self.done(_("已验收"))
            services.return_report(
                report, reasons=form.cleaned_data["reasons"], acting_user=request.user
            )
        except services.TalkError as exc:
            return self.refused(exc)
        return self.done(_("已退回，已通知报送人修改后重新报送"))


class ConsentView(TalkActionView):
    """The hosting school consents to the public showcase of a report's photos, or withdraws."""

    action = "consent"

    def post(self, request, pk, report_pk):
        report = self.talk.reports.unrestricted().filter(pk=report_pk).first()
        if report is None:
            raise Http404
        form = ConsentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择同意公开展示或撤回同意"))
            return HttpResponseRedirect(self.talk.get_absolute_url())
        consent = form.cleaned_data["consent"]
        try:
            services.record_consent(report, consent=consent, acting_user=request.user)
        except services.TalkError as exc:
            return self.refused(exc)
        if consent:
            return self.done(_("已记录学校的同意：资料验收通过后，照片将在公开展示页展示"))
        return self.done(_("已撤回同意：照片不再公开展示"))


class BannerView(TalkActionView):
    """The banner as a print-ready PDF (a long strip, 1:10)."""

    def get(self, request, pk):
        from laomo.outreach.documents import BannerDocument, DocumentError

        try:
            return BannerDocument(self.talk).response()
        except DocumentError as exc:
            return document_unavailable(request, exc, back=self.talk.get_absolute_url())


class DraftPhotoView(View):
    """A draft's photo, as a thumbnail, to those who may file its talk's report."""

    def get(self, request, pk):
        photo = get_object_for_scope(DraftPhoto.objects, request.scope, pk=pk)
        if not photo.thumbnail:
            raise Http404
        try:
            handle = private_storage.open(photo.thumbnail.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class PhotoView(View):
    """A photo of a report, served only to those who may see its talk; never from a public URL."""

    thumbnail = False

    def get(self, request, pk):
        photo = get_object_for_scope(ReportPhoto.objects, request.scope, pk=pk)
        name = photo.thumbnail.name if self.thumbnail else photo.image.name
        try:
            handle = private_storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type="image/jpeg")
        # Not kept in the browser's cache (laomo.core.caching): a photo of pupils on a shared
        # school computer would outlive the session that was allowed to see it.
        response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.jpg"'
        return response


# Calendar and schedules -------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    talks: list[Talk]
    in_month: bool
    more: int = 0  # the day's talks beyond those shown
    list_url: str = ""  # the talk list of that day, with the calendar's filters


class CalendarView(ScopedViewMixin, View):
    """A month of talks, by county or by lecturer. A day shows its first `DAY_LIMIT` talks and
    how many more there are, with the list of them all: a province's or the country's month
    holds thousands."""

    model = Talk
    permission = "talks.view"
    template_name = "outreach/calendar.html"
    DAY_LIMIT = 8

    def get(self, request):
        scope = request.scope
        first = _month(request.GET.get("month")).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        form = CalendarFilterForm(request.GET, request=request)
        talks, filters = form.narrow(
            _talks(scope).current().filter(starts_on__gte=first, starts_on__lte=last)
        )
        by_day, totals, cancelled = self.first_of_each_day(talks)
        list_url = reverse("outreach:talk-list")
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
            days = []
            for day in week:
                shown = by_day.get(day, [])
                more = totals.get(day, 0) - len(shown)
                day_list = f"{list_url}?{urlencode({**filters, 'since': day, 'until': day})}"
                days.append(
                    CalendarDay(
                        day, shown, day.month == first.month, more, day_list if more else ""
                    )
                )
            weeks.append(days)
        return render(
            request,
            self.template_name,
            {
                "month": first,
                "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
                "next": (last + timedelta(days=1)).strftime("%Y-%m"),
                "weeks": weeks,
                "form": form,
                "region": form.cleaned_data.get("region"),
                "lecturer": form.cleaned_data.get("lecturer"),
                # A cancelled talk stays on its day, struck through, but is not one of the month's.
                "count": sum(totals.values()) - cancelled,
                "cancelled": cancelled,
            },
        )

    def first_of_each_day(self, talks) -> tuple[dict[date, list[Talk]], dict[date, int], int]:
        """Each day's first talks by start time, how many the day has, and how many of the
        month's were cancelled: the ids and the counts in one narrow query over the month, then
        the shown talks whole."""
        ranked = (
            talks.annotate(
                place_in_day=Window(
                    RowNumber(),
                    partition_by=F("starts_on"),
                    order_by=(F("starts_at").asc(), F("pk").asc()),
                ),
                day_total=Window(Count("pk"), partition_by=F("starts_on")),
                day_cancelled=Window(
                    Sum(Case(When(status=Status.CANCELLED, then=1), default=0)),
                    partition_by=F("starts_on"),
                ),
            )
            .filter(place_in_day__lte=self.DAY_LIMIT)
            .order_by()
            .values_list("pk", "starts_on", "day_total", "day_cancelled")
        )
        ids, totals, cancelled = [], {}, {}
        for pk, day, total, day_cancelled in ranked:
            ids.append(pk)
            totals[day] = total
            cancelled[day] = day_cancelled or 0
        shown = list(
            Talk.objects.unrestricted()  # the ids come from the scoped query above
            .filter(pk__in=ids)
            .select_related("region", "school", "base")
            .order_by("starts_at", "pk")
        )
        attach_lecturer_names(shown)
        by_day: dict[date, list[Talk]] = {}
        for talk in shown:
            by_day.setdefault(talk.starts_on, []).append(talk)
        return by_day, totals, sum(cancelled.values())


def _month(text: str | None) -> date:
    try:
        return datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


class MyScheduleView(View):
    """A model worker's own talks: invitations to answer, what is coming, what is done."""

    template_name = "outreach/my_schedule.html"

    def get(self, request):
        scope = request.scope
        if not scope.is_lecturer:
            raise Http404
        bookings = (
            Booking.objects.restrict(scope)
            .filter(person_id=scope.person_id)
            .select_related("talk", "talk__school", "talk__base", "talk__region")
            .order_by("talk__starts_at")
        )
        now = timezone.now()
        # The home page's "待我确认的邀请" counts these very talks.
        to_answer = set(invitations_to_answer(scope).values_list("pk", flat=True))
        pending, upcoming, past = [], [], []
        for booking in bookings:
            talk = booking.talk
            if booking.status == BookingStatus.INVITED and talk.pk in to_answer:
                pending.append(booking)
            elif (
                booking.status == BookingStatus.CONFIRMED
                and talk.ends_at >= now
                and talk.status != Status.CANCELLED
            ):
                upcoming.append(booking)
            else:
                past.append(booking)
        past.reverse()
        context = {
            "pending": pending,
            "upcoming": upcoming,
            "past": past,
            "respond_form": RespondForm(),
        }
        return render(request, self.template_name, context)


class MyCalendarView(View):
    """The same schedule as an iCalendar file for the phone's calendar."""

    def get(self, request):
        from laomo.outreach.documents import lecturer_calendar

        scope = request.scope
        if not scope.is_lecturer:
            raise Http404
        person = Person.objects.restrict(scope).get(pk=scope.person_id)
        talks = Talk.objects.restrict(scope).select_related("school", "base", "region")
        response = HttpResponse(
            lecturer_calendar(person, talks), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(person.name + '的宣讲日程.ics')}"
        )
        return response


# Notices and settings ---------------------------------------------------------------------------


class NoticeListView(View):
    template_name = "outreach/notices.html"

    def get(self, request):
        notices = Paginator(Notification.objects.restrict(request.scope), 30)
        page = notices.get_page(request.GET.get("page"))
        context = {"notices": page, "page_obj": page, "is_paginated": page.has_other_pages()}
        return render(request, self.template_name, context)

    def post(self, request):
        for notice in Notification.objects.restrict(request.scope, CHANGE).unread():
            mark_read(notice=notice)
        return HttpResponseRedirect(request.path)


class NoticeOpenView(View):
    """Open a notice: a POST (the button on the notices page) marks it read and goes where it
    points; a GET only goes there, changing nothing (a link prefetched, or followed by a
    crawler, must not mark anything read)."""

    def get(self, request, pk):
        notice = get_object_for_scope(Notification.objects, request.scope, pk=pk)
        return HttpResponseRedirect(notice.url or "/notices/")

    def post(self, request, pk):
        notice = get_object_for_scope(Notification.objects, request.scope, pk=pk)
        mark_read(notice=notice)
        return HttpResponseRedirect(notice.url or "/notices/")


class ProgrammeView(View):
    """The year's programme settings (banner wording, minimum audience, quotas), kept by the
    city."""

    template_name = "outreach/programme.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.scope.can("programme.change"):
            raise refused(request.scope, "programme.change")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        year = request.GET.get("year", "")
        year = (
            int(year) if year.isdigit() and 2020 <= int(year) <= 2100 else timezone.localdate().year
        )
        current = ProgrammeYear.of(request.scope.region, year)
        # An unsaved year's form starts from the defaults (the plan's wording and quotas).
        return self.show(ProgrammeYearForm(instance=current))

    def post(self, request):
        city = request.scope.region
        year = request.POST.get("year", "")
        existing = (
            ProgrammeYear.objects.filter(city=city, year=year).first() if year.isdigit() else None
        )
        form = ProgrammeYearForm(request.POST, instance=existing or ProgrammeYear(city=city))
        if form.is_valid():
            core.save_object(form, acting_user=request.user)
            messages.success(request, _("已保存{year}年度行动配置").format(year=form.instance.year))
            return HttpResponseRedirect(request.path)
        return self.show(form)

    def show(self, form):
        years = ProgrammeYear.objects.filter(city=self.request.scope.region).order_by("-year")
        sample = None
        if not form.is_bound or form.is_valid():
            template = form["banner_template"].value()
            year = form["year"].value()
            try:
                sample = template.format(
                    year=year, city=self.request.scope.region.name, name="××学校"
                )
            except (KeyError, ValueError, IndexError):
                sample = None
        return render(
            self.request, self.template_name, {"form": form, "years": years, "sample": sample}
        )
