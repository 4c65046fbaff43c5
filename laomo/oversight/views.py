"""The oversight pages: the dashboard (the city's, a county's own, a province's by city), the
coverage list a county plans from, lecturers' loads, and a lecturer's own figures.

Every figure comes from `laomo.oversight.figures`, which reads through the caller's scope; the
views only choose the year and lay the figures out. Every number on a page links to the list that
shows what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from laomo.core import services
from laomo.core.scoping import refused
from laomo.core.views import ObjectListView
from laomo.outreach.choices import BookingStatus, ReportStatus
from laomo.outreach.models import Booking, TalkReport
from laomo.oversight import charts, figures
from laomo.oversight.exporters import CoverageSchoolExporter
from laomo.oversight.filters import CoverageFilterSet, with_stage_order
from laomo.schools.models import School
from laomo.schools.services import programme_start

PERMISSION = "oversight.view"


def year_choices(today: date) -> list[int]:
    """From the year the programme began to next year (plans are made ahead)."""
    return list(range(min(programme_start().year, today.year), today.year + 2))


def chosen_year(request, today: date) -> int:
    """The year asked for (?year=), if it is one the pages offer; otherwise this year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if year in year_choices(today) else today.year


def coverage_day(year: int, today: date) -> date:
    """Coverage is counted to the end of a past year, or to today."""
    return min(date(year, 12, 31), today)


def _shares(audience: figures.Audience) -> list[float]:
    """Students, teachers and others as percentages of the audience (one decimal)."""
    total = audience.total or 1
    return [
        round(part * 100 / total, 1)
        for part in (audience.students, audience.teachers, audience.others)
    ]


class OversightMixin:
    """The figures are for the officials who oversee the programme (city and county roles)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.scope.can(PERMISSION):
            raise refused(request.scope, PERMISSION)
        return super().dispatch(request, *args, **kwargs)


@dataclass
class QuotaLine:
    """A row of the quota table as the page shows it."""

    row: figures.QuotaRow
    total: bool = False
    behind_counties: int | None = None  # for a province's rows per city


def quota_lines(scope, tables, grand) -> list[QuotaLine]:
    """A county: its own row. A city: the city's total, its own quota, each county. A province
    or the country: its total, then one row per city."""
    if grand is not None:
        return [
            QuotaLine(grand, total=True),
            *(QuotaLine(t.total, behind_counties=len(t.behind)) for t in tables),
        ]
    lines = []
    for table in tables:
        if not scope.is_county:
            lines.append(QuotaLine(table.total, total=True))
        lines.extend(QuotaLine(row) for row in table.rows)
    return lines


# A province's or the country's table: the total and this many cities, unless all are asked for.
QUOTA_ROWS_SHOWN = 30
# The warning names this many of those behind, and counts the rest.
BEHIND_NAMED = 10


def _shortfall(line: QuotaLine) -> tuple:
    row = line.row
    return (row.state != "behind", row.counts.done - row.expected, row.region.code)


def shown_quota_lines(lines: list[QuotaLine], show_all: bool) -> tuple[list[QuotaLine], int]:
    """Three hundred cities make a table nobody reads (and a page of almost a megabyte): unless
    all are asked for, the total and the `QUOTA_ROWS_SHOWN` cities with the least margin over
    their pace (those behind first); and how many rows were left out."""
    totals = [line for line in lines if line.total]
    rows = [line for line in lines if not line.total]
    if show_all or len(rows) <= QUOTA_ROWS_SHOWN:
        return lines, 0
    shown = sorted(rows, key=_shortfall)[:QUOTA_ROWS_SHOWN]
    return [*totals, *shown], len(rows) - len(shown)


class DashboardView(OversightMixin, View):
    template_name = "oversight/dashboard.html"

    def get(self, request):
        scope = request.scope
        today = timezone.localdate()
        year = chosen_year(request, today)
        as_of = coverage_day(year, today)
        tables = figures.quota_tables(scope, year, today)
        grand = figures.grand_total(scope, tables)
        lines = quota_lines(scope, tables, grand)
        shown, hidden = shown_quota_lines(lines, show_all=request.GET.get("quotas") == "all")
        coverage = figures.coverage(scope, as_of)
        months = figures.talks_per_month(scope, year)
        lecturers = figures.lecturer_load(scope, year)
        audience = figures.audience(scope, year)
        behind = [line.row for line in lines if line.row.state == "behind" and not line.total]
        month_urls = {stage: figures.month_urls(year, stage) for stage in figures.STAGES}
        context = {
            "year": year,
            "years": year_choices(today),
            "today": today,
            "as_of": as_of,
            "wide": grand is not None,
            "lines": shown,
            "quota_rows": sum(1 for line in lines if not line.total),
            "quota_rows_shown": sum(1 for line in shown if not line.total),
            "quota_rows_hidden": hidden,
            "headline": lines[0].row if lines else None,
            "behind": behind[:BEHIND_NAMED],
            "behind_unnamed": max(len(behind) - BEHIND_NAMED, 0),
            "fraction_percent": round((tables[0].fraction if tables else 0) * 100),
            "coverage": coverage,
            "coverage_list": figures.coverage_list_url(as_of=as_of.isoformat()),
            "month_rows": [
                {
                    "label": charts.MONTHS[index],
                    "cells": [
                        (months[stage][index], month_urls[stage][index]) for stage in figures.STAGES
                    ],
                }
                for index in range(12)
            ],
            "month_totals": [
                (
                    sum(months[stage]),
                    figures.talk_list_url(
                        stage=stage, since=f"{year}-01-01", until=f"{year}-12-31"
                    ),
                )
                for stage in figures.STAGES
            ],
            "stage_labels": list(figures.STAGE_LABELS.values()),
            "lecturers": lecturers,
            "audience": audience,
            "charts": {
                "quota": charts.quota_chart([line.row for line in shown if not line.total]),
                "months": charts.months_chart(year, months),
                "coverage_years": charts.coverage_years_chart(coverage),
                "coverage_regions": charts.coverage_regions_chart(coverage, wide=grand is not None),
                "lecturers": charts.lecturers_chart(lecturers),
            },
            "audience_shares": _shares(audience),
            "lapsed": figures.lapsed_talks(scope),
        }
        return render(request, self.template_name, context)


class CoverageView(ObjectListView):
    """Coverage in detail, and the schools behind it: by default those not yet reached, sorted
    and filtered as a county plans, exportable to Excel."""

    model = School
    permission = PERMISSION
    filterset_class = CoverageFilterSet
    exporter_class = CoverageSchoolExporter
    template_name = "oversight/coverage.html"

    def scoped(self, action=None):
        return with_stage_order(super().scoped(action))

    def get_queryset(self):
        return super().get_queryset().select_related("region")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            queryset = self.get_queryset()
            data = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
            region = data.get("region") or data.get("city") or request.scope.region
            exporter = CoverageSchoolExporter(
                queryset,
                scope=request.scope,
                region=region,
                as_of=self.filterset.day,
                mode=self.filterset.reached_mode,
            )
            response = exporter.response()
            services.record_export(exporter, actor=request.user, region=request.scope.region)
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        as_of = self.filterset.day
        coverage = figures.coverage(self.request.scope, as_of)
        context.update(
            as_of=as_of,
            mode=self.filterset.reached_mode,
            coverage=coverage,
            wide=self.request.scope.region.level in figures.WIDE_LEVELS,
            charts={
                "coverage_years": charts.coverage_years_chart(coverage),
                "coverage_regions": charts.coverage_regions_chart(
                    coverage, wide=self.request.scope.region.level in figures.WIDE_LEVELS
                ),
            },
            dashboard_url=f"{reverse('oversight:dashboard')}?year={as_of.year}",
        )
        return context


class LecturerLoadView(OversightMixin, ListView):
    """Every lecturer's load in the year, busiest first; `over=1` keeps those above the yearly
    limit."""

    template_name = "oversight/lecturers.html"
    paginate_by = settings.LAOMO_PAGE_SIZE

    def get_queryset(self):
        today = timezone.localdate()
        self.year = chosen_year(self.request, today)
        self.limit = settings.LAOMO_LECTURER_YEARLY_LIMIT
        self.over = self.request.GET.get("over") == "1"
        loads = figures.lecturer_loads(self.request.scope, self.year)
        return loads.filter(n__gt=self.limit) if self.over else loads

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for row in context["object_list"]:
            row["url"] = figures.lecturer_talks_url(row["person_id"], self.year)
            row["over"] = row["n"] > self.limit
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            year=self.year,
            years=year_choices(timezone.localdate()),
            limit=self.limit,
            over=self.over,
            querystring=query.urlencode(),
        )
        return context


class LecturerTalksView(OversightMixin, ListView):
    """The talks of the year one lecturer has confirmed: what their load counts. A lecturer with
    no confirmed talk within the caller's scope is not found, so no name leaks by its id."""

    template_name = "oversight/lecturer_talks.html"
    paginate_by = settings.LAOMO_PAGE_SIZE

    def get_queryset(self):
        scope = self.request.scope
        self.year = chosen_year(self.request, timezone.localdate())
        person_id = self.kwargs["pk"]
        booking = (
            Booking.objects.restrict(scope)
            .filter(person_id=person_id, status=BookingStatus.CONFIRMED)
            .select_related("person")
            .first()
        )
        if booking is None:
            raise Http404
        self.person = booking.person
        return (
            figures.lecturer_talks(scope, self.year, person_id)
            .select_related("school", "base", "region")
            .order_by("starts_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            person=self.person,
            year=self.year,
            years=year_choices(timezone.localdate()),
            limit=settings.LAOMO_LECTURER_YEARLY_LIMIT,
            querystring=query.urlencode(),
            load_url=f"{reverse('oversight:lecturers')}?year={self.year}",
        )
        return context


class MyDashboardView(View):
    """A lecturer's own figures (talks given, schools reached, students reached, by year) and the
    talks behind them, on one page: every figure links to the rows it counts."""

    template_name = "oversight/my_dashboard.html"

    def get(self, request):
        scope = request.scope
        if not scope.is_lecturer or scope.person_id is None:
            raise Http404
        own = figures.lecturer_figures(scope, scope.person_id)
        students = (
            TalkReport.objects.unrestricted()
            .filter(talk=OuterRef("pk"), status=ReportStatus.ACCEPTED)
            .values("students")[:1]
        )
        talks = list(
            figures.given_talks(scope, scope.person_id)
            .select_related("school", "base", "region")
            .annotate(students=Subquery(students))
            .order_by("-starts_at", "-pk")
        )
        by_year: dict[int, list] = {}
        schools: dict[int, dict] = {}
        for talk in talks:
            by_year.setdefault(talk.starts_on.year, []).append(talk)
            if talk.school_id:
                seen = schools.setdefault(
                    talk.school_id, {"school": talk.school, "talks": 0, "first": talk.starts_on}
                )
                seen["talks"] += 1
                seen["first"] = min(seen["first"], talk.starts_on)
        anchors = {year: f"#year-{year}" for year in own.by_year}
        context = {
            "own": own,
            "years": [
                {
                    "year": year,
                    "count": own.by_year[year],
                    "talks": by_year.get(year, []),
                    "students": sum(t.students or 0 for t in by_year.get(year, [])),
                }
                for year in sorted(own.by_year, reverse=True)
            ],
            "schools": sorted(schools.values(), key=lambda s: s["first"]),
            "charts": {"own_years": charts.own_years_chart(own.by_year, anchors)},
        }
        return render(request, self.template_name, context)
