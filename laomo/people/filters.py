import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from laomo.core.filters import RegistryFilterSet
from laomo.core.widgets import SuggestSelect
from laomo.people.choices import Gender, HonourLevel
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Region

ACTIVE_CHOICES = [("1", _("可参加宣讲")), ("0", _("暂停"))]
LEVEL_CHOICES = [(value, label) for value, label in HonourLevel.choices if value]


def _regions(request):
    return Region.objects.restrict(request.scope).local()


def _groups(request):
    return LectureGroup.objects.restrict(request.scope).current()


class PersonFilterSet(RegistryFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("所属区划"),
        queryset=_regions,
        empty_label=_("全部"),
        widget=SuggestSelect("localities"),
    )
    gender = django_filters.ChoiceFilter(
        label=_("性别"), choices=Gender.choices, empty_label=_("全部")
    )
    honour_level = django_filters.ChoiceFilter(
        label=_("荣誉级别"), choices=LEVEL_CHOICES, empty_label=_("全部"), method="by_honour_level"
    )
    group = django_filters.ModelChoiceFilter(
        label=_("宣讲团"),
        queryset=_groups,
        empty_label=_("全部"),
        method="by_group",
        widget=SuggestSelect("groups"),
    )
    invited = django_filters.ChoiceFilter(
        label=_("受邀情况"),
        choices=[("never", _("从未受邀")), ("ever", _("受邀过"))],
        empty_label=_("全部"),
        method="by_invited",
    )
    active = django_filters.ChoiceFilter(
        label=_("宣讲状态"), choices=ACTIVE_CHOICES, empty_label=_("全部"), method="by_active"
    )

    class Meta:
        model = Person
        fields = ["q", "region", "gender", "honour_level", "group", "active", "status"]

    def by_honour_level(self, queryset, name, value):
        # An IN over the honours of that level (a few thousand of a hundred thousand people):
        # the database starts from the honours' index instead of testing every person.
        return queryset.filter(pk__in=Honour.objects.filter(level=value).values("person_id"))

    def by_group(self, queryset, name, value):
        return queryset.filter(
            Exists(Membership.objects.filter(person=OuterRef("pk"), group=value))
        )

    def by_invited(self, queryset, name, value):
        from laomo.outreach.models import Booking

        invited = Exists(Booking.objects.filter(person=OuterRef("pk")))
        return queryset.filter(invited if value == "ever" else ~invited)

    def by_active(self, queryset, name, value):
        return queryset.filter(active=value == "1")


class LectureGroupFilterSet(RegistryFilterSet):
    region = django_filters.ModelChoiceFilter(
        label=_("组建区划"),
        queryset=_regions,
        empty_label=_("全部"),
        widget=SuggestSelect("regions"),
    )
    search_field = "name"

    class Meta:
        model = LectureGroup
        fields = ["q", "region", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip())
