import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from laomo.audit.models import AuditEntry
from laomo.audit.services import purge_expired, record
from laomo.core.testing.factories import SchoolFactory, UserFactory


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


# The database's own refusal (migration 0005), whatever SQL reaches it ---------------------------

TABLE = AuditEntry._meta.db_table


def _sql(statement: str, *params) -> int:
    """Run raw SQL on the app's own connection, as a shell or a hand-written query would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _refused(statement: str, *params) -> str:
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        _sql(statement, *params)
    return str(refusal.value)


def test_the_database_refuses_any_update_and_the_early_delete_of_an_entry(world):
    recent = record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)
    old = entry_at(timezone.now() - timedelta(days=400))

    for entry in (recent, old):
        assert "审计记录不可修改" in _refused(
            f"UPDATE {TABLE} SET outcome = %s WHERE id = %s",  # noqa: S608 - test SQL
            "tampered",
            entry.pk,
        )
    assert "审计记录不可修改" in _refused(f"UPDATE {TABLE} SET actor_name = 'x'")  # noqa: S608
    assert "至少保留183天" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", recent.pk)  # noqa: S608
    # A delete that would take a recent entry with old ones takes nothing at all.
    assert "至少保留183天" in _refused(f"DELETE FROM {TABLE}")  # noqa: S608
    assert AuditEntry.objects.unrestricted().filter(pk__in=[recent.pk, old.pk]).count() == 2
    assert AuditEntry.objects.unrestricted().get(pk=recent.pk).outcome == "success"

    # What the retention purge removes, the database lets go.
    assert _sql(f"DELETE FROM {TABLE} WHERE id = %s", old.pk) == 1  # noqa: S608


def test_the_database_guard_holds_at_the_edge_of_the_retention_period(world):
    now = timezone.now()
    young = entry_at(now - timedelta(days=182, hours=23))
    due = entry_at(now - timedelta(days=183, hours=1))
    assert "至少保留183天" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", young.pk)  # noqa: S608
    assert _sql(f"DELETE FROM {TABLE} WHERE id = %s", due.pk) == 1  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_leaves_the_guard_in_place(world):
    """`laomo flush` (generate-scale --force, the transactional tests' teardown) still works on
    both databases, and the triggers are there afterwards. (Transactional, as a real flush is: on
    PostgreSQL a TRUNCATE inside the test's transaction meets its deferred constraint checks.)"""
    record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.unrestricted().exists()
    entry = record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx")
    assert "审计记录不可修改" in _refused(
        f"UPDATE {TABLE} SET outcome = 'x' WHERE id = %s",  # noqa: S608
        entry.pk,
    )
    assert "至少保留183天" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", entry.pk)  # noqa: S608


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
    # Three levels: the province's count holds its city's, the city's its counties'.
    province_user = UserFactory(
        username="province-regions", role="city_union", region=world.province
    )
    SchoolFactory(region=world.a.region)
    counted = {
        region.code: (region.school_count, region.person_count)
        for region in login(province_user).get("/regions/").context["object_list"]
    }
    assert counted["640000"] == counted["640400"] == (5, 3)
    assert counted["640402"] == (3, 1)


# Retention and the purge ------------------------------------------------------------------------


def entry_at(when, **data):
    """An entry written at `when` (the log stamps the time itself, so the clock is set)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return record(AuditEntry.Action.EXPORT, object_repr="台账.xlsx", data=data)


def test_purge_removes_what_is_older_than_183_days_and_records_itself(world):
    now = timezone.now()
    old = entry_at(now - timedelta(days=184))
    kept = entry_at(now - timedelta(days=182))
    recent = record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)

    result = purge_expired()

    remaining = set(AuditEntry.objects.unrestricted().values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {kept.pk, recent.pk} <= remaining
    assert result.deleted == 1
    assert result.retention_days == 183
    purge = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.PURGE)
    assert purge == result.entry
    assert purge.data["deleted"] == 1
    assert purge.data["retention_days"] == 183
    assert purge.actor_name == "命令行"
    # The purge is in the city's log, for the city's officials to see.
    assert purge.region_path == world.city.path
    assert "删除1条" in purge.details


def test_purge_follows_a_longer_retention_and_refuses_a_shorter_one(world, settings):
    now = timezone.now()
    year_old = entry_at(now - timedelta(days=365))
    half_year_old = entry_at(now - timedelta(days=200))
    settings.LAOMO_AUDIT_RETENTION_DAYS = 300
    assert purge_expired().deleted == 1
    assert AuditEntry.objects.unrestricted().filter(pk=half_year_old.pk).exists()
    assert not AuditEntry.objects.unrestricted().filter(pk=year_old.pk).exists()

    with pytest.raises(ValueError, match="至少保留183天"):
        purge_expired(days=182)
    with pytest.raises(CommandError, match="至少保留183天"):
        call_command("purge_audit", "--days", "30")
    # Not even the model's own way out takes anything younger than the minimum.
    with pytest.raises(PermissionError):
        AuditEntry.objects.unrestricted().purge_before(now - timedelta(days=100))
    assert AuditEntry.objects.unrestricted().filter(pk=half_year_old.pk).exists()


def test_a_retention_setting_below_the_minimum_fails_the_system_check(settings):
    settings.LAOMO_AUDIT_RETENTION_DAYS = 90
    errors = [e for e in run_checks() if e.id == "laomo.E002"]
    assert len(errors) == 1
    settings.LAOMO_AUDIT_RETENTION_DAYS = 183
    assert not [e for e in run_checks() if e.id == "laomo.E002"]


def test_purge_command_dry_run_deletes_nothing_and_real_run_reports(world, capsys):
    old = entry_at(timezone.now() - timedelta(days=400))
    call_command("purge_audit", "--dry-run")
    assert "将清理 1 条" in capsys.readouterr().out
    assert AuditEntry.objects.unrestricted().filter(pk=old.pk).exists()
    assert not AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.PURGE).exists()
    call_command("purge_audit")
    assert "已清理 1 条" in capsys.readouterr().out
    assert not AuditEntry.objects.unrestricted().filter(pk=old.pk).exists()


def test_an_account_that_acted_cannot_be_deleted_so_its_entries_stay_as_written(world):
    user = world.user("county_union_a")
    entry = record(AuditEntry.Action.REVEAL_PHONE, actor=user, obj=world.a.person)
    with pytest.raises(ProtectedError):
        user.delete()
    entry.refresh_from_db()
    assert entry.actor_id == user.pk


def test_not_even_a_superuser_finds_the_log_in_the_admin(world, client):
    from django.contrib import admin

    assert AuditEntry not in admin.site._registry
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert client.get("/admin/audit/auditentry/").status_code == 404
    assert client.get("/admin/").status_code == 200


# Search and export ------------------------------------------------------------------------------


def test_city_officials_search_the_log_by_object_and_address(world, login):
    from laomo.core import requests

    token = requests._current_ip.set("10.2.3.4")
    try:
        wanted = record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)
    finally:
        requests._current_ip.reset(token)
    other = record(AuditEntry.Action.REVEAL_PHONE, obj=world.b.person)
    client = login(world.user("city_union"))
    found = client.get("/audit/", {"q": world.a.person.name}).context["object_list"]
    assert wanted in found
    assert other not in found
    by_address = client.get("/audit/", {"ip": "10.2."}).context["object_list"]
    assert list(by_address) == [wanted]


def test_city_officials_export_the_filtered_log_with_formulas_kept_as_text(world, login):
    record(
        AuditEntry.Action.IMPORT,
        obj=world.a.group,
        object_repr='=HYPERLINK("http://evil.example","点此")',
        data={"filename": "+花名册.xlsx", "rows": 3},
    )
    record(AuditEntry.Action.REVEAL_PHONE, obj=world.b.person, data={"masked": "138****0001"})
    client = login(world.user("city_education"))
    response = client.get("/audit/", {"action": "import", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "审计日志"
    assert rows[1][:4] == ("时间", "操作人", "地址", "事件")
    (data,) = rows[2:]  # the filter holds: one import, no phone reveal
    assert data[3] == "导入"
    assert data[4] == "宣讲团"
    assert data[6] == '=HYPERLINK("http://evil.example","点此")'
    assert "文件：+花名册.xlsx" in data[8]
    cell = sheet.cell(row=3, column=7)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    # The export is itself in the log.
    exported = AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.EXPORT).get()
    assert exported.object_type == "audit.auditentry"
    assert exported.data["rows"] == 1


def test_county_officials_read_their_log_but_do_not_export_it(world, login):
    record(AuditEntry.Action.REVEAL_PHONE, obj=world.a.person)
    client = login(world.user("county_union_a"))
    response = client.get("/audit/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("text/html")
    assert response.context["can_export"] is False
    assert "导出 Excel" not in response.content.decode()
    assert login(world.user("city_union")).get("/audit/").context["can_export"] is True
