"""Talks (宣讲活动) from plan to accepted report (002 三、四), and the year's programme settings."""

from __future__ import annotations

import os
import string
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from laomo.core.files import JournaledStorage
from laomo.core.links import object_url
from laomo.core.models import RegistryQuerySet
from laomo.core.scoping import ScopedModel, ScopedQuerySet
from laomo.outreach.choices import (
    FUNDING_OF_LEVEL,
    BookingStatus,
    Form,
    Level,
    OnlinePlatform,
    Place,
    ReportStatus,
    Status,
    Venue,
)
from laomo.people.models import Person, _name_of

BANNER_FIELDS = {"year", "city", "name"}


def validate_banner_template(value: str) -> None:
    try:
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name}
    except ValueError as exc:
        raise ValidationError(_("横幅模板格式有误：{error}").format(error=exc)) from exc
    if unknown := fields - BANNER_FIELDS:
        raise ValidationError(
            _("横幅模板只能使用 {{year}}、{{city}}、{{name}}，不认识：{fields}").format(
                fields="、".join(sorted(unknown))
            )
        )
    if "name" not in fields:
        raise ValidationError(_("横幅模板须包含专场名称 {name}"))


class ProgrammeYear(models.Model):
    """One city's settings for one year of the programme: the banner's prescribed wording and the
    smallest audience a report must count. Years without a row use the defaults in settings."""

    city = models.ForeignKey(
        "regions.Region", verbose_name="市", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    banner_template = models.CharField(
        "横幅模板",
        max_length=300,
        validators=[validate_banner_template],
        help_text="可用 {year}（年份）、{city}（市名）、{name}（专场名称）",
    )
    min_audience = models.PositiveSmallIntegerField(
        "观众最少人数", default=30, validators=[MinValueValidator(1)]
    )
    # The yearly quotas (002 三(一)3): at least 20 talks city-wide, of which the city at least 5
    # and each county at least 3. School-invited talks are outside them (三(二)).
    quota_total = models.PositiveSmallIntegerField(
        "全市场次指标", default=20, help_text="全市每年不少于的场次（市级统筹与县级统筹合计）"
    )
    quota_city = models.PositiveSmallIntegerField("市级统筹场次指标", default=5)
    quota_county = models.PositiveSmallIntegerField("每县（区）场次指标", default=3)
    quota_zone = models.PositiveSmallIntegerField(
        "开发区场次指标",
        null=True,
        blank=True,
        help_text="留空则开发区不设场次指标（实施方案只对县（区）规定指标）",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度行动配置"
        verbose_name_plural = "年度行动配置"
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="programme_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}年"

    @classmethod
    def of(cls, city, year: int) -> ProgrammeYear:
        """The saved settings for that city and year, or the defaults (unsaved)."""
        found = cls.objects.filter(city=city, year=year).first()
        return found or cls.default(city, year)

    @classmethod
    def default(cls, city, year: int) -> ProgrammeYear:
        return cls(
            city=city,
            year=year,
            banner_template=settings.LAOMO_BANNER_TEMPLATE,
            min_audience=settings.LAOMO_MIN_AUDIENCE,
            **settings.LAOMO_DEFAULT_QUOTAS,
        )

    def quota_of(self, region) -> int | None:
        """The minimum number of talks `region` must organise in the year: the city's own, each
        county's, the development zone's only if configured."""
        if region.level in ("city", "province", "country"):
            return self.quota_city
        if region.level == "zone":
            return self.quota_zone
        return self.quota_county

    def banner(self, name: str) -> str:
        return self.banner_template.format(year=self.year, city=self.city.name, name=name)


class TalkQuerySet(RegistryQuerySet):
    """Who sees a talk: officials, the talks held or organised in their region; a school, the
    talks at that school; a lecturer, the talks they are booked for. Who changes one: the
    officials of the organising region, or the school that invited."""

    def for_view(self, scope):
        if scope.is_school:
            return self.filter(school_id=scope.school_id)
        if scope.is_lecturer:
            return self.filter(
                pk__in=Booking.objects.filter(person_id=scope.person_id).values("talk_id")
            )
        if not scope.can("talks.view"):
            return self.none()
        return self.filter(scope.region_q() | scope.region_q("organiser_region"))

    def for_change(self, scope):
        if scope.is_school and scope.can("talks.invite"):
            return self.filter(school_id=scope.school_id, level=Level.SCHOOL)
        if not scope.can("talks.change"):
            return self.none()
        return self.filter(organiser_region=scope.region).exclude(level=Level.SCHOOL)

    def for_report(self, scope):
        """Who files a talk's report: its organisers, or the school that hosted it."""
        if scope.is_school and scope.can("talks.report"):
            return self.filter(school_id=scope.school_id)
        if not scope.can("talks.report"):
            return self.none()
        return self.for_change(scope)

    def for_respond(self, scope):
        """Whose invitations may be answered: a lecturer's own, or by the organisers for them."""
        if scope.is_lecturer and scope.can("talks.respond"):
            return self.for_view(scope)
        return self.for_change(scope)

    def for_review(self, scope):
        """Reports go to the city union's 宣教部 and the city education bureau (002 四(六))."""
        if not scope.can("talks.review"):
            return self.none()
        return self.for_view(scope)

    def for_consent(self, scope):
        """Whether a talk's photos, children in them, may be shown to the public is the hosting
        school's to say: its contact records consent, or withdraws it."""
        if scope.is_school and scope.can("talks.consent"):
            return self.filter(school_id=scope.school_id)
        return self.none()

    def for_showcase(self, scope):
        """The public showcase, the same for everyone, signed in or not: accepted talks whose
        school recorded its consent on the accepted report."""
        return self.filter(
            status=Status.ACCEPTED,
            archived_at__isnull=True,
            reports__status=ReportStatus.ACCEPTED,
            reports__public_consent_at__isnull=False,
        )

    def current(self):
        return self.filter(archived_at__isnull=True)

    def lapsed(self, now=None):
        """时间已过: talks whose end has passed while they are still planned or confirmed (neither
        marked held nor cancelled). The one definition behind the list filter, the badge, the
        dashboard card and the reminder to the organiser."""
        return self.filter(status__in=LAPSABLE, ends_at__lt=now or timezone.now())


# The statuses in which a talk whose time has passed is 时间已过.
LAPSABLE = (Status.PLANNED, Status.CONFIRMED)


class Talk(ScopedModel):
    """A talk in a school, at a practice base or online, by one or more lecturers."""

    title = models.CharField("活动名称", max_length=120)
    level = models.CharField("统筹层级", max_length=10, choices=Level.choices)
    organiser_region = models.ForeignKey(
        "regions.Region",
        verbose_name="统筹区划",
        on_delete=models.PROTECT,
        related_name="organised_talks",
        help_text="市级统筹为市，县级统筹为县（区），学校自行邀请为学校所在县（区）",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="举办地所属县（区）",
        on_delete=models.PROTECT,
        related_name="talks",
    )
    organisers = models.ManyToManyField(
        "regions.Organisation",
        verbose_name="主办单位",
        blank=True,
        related_name="talks",
        help_text="同级工会和教育体育局共同主办",
    )
    place = models.CharField("举办形式", max_length=10, choices=Place.choices, default=Place.SCHOOL)
    school = models.ForeignKey(
        "schools.School",
        verbose_name="学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks",
    )
    base = models.ForeignKey(
        "regions.Organisation",
        verbose_name="实践基地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="base_talks",
    )
    online_platform = models.CharField(
        "线上平台", max_length=20, choices=OnlinePlatform.choices, blank=True
    )
    special_name = models.CharField(
        "专场名称",
        max_length=60,
        blank=True,
        help_text="横幅上“（××专场）”中的名称，留空则用学校或基地名称",
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    starts_on = models.DateField(
        "活动日期", editable=False, db_index=True, help_text="开始时间在本地（北京时间）的日期"
    )
    venue = models.CharField("场所", max_length=20, choices=Venue.choices)
    form = models.CharField("活动形式", max_length=20, choices=Form.choices)
    form_other = models.CharField("其他形式说明", max_length=60, blank=True)
    expected_audience = models.PositiveIntegerField(
        "预计观众人数", default=0, validators=[MaxValueValidator(100000)]
    )
    cost = models.DecimalField(
        "经费（元）",
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True, editable=False)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    lecturers = models.ManyToManyField(
        "people.Person", through="Booking", related_name="talks", verbose_name="宣讲员"
    )

    objects = TalkQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "宣讲活动"
        verbose_name_plural = "宣讲活动"
        ordering = ["-starts_on", "-starts_at", "-id"]  # the day first: one index serves both
        indexes = [
            # The list's order, and the filters a national list takes (status, level, current)
            # inside the same index: a filtered page and its count read the index, not the rows.
            models.Index(
                fields=["starts_on", "starts_at", "id", "status", "level", "archived_at"],
                name="talk_day_cover",
            ),
            models.Index(fields=["region", "starts_at"], name="talk_region_start"),
            models.Index(fields=["organiser_region", "starts_at"], name="talk_organiser_start"),
            models.Index(fields=["school", "starts_at"], name="talk_school_start"),
            models.Index(fields=["organiser_region", "starts_on"], name="talk_organiser_day"),
            models.Index(fields=["region", "starts_on"], name="talk_region_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="talk_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # The local date is kept beside the instant: years, months and half-years are counted
        # by it, in one indexed column, without time-zone arithmetic in the database.
        if self.starts_at is not None:
            self.starts_on = timezone.localtime(self.starts_at).date()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "starts_on"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return object_url("outreach:talk-detail", self.pk)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_lapsed(self) -> bool:
        """See `TalkQuerySet.lapsed`."""
        return self.status in LAPSABLE and self.ends_at < timezone.now()

    @property
    def funding(self) -> str:
        """Who pays, as the plan fixes it for the level (002 四(四))."""
        return FUNDING_OF_LEVEL[Level(self.level)].label

    @property
    def organiser_list(self) -> list:
        """The organisers, the union first, as the plan names them."""
        return sorted(
            self.organisers.unrestricted(),
            key=lambda org: (org.kind != "union", org.name),
        )

    @property
    def place_name(self) -> str:
        if self.place == Place.SCHOOL and self.school_id:
            return self.school.name
        if self.place == Place.BASE and self.base_id:
            return self.base.name
        return self.get_online_platform_display() or _("线上")

    @property
    def banner_name(self) -> str:
        return self.special_name or self.place_name

    @cached_property
    def programme(self) -> ProgrammeYear:
        return ProgrammeYear.of(self.region.city, timezone.localtime(self.starts_at).year)

    @property
    def banner_text(self) -> str:
        """The banner's wording, as prescribed (002 四(六)), for this talk's year and place."""
        return self.programme.banner(self.banner_name)

    @property
    def local_date(self):
        return timezone.localtime(self.starts_at).date()

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    def history_parts(self, scope):
        return [
            (
                Booking.history.filter(talk_id=self.pk),
                lambda r: _("宣讲员：{name}").format(name=_name_of(Person, r.person_id)),
            )
        ]


class BookingQuerySet(ScopedQuerySet):
    """A booking is seen with its talk; a lecturer also sees their own."""

    def for_view(self, scope):
        return self.filter(talk__in=Talk.objects.restrict(scope))

    def overlapping(self, person, starts_at, ends_at):
        """Live bookings of `person` whose talk's time window overlaps [starts_at, ends_at)."""
        return (
            self.filter(
                person=person,
                status__in=[BookingStatus.INVITED, BookingStatus.CONFIRMED],
                talk__starts_at__lt=ends_at,
                talk__ends_at__gt=starts_at,
            )
            .exclude(talk__status=Status.CANCELLED)
            .exclude(talk__archived_at__isnull=False)
        )


class Booking(ScopedModel):
    """A lecturer invited to a talk, and their answer."""

    talk = models.ForeignKey(
        Talk, verbose_name="宣讲活动", on_delete=models.CASCADE, related_name="bookings"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="宣讲员", on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        "答复", max_length=10, choices=BookingStatus.choices, default=BookingStatus.INVITED
    )
    reason = models.CharField("婉拒原因", max_length=200, blank=True)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="本人或代为答复的组织者",
    )

    objects = BookingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "宣讲员邀请"
        verbose_name_plural = "宣讲员邀请"
        ordering = ["talk", "id"]
        constraints = [models.UniqueConstraint(fields=["talk", "person"], name="booking_unique")]

    def __str__(self) -> str:
        return f"{self.talk} · {self.person}"


class ReportQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        return self.filter(talk__in=Talk.objects.restrict(scope))


class TalkReport(ScopedModel):
    """One submission of a talk's report (002 四(六)): the audience counted, an account, photos.
    A returned report stays on record; the resubmission is a new one."""

    talk = models.ForeignKey(
        Talk, verbose_name="宣讲活动", on_delete=models.CASCADE, related_name="reports"
    )
    number = models.PositiveSmallIntegerField("报送次数", default=1)
    students = models.PositiveIntegerField("学生人数", default=0)
    teachers = models.PositiveIntegerField("教师人数", default=0)
    others = models.PositiveIntegerField("其他人员人数", default=0)
    account = models.TextField("活动情况", help_text="简要记述活动过程和效果")
    status = models.CharField(
        "验收状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("验收时间", null=True, blank=True)
    return_reasons = models.TextField("退回原因", blank=True)
    # Photos of minors are public only with the hosting school's consent, given for this
    # submission's photos (a resubmission's new photos need it again) and withdrawable.
    public_consent_at = models.DateTimeField(
        "学校同意公开展示照片的时间",
        null=True,
        blank=True,
        help_text="学校联络人同意后，验收通过的照片在公开展示页展示；撤回同意即不再展示",
    )
    public_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="同意公开展示的学校联络人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "活动资料报送"
        verbose_name_plural = "活动资料报送"
        ordering = ["talk", "-number"]
        indexes = [
            # The public showcase: the few consented reports among hundreds of thousands.
            models.Index(
                fields=["talk"],
                condition=Q(status="accepted", public_consent_at__isnull=False),
                name="report_showcase",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["talk", "number"], name="report_number_unique"),
            models.UniqueConstraint(
                fields=["talk"],
                condition=Q(status="accepted"),
                name="report_one_accepted_per_talk",
            ),
        ]

    def __str__(self) -> str:
        return _("{talk} 第{n}次报送").format(talk=self.talk, n=self.number)

    @property
    def audience(self) -> int:
        return self.students + self.teachers + self.others


def _photo_name(instance, filename: str) -> str:
    # Random names: nothing about the school, the talk or the child is in the file's name.
    return f"photos/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.jpg"


def _thumb_name(instance, filename: str) -> str:
    return f"thumbs/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.jpg"


class PrivateStorage(JournaledStorage):
    """Photos of minors live outside the public media folder and are served only through a
    view that checks the caller may see the talk. The folder is read from settings each time,
    so that it follows PRIVATE_MEDIA_ROOT wherever that is set. Photos are written inside
    `journal()`, so that a crash leaves none without its row (laomo.core.files)."""

    def __init__(self, **kwargs):
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        # FileSystemStorage falls back to MEDIA_URL; a photo has no public address at all.
        raise ValueError("活动照片没有公开地址，只能经由权限校验的视图查看")


private_storage = PrivateStorage()


class PhotoQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        return self.filter(report__talk__in=Talk.objects.restrict(scope))

    def for_showcase(self, scope):
        """Photos of the accepted, consented report of a showcased talk; never those of an
        earlier, returned report of the same talk."""
        return self.filter(
            report__status=ReportStatus.ACCEPTED,
            report__public_consent_at__isnull=False,
            report__talk__in=Talk.objects.restrict(scope, "showcase"),
        )


class ReportPhoto(ScopedModel):
    """A photo of a report, re-encoded without its metadata; what it shows, and what the checks
    found (capture date against the talk's date, the same picture in another talk's report)."""

    report = models.ForeignKey(
        TalkReport, verbose_name="报送", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField("照片", storage=private_storage, upload_to=_photo_name)
    thumbnail = models.FileField("缩略图", storage=private_storage, upload_to=_thumb_name)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    original_format = models.CharField("原始格式", max_length=10)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    caption = models.CharField(
        "图片说明", max_length=200, help_text="注明活动时间、主办单位、活动名称"
    )
    shows_banner = models.BooleanField("含横幅", default=False)
    shows_lecturer = models.BooleanField("含宣讲员", default=False)
    shows_audience = models.BooleanField("含观众", default=False)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    date_mismatch = models.BooleanField("拍摄日期与活动日期不符", default=False)
    phash = models.CharField("感知哈希", max_length=16, db_index=True)
    band0 = models.PositiveIntegerField(db_index=True)
    band1 = models.PositiveIntegerField(db_index=True)
    band2 = models.PositiveIntegerField(db_index=True)
    band3 = models.PositiveIntegerField(db_index=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="疑似重复",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return self.caption

    @property
    def shows_label(self) -> str:
        parts = [
            label
            for flag, label in (
                (self.shows_banner, gettext_lazy("横幅")),
                (self.shows_lecturer, gettext_lazy("宣讲员")),
                (self.shows_audience, gettext_lazy("观众")),
            )
            if flag
        ]
        return "、".join(str(part) for part in parts)


class DraftQuerySet(ScopedQuerySet):
    """A draft is seen by those who may file its talk's report, and by nobody else: reviewers
    see submissions, never a draft."""

    def for_view(self, scope):
        return self.filter(talk__in=Talk.objects.restrict(scope, "report"))

    def for_change(self, scope):
        return self.for_view(scope)


class ReportDraft(ScopedModel):
    """A talk's report being written: the audience and account as far as they are filled in,
    and the photos received so far. One per talk; it is not a submission (counted nowhere,
    shown to no reviewer) and becomes the report when it is submitted."""

    talk = models.OneToOneField(
        Talk, verbose_name="宣讲活动", on_delete=models.CASCADE, related_name="report_draft"
    )
    students = models.PositiveIntegerField("学生人数", null=True, blank=True)
    teachers = models.PositiveIntegerField("教师人数", null=True, blank=True)
    others = models.PositiveIntegerField("其他人员人数", null=True, blank=True)
    account = models.TextField("活动情况", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="保存人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("保存时间", auto_now=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        verbose_name = "活动资料草稿"
        verbose_name_plural = "活动资料草稿"

    def __str__(self) -> str:
        return _("{talk} 报送草稿").format(talk=self.talk)


class DraftPhotoQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        return self.filter(draft__in=ReportDraft.objects.restrict(scope))


class DraftPhoto(ScopedModel):
    """A photo of a draft: either received for it (its own re-encoded file, checked like any
    report photo) or a photo of the talk's returned report kept as it is (`source`, no file of
    its own until the report is filed). Caption and marks are the person's, per photo."""

    draft = models.ForeignKey(
        ReportDraft, verbose_name="草稿", on_delete=models.CASCADE, related_name="photos"
    )
    source = models.ForeignKey(
        ReportPhoto,
        verbose_name="沿用的照片",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="上次被退回的报送中保留下来的照片",
    )
    image = models.FileField("照片", storage=private_storage, upload_to=_photo_name, blank=True)
    thumbnail = models.FileField(
        "缩略图", storage=private_storage, upload_to=_thumb_name, blank=True
    )
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    original_format = models.CharField("原始格式", max_length=10, blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    phash = models.CharField("感知哈希", max_length=16, blank=True)
    caption = models.CharField("图片说明", max_length=200, blank=True)
    shows_banner = models.BooleanField("含横幅", default=False)
    shows_lecturer = models.BooleanField("含宣讲员", default=False)
    shows_audience = models.BooleanField("含观众", default=False)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    objects = DraftPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = "草稿照片"
        verbose_name_plural = "草稿照片"
        ordering = ["draft", "position", "id"]

    def __str__(self) -> str:
        return self.caption or self.original_name
