from datetime import date

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from laomo.core.api import Pages, apply_common
from laomo.core.scoping import get_object_for_scope, refused
from laomo.people import services
from laomo.people.choices import Gender
from laomo.people.models import LectureGroup, Membership, Person

router = Router()


class HonourOut(Schema):
    id: int
    title: str
    level: str
    year: int | None
    awarded_by: str


class ModelWorkerOut(Schema):
    id: int
    name: str
    gender: str
    ethnicity: str
    unit: str
    post: str
    phone: str
    region_code: str
    region_name: str
    honours: list[HonourOut]
    topics: list[str]
    active: bool
    archived: bool

    @staticmethod
    def resolve_phone(obj, context):
        """Masked as on the pages; a model worker sees their own in full."""
        own = context["request"].scope.person_id == obj.pk
        return obj.phone if own else obj.masked_phone

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_honours(obj):
        return list(obj.honours.all())

    @staticmethod
    def resolve_topics(obj):
        return obj.topic_list

    @staticmethod
    def resolve_archived(obj):
        return obj.is_archived


class PhoneOut(Schema):
    id: int
    phone: str


def _people(request):
    return (
        Person.objects.restrict(request.scope).select_related("region").prefetch_related("honours")
    )


@router.get(
    "model-workers", response=list[ModelWorkerOut], tags=["劳模工匠"], summary="劳模工匠列表"
)
@paginate(Pages)
def list_model_workers(
    request: HttpRequest,
    q: str | None = None,
    region: str | None = None,
    gender: Gender | None = None,
    group: int | None = None,
    active: bool | None = None,
    archived: bool = False,
):
    """q 可为姓名、拼音全拼或首字母（如 hcb）、单位；region 为区划代码（含下级）。联系电话打码。"""
    queryset = apply_common(_people(request), q=q, region=region, archived=archived)
    if gender:
        queryset = queryset.filter(gender=gender)
    if active is not None:
        queryset = queryset.filter(active=active)
    if group is not None:
        groups = LectureGroup.objects.restrict(request.scope).filter(pk=group)
        queryset = queryset.filter(
            Exists(Membership.objects.filter(person=OuterRef("pk"), group__in=groups))
        )
    return queryset


@router.get(
    "model-workers/{person_id}", response=ModelWorkerOut, tags=["劳模工匠"], summary="劳模工匠详情"
)
def get_model_worker(request: HttpRequest, person_id: int):
    return get_object_for_scope(_people(request), request.scope, pk=person_id)


@router.post(
    "model-workers/{person_id}/reveal-phone",
    response=PhoneOut,
    tags=["劳模工匠"],
    summary="查看完整联系电话（留痕）",
)
def reveal_phone(request: HttpRequest, person_id: int):
    """仅限有权查看完整电话的角色；每次调用都记入审计日志（谁、看了谁、何时）。"""
    if not request.scope.can("people.reveal_phone"):
        raise refused(request.scope, "people.reveal_phone")
    person = get_object_for_scope(Person.objects.all(), request.scope, pk=person_id)
    return {
        "id": person.pk,
        "phone": services.reveal_phone(person=person, acting_user=request.user),
    }


class MemberOut(Schema):
    id: int
    name: str
    position: int


class LectureGroupOut(Schema):
    id: int
    name: str
    region_code: str
    region_name: str
    level: str
    batch: int
    batch_label: str
    formed_on: date | None
    organisers: list[str]
    member_count: int
    archived: bool

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_organisers(obj):
        return [organiser.name for organiser in obj.organisers.all()]

    @staticmethod
    def resolve_archived(obj):
        return obj.is_archived


class LectureGroupDetailOut(LectureGroupOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return [
            {"id": m.person_id, "name": m.person.name, "position": m.position}
            for m in Membership.objects.filter(group=obj, person__archived_at__isnull=True)
            .select_related("person")
            .order_by("position", "id")
        ]


def _groups(request):
    return LectureGroup.objects.restrict(request.scope).with_listing()


@router.get("lecture-groups", response=list[LectureGroupOut], tags=["宣讲团"], summary="宣讲团列表")
@paginate(Pages)
def list_lecture_groups(
    request: HttpRequest, q: str | None = None, region: str | None = None, archived: bool = False
):
    """q 为名称中的文字（与页面的搜索相同，不区分大小写）；region 为区划代码（含下级）。"""
    queryset = apply_common(_groups(request), q=None, region=region, archived=archived)
    return queryset.filter(name__icontains=q.strip()) if q and q.strip() else queryset


@router.get(
    "lecture-groups/{group_id}",
    response=LectureGroupDetailOut,
    tags=["宣讲团"],
    summary="宣讲团详情（含成员）",
)
def get_lecture_group(request: HttpRequest, group_id: int):
    return get_object_for_scope(_groups(request), request.scope, pk=group_id)
