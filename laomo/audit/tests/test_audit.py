import pytest

from laomo.audit.models import AuditEntry
from laomo.audit.services import record


def test_details_read_as_chinese_lines(world):
    entry = record(
        AuditEntry.Action.UPDATE,
        obj=world.a.person,
        data={"changed": {"unit": ["旧单位", "新单位"], "phone": ["139****0001", "139****0002"]}},
    )
    assert entry.details == ["工作单位：旧单位 → 新单位", "联系电话：139****0001 → 139****0002"]
    entry = record(
        AuditEntry.Action.IMPORT,
        obj=world.a.group,
        data={"filename": "花名册.xlsx", "rows": 8, "created": 2, "role": "county_union"},
    )
    assert entry.details == ["文件：花名册.xlsx", "共8行", "新增2人", "角色：县（区）总工会"]


def test_entries_cannot_be_changed_or_deleted(world):
    entry = record(
        AuditEntry.Action.REVEAL_PHONE, obj=world.a.person, data={"masked": "139****0001"}
    )
    entry.outcome = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.unrestricted().filter(pk=entry.pk).update(outcome="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.unrestricted().filter(pk=entry.pk).delete()
    assert AuditEntry.objects.unrestricted().get(pk=entry.pk).outcome == "success"


def test_region_pages_count_what_lies_below(world, login):
    client = login(world.user("city_union"))
    response = client.get("/regions/")
    regions = {region.code: region for region in response.context["object_list"]}
    assert regions["640400"].school_count == 4  # two schools in each county
    assert regions["640400"].person_count == 3  # A's, B's and the city's own
    assert regions["640402"].school_count == 2
    detail = client.get(f"/regions/{world.city.pk}/").context
    assert (detail["school_count"], detail["person_count"], detail["direct_person_count"]) == (
        4,
        3,
        1,
    )
