"""Administrative regions (GB/T 2260) and the organisations that act in them."""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from laomo.core.links import object_url
from laomo.core.models import RegistryModel, RegistryQuerySet
from laomo.core.scoping import ScopedModel, ScopedQuerySet


class RegionQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        if not scope.can("regions.view"):
            return self.none()
        return self.filter(path__startswith=scope.region.path)

    def within(self, region):
        """`region` and everything below it."""
        return self.filter(path__startswith=region.path)

    def cities(self):
        return self.filter(level=Region.Level.CITY)

    def counties(self):
        """The county-level units: 区, 县 and development zones."""
        return self.filter(level__in=[Region.Level.COUNTY, Region.Level.ZONE])

    def local(self):
        """The regions a person or a lecture group belongs to: cities and county-level units."""
        return self.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY, Region.Level.ZONE])


class Region(ScopedModel):
    """An administrative region: province, city, county or development zone.

    `path` lists the codes from the top down ("/640000/640400/640402/") so that a region's whole
    subtree is one indexed prefix match, whatever its depth.
    """

    class Level(models.TextChoices):
        COUNTRY = "country", _("国家")
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        COUNTY = "county", _("县级")
        ZONE = "zone", _("开发区")

    code = models.CharField(
        "区划代码",
        max_length=12,
        unique=True,
        help_text="GB/T 2260 代码；开发区按统计用区划代码的 x7x 编码",
    )
    name = models.CharField("名称", max_length=60)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    is_standard = models.BooleanField(
        "国标代码", default=True, help_text="代码是否取自 GB/T 2260（开发区不在其中）"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("regions:region-detail", self.pk)

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    @cached_property
    def city(self) -> "Region":
        """The city this region belongs to (itself if it is one), whose name the banner carries."""
        region = self
        while region.level not in (self.Level.CITY, self.Level.PROVINCE, self.Level.COUNTRY) and (
            region.parent_id
        ):
            region = region.parent
        return region

    @property
    def lineage(self) -> list[str]:
        """The codes of this region and those above it, top first."""
        return [code for code in self.path.split("/") if code]

    @property
    def is_county_level(self) -> bool:
        return self.level in (self.Level.COUNTY, self.Level.ZONE)


class OrganisationQuerySet(RegistryQuerySet):
    def for_view(self, scope):
        if not scope.can("organisations.view"):
            return self.none()
        return self.filter(scope.region_q())

    def for_change(self, scope):
        if not scope.can("organisations.change"):
            return self.none()
        return self.filter(scope.region_q())


class Organisation(RegistryModel):
    """A union, an education bureau, an enterprise or a practice base."""

    class Kind(models.TextChoices):
        UNION = "union", _("工会")
        EDUCATION = "education", _("教育行政部门")
        ENTERPRISE = "enterprise", _("企业")
        PRACTICE_BASE = "practice_base", _("劳动教育实践基地")
        OTHER = "other", _("其他")

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="organisations"
    )
    address = models.CharField("地址", max_length=200, blank=True)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "组织机构"
        verbose_name_plural = "组织机构"
        ordering = ["region__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("regions:organisation-detail", self.pk)
