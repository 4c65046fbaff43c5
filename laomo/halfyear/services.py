"""Half-year reports from draft to submission (002 四(六)): a county (or the zone, or the city for
its consolidated report) opens the report of a half, writes its experience and typical cases
against the live figures, and submits, which freezes the figures; the city may return a county's
report with a reason, which makes it editable again. Every change leaves an audit entry and a
historical record; views, commands and tests all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.accounts.models import User
from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core.roles import CITY_ROLES, COUNTY_ROLES
from laomo.core.scoping import Scope
from laomo.halfyear import figures as figures_module
from laomo.halfyear.figures import HalfYearFigures
from laomo.halfyear.models import REPORTING_LEVELS, Half, HalfYearReport, half_bounds
from laomo.notices.services import notify
from laomo.regions.models import Region
from laomo.schools.services import programme_start

TEXT_LIMIT = 20000  # characters of each narrative: some ten pages of 仿宋 三号


class HalfYearError(ValueError):
    """A refused change, with a message for the person who tried it."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("；".join(message for items in errors.values() for message in items))


def figures_of(report: HalfYearReport, *, today: date | None = None) -> HalfYearFigures:
    """The frozen figures of a submitted report, the live ones of a draft or a returned one."""
    if report.frozen:
        return HalfYearFigures.from_dict(report.figures)
    return figures_module.compute(report.region, report.year, report.half, today=today)


def halves(today: date | None = None) -> list[tuple[int, int]]:
    """Every half from the programme's start to the one under way, the newest first."""
    today = today or timezone.localdate()
    start = programme_start()
    found = []
    year, half = start.year, Half.FIRST if start.month <= 6 else Half.SECOND
    while half_bounds(year, half)[0] <= today:
        found.append((year, int(half)))
        year, half = (year, Half.SECOND) if half == Half.FIRST else (year + 1, Half.FIRST)
    return found[::-1]


def latest_ended_half(today: date | None = None) -> tuple[int, int]:
    """The half whose report is due next (or was last due): the last one that has ended."""
    today = today or timezone.localdate()
    if today.month <= 6:
        return today.year - 1, int(Half.SECOND)
    return today.year, int(Half.FIRST)


def _check_half(year: int, half: int, today: date) -> None:
    if half not in Half.values:
        raise HalfYearError({"half": [_("请选择上半年或下半年")]})
    start, end = half_bounds(year, half)
    if start > today:
        raise HalfYearError(_("{year}年{half}尚未开始").format(year=year, half=Half(half).label))
    if end < programme_start():
        raise HalfYearError(
            _("{year}年{half}早于本行动开始时间，无需报送").format(year=year, half=Half(half).label)
        )


def _check_owner(report: HalfYearReport, acting_user) -> None:
    """Only the officials of the report's own region write and submit it."""
    scope = Scope.for_user(acting_user)
    if not scope.is_official or scope.region is None or scope.region.pk != report.region_id:
        raise HalfYearError(_("只有本级工会、教育体育局的账号才能填写和报送本半年报"))


def _locked(report: HalfYearReport) -> HalfYearReport:
    """The report read again under a row lock: two officials of a county submitting at once
    submit once. (No outer join here: PostgreSQL will not lock the nullable side of one.)"""
    return HalfYearReport.objects.unrestricted().select_for_update().get(pk=report.pk)


def _transition(report: HalfYearReport, before: str, acting_user, **data) -> None:
    labels = dict(HalfYearReport.Status.choices)
    record(
        AuditEntry.Action.TRANSITION,
        actor=acting_user,
        obj=report,
        data={"from": str(labels[before]), "to": str(labels[report.status]), **data},
    )


def _report_url(report: HalfYearReport) -> str:
    return reverse("halfyear:report", args=[report.pk])


@transaction.atomic
def open_report(
    *, scope: Scope, year: int, half: int, acting_user, today: date | None = None
) -> tuple[HalfYearReport, bool]:
    """The caller's own region's report of the half, created as a draft if there is none yet.
    Returns the report and whether it was created."""
    today = today or timezone.localdate()
    region = scope.region
    if not scope.is_official or region is None or region.level not in REPORTING_LEVELS:
        raise HalfYearError(_("您的账号不能填报半年报"))
    _check_half(year, half, today)
    existing = HalfYearReport.objects.unrestricted().filter(region=region, year=year, half=half)
    if found := existing.first():
        return found, False
    report = HalfYearReport(
        region=region,
        year=year,
        half=half,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    report.full_clean()
    report._history_user = acting_user
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Two officials of the county opened it at the same moment: theirs is the one.
        return existing.get(), False
    record(AuditEntry.Action.CREATE, actor=acting_user, obj=report)
    return report, True


def _clean_text(value: str, label: str, errors: dict) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > TEXT_LIMIT:
        errors.setdefault(label, []).append(
            _("{label}不能超过{n}字（现有{count}字）").format(
                label=HalfYearReport._meta.get_field(label).verbose_name,
                n=TEXT_LIMIT,
                count=len(value),
            )
        )
    return value


def _excerpt(text: str, size: int = 60) -> str:
    return text if len(text) <= size else f"{text[:size]}…（共{len(text)}字）"


@transaction.atomic
def save_draft(report: HalfYearReport, *, experience: str, cases: str, acting_user):
    """Keep the county's account of its experience and typical cases. Refused once submitted."""
    report = _locked(report)
    _check_owner(report, acting_user)
    if not report.is_editable:
        raise HalfYearError(_("半年报已报送，不能修改；如需修改，请联系市总工会退回"))
    errors: dict[str, list[str]] = {}
    values = {
        "experience": _clean_text(experience, "experience", errors),
        "cases": _clean_text(cases, "cases", errors),
    }
    if errors:
        raise HalfYearError(errors)
    changed = {
        name: [_excerpt(getattr(report, name)), _excerpt(value)]
        for name, value in values.items()
        if getattr(report, name) != value
    }
    if not changed:
        return report
    for name, value in values.items():
        setattr(report, name, value)
    report._history_user = acting_user
    report.save(update_fields=[*values, "updated_at"])
    record(AuditEntry.Action.UPDATE, actor=acting_user, obj=report, data={"changed": changed})
    return report


@transaction.atomic
def submit_report(report: HalfYearReport, *, acting_user, today: date | None = None):
    """Send the report to the city (or, the city's own, upward): the figures are counted once
    more and frozen; the report is read-only from now on unless the city returns it."""
    today = today or timezone.localdate()
    report = _locked(report)
    _check_owner(report, acting_user)
    if report.is_submitted:
        raise HalfYearError(
            _("该半年报已于{when}报送，不能重复报送").format(when=_when(report.submitted_at))
        )
    if not report.has_ended(today):
        _start, end = report.period
        raise HalfYearError(
            _("{half}尚未结束，{month}月{day}日以后才能报送").format(
                half=report.half_label, month=end.month, day=end.day
            )
        )
    if not report.experience.strip():
        raise HalfYearError({"experience": [_("请填写经验做法后再报送")]})
    counted = figures_module.compute(report.region, report.year, report.half, today=today)
    before = report.status
    report.figures = counted.to_dict()
    report.status = HalfYearReport.Status.SUBMITTED
    report.submitted_by = acting_user if getattr(acting_user, "pk", None) else None
    report.submitted_at = timezone.now()
    report.return_reason = ""
    report._history_user = acting_user
    report.save()
    total = counted.total
    _transition(
        report,
        before,
        acting_user,
        talks=total.talks,
        accepted=total.accepted,
        audience=total.audience,
        late=report.submitted_late,
    )
    if not report.is_consolidated:
        city = report.region.parent
        notify(
            User.objects.filter(role__in=CITY_ROLES, region=city, is_active=True),
            kind="halfyear_submitted",
            title=_("{report}已报送").format(report=report),
            action=_("请审阅；如需修改，可写明原因退回"),
            url=_report_url(report),
        )
    return report


@transaction.atomic
def return_report(report: HalfYearReport, *, reason: str, acting_user):
    """The city sends a county's submitted report back, saying why; the county may then change
    it and submit again (the figures are counted afresh at the new submission)."""
    report = _locked(report)
    scope = Scope.for_user(acting_user)
    if not scope.is_city or not scope.covers(report.region) or scope.region.pk == report.region_id:
        raise HalfYearError(_("只有市总工会、市教育体育局可以退回县（区）的半年报"))
    if not report.is_submitted:
        raise HalfYearError(_("只有已报送的半年报才能退回"))
    reason = (reason or "").strip()
    if not reason:
        raise HalfYearError({"reason": [_("退回时请写明原因，便于对方修改后重新报送")]})
    before = report.status
    report.status = HalfYearReport.Status.RETURNED
    report.returned_by = acting_user if getattr(acting_user, "pk", None) else None
    report.returned_at = timezone.now()
    report.return_reason = reason[:2000]
    report._history_user = acting_user
    report.save()
    _transition(report, before, acting_user, reason=report.return_reason)
    notify(
        User.objects.filter(role__in=COUNTY_ROLES, region_id=report.region_id, is_active=True),
        kind="halfyear_returned",
        title=_("{report}被退回").format(report=report),
        body=_("退回原因：{reason}").format(reason=report.return_reason),
        action=_("请按退回原因修改后重新报送"),
        url=_report_url(report),
    )
    return report


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


# The city's overview ----------------------------------------------------------------------------


@dataclass
class Filing:
    """Where one county (or the zone) stands with the report of a half."""

    region: Region
    report: HalfYearReport | None
    deadline: date
    today: date
    urged_at: datetime | None = None  # the city's last 催报 of this report

    @property
    def status(self) -> str:
        return self.report.status if self.report else "missing"

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.is_submitted

    @property
    def late(self) -> bool:
        """Past the deadline and not submitted."""
        return not self.submitted and self.today > self.deadline

    @property
    def submitted_late(self) -> bool:
        return self.submitted and self.report.submitted_late

    @property
    def label(self) -> str:
        if self.submitted:
            return _("逾期报送") if self.submitted_late else _("已报送")
        if self.late:
            return _("逾期未报")
        if self.report is None:
            return _("未开始")
        return str(self.report.get_status_display())


@dataclass
class Overview:
    city: Region
    year: int
    half: int
    deadline: date
    filings: list[Filing]
    own: HalfYearReport | None  # the city's consolidated report

    @property
    def half_label(self) -> str:
        return Half(self.half).label

    @property
    def filed(self) -> list[Filing]:
        return [f for f in self.filings if f.submitted]

    @property
    def late(self) -> list[Filing]:
        return [f for f in self.filings if f.late]


def overview(scope: Scope, year: int, half: int, *, today: date | None = None) -> Overview:
    """Who among the city's counties has filed the report of the half, who is late and when the
    city last urged them: three queries (the counties, the reports, the 催报) whatever the number
    of counties."""
    today = today or timezone.localdate()
    city = scope.region
    counties = list(
        Region.objects.restrict(scope)
        .filter(parent=city, level__in=[Region.Level.COUNTY, Region.Level.ZONE])
        .order_by("code")
    )
    reports = {
        report.region_id: report
        for report in HalfYearReport.objects.restrict(scope)
        .filter(year=year, half=half)
        .select_related("region", "submitted_by")
    }
    deadline = HalfYearReport(year=year, half=half).deadline
    urged = last_urged(counties, year, half)
    return Overview(
        city=city,
        year=year,
        half=half,
        deadline=deadline,
        filings=[Filing(c, reports.get(c.pk), deadline, today, urged.get(c.pk)) for c in counties],
        own=reports.get(city.pk),
    )


# 催报: the city reminds a late county ----------------------------------------------------------


def last_urged(counties, year: int, half: int) -> dict[int, datetime]:
    """When each of `counties` (already read through the caller's scope) was last urged for the
    report of the half, from the audit log, where every 催报 is recorded."""
    if not counties:
        return {}
    rows = (
        AuditEntry.objects.unrestricted()  # the entries of regions the caller's scope gave
        .filter(
            action=AuditEntry.Action.URGE,
            object_type="regions.region",
            object_id__in=[str(county.pk) for county in counties],
            data__year=year,
            data__half=half,
        )
        .values("object_id")
        .annotate(last=Max("at"))
    )
    return {int(row["object_id"]): row["last"] for row in rows}


@transaction.atomic
def urge_reports(
    *,
    scope: Scope,
    year: int,
    half: int,
    counties: list[Region] | None = None,
    acting_user,
    today: date | None = None,
) -> list[Filing]:
    """The city's officials remind late counties (催报) to file the report of the half: the
    given `counties`, or every one that is late. Each county's union and education bureau are
    told what is due and where to write it; each 催报 is an audit entry (which the overview
    reads to say when it was done). Only a county past the deadline without a submitted report
    may be urged."""
    today = today or timezone.localdate()
    if not scope.is_city or scope.region is None:
        raise HalfYearError(_("只有市总工会、市教育体育局可以催报"))
    _check_half(year, half, today)
    state = overview(scope, year, half, today=today)
    late = {filing.region.pk: filing for filing in state.late}
    if counties is None:
        chosen = list(late.values())
    else:
        chosen = []
        for county in counties:
            if county.pk not in late:
                raise HalfYearError(
                    _("{county}的{year}年{half}半年报不在逾期未报之列，无需催报").format(
                        county=county.name, year=year, half=state.half_label
                    )
                )
            chosen.append(late[county.pk])
    if not chosen:
        raise HalfYearError(_("没有逾期未报的县（区）"))
    who = str(acting_user) if getattr(acting_user, "pk", None) else _("市总工会")
    for filing in chosen:
        county = filing.region
        days = (today - state.deadline).days
        link = _report_url(filing.report) if filing.report else reverse("halfyear:index")
        told = notify(
            User.objects.filter(role__in=COUNTY_ROLES, region=county, is_active=True),
            kind="halfyear_urged",
            title=_("催报：请报送{year}年{half}半年报").format(year=year, half=state.half_label),
            body=_("报送截止{deadline}，已逾期{days}天，尚未报送。{who}于{when}催报。").format(
                deadline=_when_day(state.deadline),
                days=days,
                who=who,
                when=_when_minute(timezone.now()),
            ),
            action=_("请填写经验做法和典型案例，核对数据后报送"),
            url=link,
        )
        entry = record(
            AuditEntry.Action.URGE,
            actor=acting_user,
            obj=county,
            region=county,
            object_repr=_("{county}{year}年{half}半年报").format(
                county=county.name, year=year, half=state.half_label
            ),
            data={
                "year": year,
                "half": half,
                "deadline": state.deadline.isoformat(),
                "days_late": days,
                "notified": told,
            },
        )
        filing.urged_at = entry.at
    return chosen


def _when_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _when_minute(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
