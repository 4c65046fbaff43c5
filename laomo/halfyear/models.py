"""Half-year reports (半年报, 002 四(六)): every county (and the development zone) reports to the
city union and the city education bureau each half year; the city consolidates its own.

The figures are never typed: while a report is a draft (or returned) they are counted live from
the talks; at submission they are frozen into `figures`, so what was sent upward stays as sent
even when a talk of the half is accepted later.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from laomo.core.links import object_url
from laomo.core.scoping import ScopedModel, ScopedQuerySet

REPORTING_LEVELS = ("county", "zone", "city")


class Half(models.IntegerChoices):
    FIRST = 1, "上半年"
    SECOND = 2, "下半年"


def half_bounds(year: int, half: int) -> tuple[date, date]:
    """The first and last day of the half, both included."""
    if half == Half.FIRST:
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def half_deadline(year: int, half: int) -> date:
    """The day the report of the half is due (settings.LAOMO_HALF_YEAR_DEADLINES, month and day):
    in the half's own year when that day falls after the half, otherwise in the next year (the
    second half's 10 January)."""
    month, day = settings.LAOMO_HALF_YEAR_DEADLINES[half]
    _start, end = half_bounds(year, half)
    due = date(year, month, day)
    return due if due > end else date(year + 1, month, day)


class ReportQuerySet(ScopedQuerySet):
    """Who sees a half-year report: a county's officials their own; the city's officials their
    counties' and the city's own consolidated one. Who writes and submits one: the officials of
    its own region. Who returns one: the city's officials, for their counties' reports. Schools,
    lecturers and reviewers see none."""

    def for_view(self, scope):
        if scope.region is None or not scope.is_official:
            return self.none()
        if scope.is_city:
            return self.filter(scope.region_q())
        return self.filter(region=scope.region)

    def for_change(self, scope):
        if scope.region is None or not scope.is_official:
            return self.none()
        return self.filter(region=scope.region)

    def for_review(self, scope):
        if scope.region is None or not scope.is_city:
            return self.none()
        return self.filter(scope.region_q()).exclude(region=scope.region)


class HalfYearReport(ScopedModel):
    """One region's report of one half year: its account of experience and typical cases, and the
    figures counted from its talks (frozen at submission)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报送"
        RETURNED = "returned", "已退回"

    region = models.ForeignKey(
        "regions.Region",
        verbose_name="报送单位",
        on_delete=models.PROTECT,
        related_name="half_year_reports",
        help_text="县（区）或开发区；市的为全市汇总报告",
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    half = models.PositiveSmallIntegerField("半年", choices=Half.choices)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    experience = models.TextField(
        "经验做法", blank=True, help_text="本半年的主要做法和成效，可分条写，如“（一）……”"
    )
    cases = models.TextField("典型案例", blank=True, help_text="有代表性的宣讲活动或劳模工匠事迹")
    figures = models.JSONField(
        "报送时数据",
        null=True,
        blank=True,
        editable=False,
        help_text="报送时从宣讲活动统计并固定的数据；草稿和退回状态显示实时数据",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="退回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReportQuerySet.as_manager()
    # The frozen figures are kept on the report and summed up in the audit entry of each
    # submission; copying the whole table into every historical row would bury the narrative.
    history = HistoricalRecords(excluded_fields=["updated_at", "figures"])

    class Meta:
        verbose_name = "半年报"
        verbose_name_plural = "半年报"
        ordering = ["-year", "-half", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "half"], name="halfyear_unique"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="halfyear_half_valid"),
        ]
        indexes = [models.Index(fields=["year", "half"], name="halfyear_period")]

    def __str__(self) -> str:
        return _("{region}{year}年{half}情况报告").format(
            region=self.region.name, year=self.year, half=self.half_label
        )

    def clean(self):
        super().clean()
        if self.region_id and self.region.level not in REPORTING_LEVELS:
            raise ValidationError(
                {
                    "region": _("半年报由县（区）、开发区或市报送，不能由“{name}”报送").format(
                        name=self.region.name
                    )
                }
            )

    def get_absolute_url(self) -> str:
        return object_url("halfyear:report", self.pk)

    @property
    def half_label(self) -> str:
        return Half(self.half).label

    @property
    def period(self) -> tuple[date, date]:
        return half_bounds(self.year, self.half)

    @property
    def deadline(self) -> date:
        return half_deadline(self.year, self.half)

    @property
    def is_consolidated(self) -> bool:
        """The city's own report, which sums up its counties'."""
        return self.region.level not in ("county", "zone")

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def frozen(self) -> bool:
        """Whether the figures shown are those fixed at submission."""
        return self.is_submitted and self.figures is not None

    def has_ended(self, today: date | None = None) -> bool:
        return (today or timezone.localdate()) > self.period[1]

    @property
    def has_deadline(self) -> bool:
        """The deadlines in settings are the counties' to the city (002 四(六)); the city's own
        report upward has none configured here."""
        return not self.is_consolidated

    def is_late(self, today: date | None = None) -> bool:
        """Past the deadline and not submitted."""
        if not self.has_deadline or self.is_submitted:
            return False
        return (today or timezone.localdate()) > self.deadline

    @property
    def submitted_late(self) -> bool:
        return (
            self.has_deadline
            and self.is_submitted
            and self.submitted_at is not None
            and timezone.localdate(self.submitted_at) > self.deadline
        )
