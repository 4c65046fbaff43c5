"""Model workers and craftsmen (劳模工匠), their honours, and the lecture groups (宣讲团)."""

import contextlib

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from laomo.core.links import object_url
from laomo.core.models import RegistryModel, RegistryQuerySet
from laomo.core.text import InputError, mask_phone, normalize_phone, pinyin_keys
from laomo.people.choices import ETHNICITY_CHOICES, Gender, HonourLevel, batch_name
from laomo.regions.models import Region


class PersonQuerySet(RegistryQuerySet):
    def for_view(self, scope):
        if scope.is_lecturer:
            return self.filter(pk=scope.person_id)
        if not scope.can("people.view"):
            return self.none()
        return self.filter(scope.region_q())

    def for_change(self, scope):
        if scope.can("people.change_own"):
            return self.filter(pk=scope.person_id)
        if not scope.can("people.change"):
            return self.none()
        return self.filter(scope.region_q())

    def for_open(self, scope):
        """Whose profile `scope` may open: those it may view, and for an official also those it
        may invite (a county, the members of the city's groups), so that it can choose among
        them. Opening shows no more than a view does: the phone stays masked, and a full number
        is revealed (and recorded) only for those in the official's own region."""
        seen = self.for_view(scope)
        if not scope.is_official or not scope.can("people.view"):
            return seen
        invitable = self.for_invite(scope).order_by().values("pk")
        return self.filter(pk__in=seen.order_by().values("pk").union(invitable, all=True))

    def for_invite(self, scope):
        """Whom `scope` may book for a talk: officials, the active people of their region; a
        county, also the members of the city's lecture groups; a school, the active members of
        its county's and the city's groups (002 三(一)、三(二))."""
        active = self.filter(active=True, archived_at__isnull=True)
        if scope.region is None:
            return self.none()
        groups = LectureGroup.objects.unrestricted().filter(
            archived_at__isnull=True, region__code__in=scope.region.lineage
        )
        members = Membership.objects.filter(group__in=groups).values("person_id")
        if scope.is_school and scope.can("lecturers.directory"):
            return active.filter(pk__in=members)
        if not scope.can("talks.change"):
            return self.none()
        # One set of ids from each side: "in the region OR a member" over a country's people
        # makes the database read every person to test the second condition.
        own = self.filter(scope.region_q()).order_by().values("pk")
        return active.filter(pk__in=own.union(members.order_by(), all=True))


class Person(RegistryModel):
    """A model worker or craftsman who may speak in schools."""

    name = models.CharField("姓名", max_length=30)
    gender = models.CharField("性别", max_length=2, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=10, choices=ETHNICITY_CHOICES, blank=True)
    unit = models.CharField(
        "工作单位", max_length=200, blank=True, help_text="花名册中“工作单位及职务”一栏的单位部分"
    )
    post = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField(
        "联系电话", max_length=30, blank=True, help_text="11位手机号，或带区号的固定电话"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="所属县（区）",
        on_delete=models.PROTECT,
        related_name="people",
        help_text="市直单位人员归属市本级",
    )
    topics = models.TextField("宣讲主题", blank=True, help_text="每行一个主题")
    note = models.CharField("备注", max_length=200, blank=True)
    active = models.BooleanField("可参加宣讲", default=True)
    search_text = models.TextField("检索文本", blank=True, editable=False)

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])
    audit_masked = {"phone": "masked_phone"}

    class Meta:
        verbose_name = "劳模工匠"
        verbose_name_plural = "劳模工匠"
        ordering = ["region__code", "name", "id"]
        indexes = [
            models.Index(fields=["region", "name"], name="person_region_name"),
            # The current people by gender, narrow: a national list filtered by gender (and an
            # honour) reads this instead of the whole table.
            models.Index(
                fields=["gender", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="person_current_gender",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        try:
            self.phone = normalize_phone(self.phone)
        except InputError as exc:
            raise ValidationError({"phone": str(exc)}) from exc

    def save(self, *args, **kwargs):
        # clean() reports a malformed number to whoever typed it; here a stored value is kept.
        with contextlib.suppress(InputError):
            self.phone = normalize_phone(self.phone)
        self.refresh_search_text()
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        """Name, its pinyin (full and initials), unit, post and topics, for the search box."""
        parts = (self.name, pinyin_keys(self.name), self.unit, self.post, " ".join(self.topic_list))
        self.search_text = " ".join(part for part in parts if part).lower()

    def get_absolute_url(self) -> str:
        return object_url("people:person-detail", self.pk)

    def history_parts(self, scope):
        """Histories shown with the person's own: their honours, and their memberships of the
        groups `scope` may see (a county official does not learn the city's groups this way)."""
        visible_groups = LectureGroup.objects.restrict(scope).values("pk")
        return [
            (
                Honour.history.filter(person_id=self.pk),
                lambda r: _("荣誉：{title}").format(title=r.title),
            ),
            (
                Membership.history.filter(person_id=self.pk, group_id__in=visible_groups),
                lambda r: _("宣讲团：{name}").format(name=_name_of(LectureGroup, r.group_id)),
            ),
        ]

    @property
    def unit_and_post(self) -> str:
        """The roster's 工作单位及职务 cell."""
        return f"{self.unit}{self.post}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def topic_list(self) -> list[str]:
        return [line.strip() for line in self.topics.splitlines() if line.strip()]


def _name_of(model, pk) -> str:
    """The name of a row a history record points at, archived or not."""
    return model._base_manager.filter(pk=pk).values_list("name", flat=True).first() or f"#{pk}"


class Honour(models.Model):
    """An honour a person holds: 自治区劳动模范, 全国五一劳动奖章 …"""

    person = models.ForeignKey(
        Person, verbose_name="劳模工匠", on_delete=models.CASCADE, related_name="honours"
    )
    title = models.CharField("荣誉称号", max_length=100)
    level = models.CharField(
        "级别", max_length=10, choices=HonourLevel.choices, blank=True, default=""
    )
    year = models.PositiveSmallIntegerField(
        "授予年份",
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    awarded_by = models.CharField("授予单位", max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "荣誉"
        verbose_name_plural = "荣誉"
        ordering = ["person", "id"]
        # "Who holds a national honour": the honours of that level lead to their holders.
        indexes = [models.Index(fields=["level", "person"], name="honour_level_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "title", "year"],
                condition=models.Q(year__isnull=False),
                name="honour_unique_per_person_year",
            ),
            models.UniqueConstraint(
                fields=["person", "title"],
                condition=models.Q(year__isnull=True),
                name="honour_unique_per_person_undated",
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """As written in a roster: 2019年自治区劳动模范, or the title alone."""
        return f"{self.year}年{self.title}" if self.year else self.title


class LectureGroupQuerySet(RegistryQuerySet):
    def for_view(self, scope):
        if scope.is_lecturer:
            return self.filter(
                pk__in=Membership.objects.filter(person_id=scope.person_id).values("group_id")
            )
        if not scope.can("groups.view"):
            return self.none()
        return self.filter(scope.region_q())

    def for_change(self, scope):
        if not scope.can("groups.change"):
            return self.none()
        return self.filter(scope.region_q())

    def with_listing(self):
        """What a list of groups shows: region, organisers and the count of current members.

        Organisers are public bodies (a union, a bureau), named on a group the caller may
        already see, so they are read without a scope of their own.
        """
        from laomo.regions.models import Organisation

        current_members = (
            Membership.objects.filter(group=models.OuterRef("pk"), person__archived_at__isnull=True)
            .order_by()
            .values("group")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return (
            self.select_related("region")
            .prefetch_related(
                models.Prefetch("organisers", queryset=Organisation.objects.unrestricted())
            )
            # A subquery, not a join grouped over every membership: the count and the page's
            # ids are read without it, and it is worked out for the rows shown.
            .annotate(member_count=Coalesce(models.Subquery(current_members), 0))
            .order_by("region__code", "batch", "name")
        )


class LectureGroup(RegistryModel):
    """A lecture group (宣讲团), formed jointly by a union and an education bureau (002 三(一))."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name="组建区划",
        on_delete=models.PROTECT,
        related_name="lecture_groups",
        help_text="市级宣讲团选市，县级宣讲团选县（区）",
    )
    batch = models.PositiveSmallIntegerField(
        "批次", default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    formed_on = models.DateField("组建日期", null=True, blank=True)
    organisers = models.ManyToManyField(
        "regions.Organisation",
        verbose_name="组建单位",
        blank=True,
        related_name="lecture_groups",
        help_text="共同组建的工会和教育体育局",
    )
    description = models.TextField("说明", blank=True)
    members = models.ManyToManyField(
        Person, through="Membership", related_name="lecture_groups", verbose_name="成员"
    )

    objects = LectureGroupQuerySet.as_manager()
    # Organisers are not kept in this history (simple-history would read them back through the
    # scoped manager); their changes are in the audit log with old and new values.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "宣讲团"
        verbose_name_plural = "宣讲团"
        ordering = ["region__code", "batch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="group_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("people:group-detail", self.pk)

    def history_parts(self, scope):
        return [
            (
                Membership.history.filter(group_id=self.pk),
                lambda r: _("成员：{name}").format(name=_name_of(Person, r.person_id)),
            )
        ]

    @property
    def level(self) -> str:
        return "county" if self.region.is_county_level else "city"

    @property
    def level_label(self) -> str:
        return _("县级") if self.level == "county" else _("市级")

    @property
    def batch_label(self) -> str:
        return batch_name(self.batch)


class Membership(models.Model):
    """A person's place in a lecture group; `position` is the roster's 序号."""

    group = models.ForeignKey(
        LectureGroup, verbose_name="宣讲团", on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name="成员", on_delete=models.PROTECT, related_name="memberships"
    )
    position = models.PositiveIntegerField("序号", default=0)
    joined_on = models.DateField("加入日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "宣讲团成员"
        verbose_name_plural = "宣讲团成员"
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group.name} · {self.person.name}"
