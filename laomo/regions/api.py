from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from laomo.core.api import Pages
from laomo.core.scoping import get_object_for_scope
from laomo.regions.models import Region

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    id: int
    code: str
    region_code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_region_code(obj):
        return obj.code

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None


@router.get("", response=list[RegionOut], summary="行政区划列表（调用者所辖范围）")
@paginate(Pages)
def list_regions(request: HttpRequest, level: str | None = None):
    queryset = Region.objects.restrict(request.scope).select_related("parent")
    if level:
        queryset = queryset.filter(level=level)
    return queryset


@router.get("/{region_id}", response=RegionOut, summary="行政区划详情")
def get_region(request: HttpRequest, region_id: int):
    return get_object_for_scope(
        Region.objects.select_related("parent"), request.scope, pk=region_id
    )
