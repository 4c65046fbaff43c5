"""Half-year report pages: access, then the service, then the answer (STYLE 3).

- `IndexView`: a county's half-years with where each stands; for the city, who has filed the
  report of a half and who is late, with the city's consolidated report;
- `ReportView`: one report — the narrative (a form while it may be changed), the figures (live
  before submission, frozen after), the buttons to submit, return, download;
- `OpenView`, `SaveView`, `SubmitView`, `ReturnView`: POST only, each one service call;
- `UrgeView`: POST only, the city's 催报 of one late county or of every late one;
- `DocxView`, `XlsxView`: the Word and Excel documents, each download audited.

Every report is read through `HalfYearReport.objects.restrict(scope, action)`: a report outside
the caller's scope answers 404, as one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core.scoping import CHANGE, VIEW, get_object_for_scope
from laomo.halfyear import services
from laomo.halfyear.documents import docx_response, summary, xlsx_response
from laomo.halfyear.models import Half, HalfYearReport, half_bounds, half_deadline
from laomo.outreach.choices import Level, Status
from laomo.oversight.figures import STAGES, talk_list_url
from laomo.regions.models import Region


class NarrativeForm(forms.Form):
    experience = forms.CharField(
        label="经验做法",
        required=False,
        max_length=services.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="本半年的主要做法和成效。每段一行；分条时以“（一）”“（二）”开头，"
        "如“（一）加强组织领导。……”",
    )
    cases = forms.CharField(
        label="典型案例",
        required=False,
        max_length=services.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="有代表性的宣讲活动或劳模工匠事迹，格式同上",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=2000)


class HalfForm(forms.Form):
    year = forms.IntegerField(min_value=2020, max_value=2100)
    half = forms.TypedChoiceField(choices=Half.choices, coerce=int)


class UrgeForm(HalfForm):
    """One county (`region`), or every late one (`all`)."""

    region = forms.IntegerField(required=False)
    all = forms.BooleanField(required=False)


def _official(request) -> None:
    scope = request.scope
    if not scope.is_official or scope.region is None:
        raise Http404


def _report(request, pk: int, action: str = VIEW) -> HalfYearReport:
    return get_object_for_scope(
        HalfYearReport.objects.select_related("region__parent", "submitted_by", "returned_by"),
        request.scope,
        action,
        pk=pk,
    )


def _refused(request, report: HalfYearReport, error: services.HalfYearError):
    for items in error.errors.values():
        for message in items:
            messages.error(request, message)
    return HttpResponseRedirect(report.get_absolute_url())


class IndexView(View):
    """半年报: a county's list of half-years; the city's overview of one half."""

    def get(self, request):
        _official(request)
        scope = request.scope
        today = timezone.localdate()
        halves = services.halves(today)
        if scope.is_city:
            form = HalfForm(request.GET)
            if form.is_valid() and (form.cleaned_data["year"], form.cleaned_data["half"]) in halves:
                year, half = form.cleaned_data["year"], form.cleaned_data["half"]
            else:
                year, half = services.latest_ended_half(today)
            overview = services.overview(scope, year, half, today=today)
            return render(
                request,
                "halfyear/overview.html",
                {
                    "overview": overview,
                    "halves": [(y, h, Half(h).label) for y, h in halves],
                    "today": today,
                },
            )
        reports = {
            (report.year, report.half): report
            for report in HalfYearReport.objects.restrict(scope).select_related("region")
        }
        rows = []
        for year, half in halves:
            report = reports.get((year, half))
            deadline = half_deadline(year, half)
            rows.append(
                {
                    "year": year,
                    "half": half,
                    "label": f"{year}年{Half(half).label}",
                    "report": report,
                    "deadline": deadline,
                    "late": report.is_late(today) if report else today > deadline,
                    "ended": today > half_bounds(year, half)[1],
                }
            )
        return render(request, "halfyear/index.html", {"rows": rows, "today": today})


class OpenView(View):
    """POST: open (or find) the caller's own report of a half and go to it."""

    def post(self, request):
        _official(request)
        form = HalfForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择年度和半年"))
            return HttpResponseRedirect(reverse("halfyear:index"))
        try:
            report, created = services.open_report(
                scope=request.scope,
                year=form.cleaned_data["year"],
                half=form.cleaned_data["half"],
                acting_user=request.user,
            )
        except services.HalfYearError as exc:
            for items in exc.errors.values():
                for message in items:
                    messages.error(request, message)
            return HttpResponseRedirect(reverse("halfyear:index"))
        if created:
            messages.success(request, _("已新建“{report}”").format(report=report))
        return HttpResponseRedirect(report.get_absolute_url())


class ReportView(View):
    template_name = "halfyear/report.html"

    def get(self, request, pk):
        report = _report(request, pk)
        return self.show(report, NarrativeForm(initial=_narrative(report)))

    def show(self, report, form, status=200):
        scope = self.request.scope
        today = timezone.localdate()
        figures = services.figures_of(report, today=today)
        can_change = HalfYearReport.objects.restrict(scope, CHANGE).filter(pk=report.pk).exists()
        can_return = (
            report.is_submitted
            and HalfYearReport.objects.restrict(scope, "review").filter(pk=report.pk).exists()
        )
        return render(
            self.request,
            self.template_name,
            {
                "report": report,
                "figures": figures,
                "stage_links": stage_links(report, figures),
                "summary": summary(report, figures),
                "form": form,
                "editable": can_change and report.is_editable,
                "can_submit": can_change and report.is_editable and report.has_ended(today),
                "can_return": can_return,
                "late": report.is_late(today),
                "today": today,
            },
            status=status,
        )


def stage_links(report: HalfYearReport, figures) -> dict | None:
    """The talk list behind each of a county's live stage figures (its own level's talks and its
    schools' own invitations of the half): the list filtered as the figure is counted. Frozen
    figures are a record of what was sent and open nothing (the talks have moved on since)."""
    if report.frozen or figures.consolidated:
        return None
    row = figures.total
    own = Level.CITY if row.level == "city" else Level.COUNTY
    since, until = figures.start.isoformat(), figures.end.isoformat()
    links = {}
    for kind, level in (("organised", own), ("invited", Level.SCHOOL)):
        common = {"level": level, "organiser": figures.region_id, "since": since, "until": until}
        links[kind] = {
            **{stage: talk_list_url(stage=stage, **common) for stage in STAGES},
            "cancelled": talk_list_url(status=Status.CANCELLED, **common),
        }
    return links


def _narrative(report: HalfYearReport) -> dict:
    return {"experience": report.experience, "cases": report.cases}


class SaveView(ReportView):
    """POST: keep the narrative of a draft."""

    def get(self, request, pk):
        raise Http404

    def post(self, request, pk):
        report = _report(request, pk, CHANGE)
        form = NarrativeForm(request.POST)
        if not form.is_valid():
            return self.show(report, form, status=400)
        try:
            services.save_draft(report, acting_user=request.user, **form.cleaned_data)
        except services.HalfYearError as exc:
            return _refused(request, report, exc)
        messages.success(request, _("已保存草稿"))
        return HttpResponseRedirect(report.get_absolute_url())


class SubmitView(ReportView):
    """POST: keep the narrative as sent with the button, then submit."""

    def get(self, request, pk):
        raise Http404

    def post(self, request, pk):
        report = _report(request, pk, CHANGE)
        form = NarrativeForm(request.POST)
        if not form.is_valid():
            return self.show(report, form, status=400)
        try:
            if report.is_editable and any(name in request.POST for name in form.fields):
                report = services.save_draft(report, acting_user=request.user, **form.cleaned_data)
            services.submit_report(report, acting_user=request.user)
        except services.HalfYearError as exc:
            return _refused(request, report, exc)
        messages.success(request, _("已报送，数据已按报送时统计固定"))
        return HttpResponseRedirect(report.get_absolute_url())


class ReturnView(View):
    """POST: the city returns a county's submitted report, with the reason."""

    def post(self, request, pk):
        report = _report(request, pk, "review")
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("退回时请写明原因，便于对方修改后重新报送"))
            return HttpResponseRedirect(report.get_absolute_url())
        try:
            services.return_report(
                report, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except services.HalfYearError as exc:
            return _refused(request, report, exc)
        messages.success(request, _("已退回，已通知对方修改后重新报送"))
        return HttpResponseRedirect(report.get_absolute_url())


class DocumentView(View):
    """A download of the report; who downloaded what is in the audit log."""

    make = staticmethod(docx_response)

    def get(self, request, pk):
        report = _report(request, pk)
        response, filename = self.make(report)
        record(
            AuditEntry.Action.EXPORT,
            actor=request.user,
            obj=report,
            data={"filename": filename},
        )
        return response


class DocxView(DocumentView):
    make = staticmethod(docx_response)


class XlsxView(DocumentView):
    make = staticmethod(xlsx_response)


class UrgeView(View):
    """POST: the city urges one late county (`region`) or every late one (`all`) to file the
    report of the half. Not the city: 404; a county outside the city: 404."""

    def post(self, request):
        _official(request)
        scope = request.scope
        if not scope.is_city:
            raise Http404
        form = UrgeForm(request.POST)
        if not form.is_valid() or not (form.cleaned_data["all"] or form.cleaned_data["region"]):
            messages.error(request, _("请选择要催报的县（区）和半年"))
            return HttpResponseRedirect(reverse("halfyear:index"))
        year, half = form.cleaned_data["year"], form.cleaned_data["half"]
        counties = None
        if not form.cleaned_data["all"]:
            counties = [get_object_for_scope(Region.objects, scope, pk=form.cleaned_data["region"])]
        back = f"{reverse('halfyear:index')}?year={year}&half={half}"
        try:
            urged = services.urge_reports(
                scope=scope, year=year, half=half, counties=counties, acting_user=request.user
            )
        except services.HalfYearError as exc:
            for items in exc.errors.values():
                for message in items:
                    messages.error(request, message)
            return HttpResponseRedirect(back)
        messages.success(
            request,
            _("已催报：{names}，已通知其工会和教育体育局").format(
                names="、".join(filing.region.name for filing in urged)
            ),
        )
        return HttpResponseRedirect(back)
