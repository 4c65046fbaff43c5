"""Schools: the places the programme goes to (002 二(一): all primary and secondary schools,
vocational and private ones included)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from laomo.core.links import object_url
from laomo.core.models import RegistryModel, RegistryQuerySet
from laomo.core.text import pinyin_keys


class SchoolQuerySet(RegistryQuerySet):
    def for_view(self, scope):
        if scope.is_school:
            return self.filter(pk=scope.school_id)
        if not scope.can("schools.view"):
            return self.none()
        return self.filter(scope.region_q())

    def for_change(self, scope):
        if not scope.can("schools.change"):
            return self.none()
        return self.filter(scope.region_q())


class School(RegistryModel):
    """A school in a county, with its stage, ownership and size."""

    class Stage(models.TextChoices):
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        NINE_YEAR = "nine_year", _("九年一贯制")
        SENIOR = "senior", _("高中")
        COMPLETE = "complete", _("完全中学")
        VOCATIONAL = "vocational", _("中等职业学校")
        SPECIAL = "special", _("特殊教育")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("公办")
        PRIVATE = "private", _("民办")

    name = models.CharField("学校名称", max_length=100)
    code = models.CharField(
        "学校标识码", max_length=10, blank=True, help_text="教育部10位学校标识码，可不填"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属县（区）",
        on_delete=models.PROTECT,
        related_name="schools",
    )
    stage = models.CharField("学段", max_length=12, choices=Stage.choices)
    ownership = models.CharField(
        "办学性质", max_length=8, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    student_count = models.PositiveIntegerField(
        "在校生数", default=0, validators=[MinValueValidator(0), MaxValueValidator(100000)]
    )
    address = models.CharField("地址", max_length=200, blank=True)
    reached_on = models.DateField(
        "首次宣讲日期",
        null=True,
        blank=True,
        editable=False,
        help_text="行动开展以来本校第一场通过验收的宣讲活动的日期；为空表示尚未覆盖",
    )
    search_text = models.TextField("检索文本", blank=True, editable=False)

    objects = SchoolQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at", "reached_on"])

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="school_unique_name_in_county")
        ]
        indexes = [
            models.Index(fields=["region", "stage"], name="school_region_stage"),
            # "Largest first" across a whole country stops after a page, and the usual filters
            # (stage, reached or not, ownership, current) are read from the index itself, which
            # also counts them without touching the rows. (No index on reached_on alone: the
            # planner would pick it, then sort tens of thousands of schools.)
            models.Index(
                fields=["student_count", "stage", "reached_on", "ownership", "archived_at"],
                name="school_size_cover",
            ),
            models.Index(fields=["region", "reached_on"], name="school_region_reached"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("schools:school-detail", self.pk)

    def save(self, *args, **kwargs):
        self.search_text = " ".join([self.name.lower(), pinyin_keys(self.name), self.code]).strip()
        super().save(*args, **kwargs)
