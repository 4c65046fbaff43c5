from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from laomo.core.api import Pages, apply_common
from laomo.core.scoping import get_object_for_scope
from laomo.schools.models import School

router = Router(tags=["学校"])


class SchoolOut(Schema):
    id: int
    name: str
    code: str
    region_code: str
    region_name: str
    stage: str
    stage_label: str
    ownership: str
    ownership_label: str
    student_count: int
    address: str
    archived: bool

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_stage_label(obj):
        return obj.get_stage_display()

    @staticmethod
    def resolve_ownership_label(obj):
        return obj.get_ownership_display()

    @staticmethod
    def resolve_archived(obj):
        return obj.is_archived


@router.get("", response=list[SchoolOut], summary="学校列表")
@paginate(Pages)
def list_schools(
    request: HttpRequest,
    q: str | None = None,
    region: str | None = None,
    stage: School.Stage | None = None,
    ownership: School.Ownership | None = None,
    archived: bool = False,
):
    """q 可为校名或拼音首字母；region 为区划代码（含下级）。"""
    queryset = School.objects.restrict(request.scope).select_related("region")
    queryset = apply_common(queryset, q=q, region=region, archived=archived)
    if stage:
        queryset = queryset.filter(stage=stage)
    if ownership:
        queryset = queryset.filter(ownership=ownership)
    return queryset


@router.get("/{school_id}", response=SchoolOut, summary="学校详情")
def get_school(request: HttpRequest, school_id: int):
    return get_object_for_scope(
        School.objects.select_related("region"), request.scope, pk=school_id
    )
