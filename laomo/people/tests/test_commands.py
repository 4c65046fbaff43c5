"""`laomo import-roster` and `laomo export-roster`."""

import pytest
from django.core.management import CommandError, call_command

from laomo.audit.models import AuditEntry
from laomo.core.testing.factories import HonourFactory, LectureGroupFactory
from laomo.people.models import Person
from laomo.people.tests.rosterfiles import SEED_ROWS, import_count, members, snapshot, xlsx


def test_export_then_import_changes_nothing(world, tmp_path, capsys):
    HonourFactory(person=world.city_person, title="自治区五一劳动奖章", year=2019)
    path = tmp_path / "花名册.xlsx"

    call_command("export_roster", "--group", world.city_group.name, "-o", str(path))

    assert "已导出 1 人" in capsys.readouterr().out
    export = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.EXPORT)
    assert export.actor_name == "命令行"
    assert export.data["rows"] == 1
    before = snapshot()
    call_command("import_roster", str(path), "--group", world.city_group.name)
    out = capsys.readouterr().out
    assert "导入完成" in out
    assert "新增0人，更新0人，未变1人" in out
    assert snapshot() == before


def test_import_seed_roster_from_the_command_line(world, tmp_path, capsys):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(SEED_ROWS))
    group = LectureGroupFactory(name="固原市“劳模工匠进校园”宣讲团", region=world.city)

    call_command("import_roster", str(path), "--group", group.name, "--dry-run")
    assert "检查通过（未写入" in capsys.readouterr().out
    assert members(group) == []

    call_command("import_roster", str(path), "--group", group.name)
    assert "新增7人，更新1人" in capsys.readouterr().out
    assert [p.name for p in members(group)][4] == "李强"
    entry = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.IMPORT)
    assert entry.object_repr == "花名册.xlsx"
    assert entry.data["created"] == 7


def test_import_without_group_goes_to_the_region(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([[1, "王建军", "男", "单位", "", "13909549999", ""]]))
    call_command("import_roster", str(path), "--region", world.b.region.code)
    assert Person.objects.unrestricted().get(name="王建军").region == world.b.region


def test_import_warnings_go_to_stderr(world, tmp_path, capsys):
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,性别,民族\n王建军,男,回族\n", encoding="utf-8")
    call_command("import_roster", str(path), "--group", world.a.group.name)
    assert "民族" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--group", "不存在的宣讲团"], "没有名为“不存在的宣讲团”的宣讲团"),
        (["--region", "999999"], "区划代码 999999 不存在"),
    ],
)
def test_import_argument_errors(world, tmp_path, args, fragment):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(SEED_ROWS))
    before = snapshot()
    with pytest.raises(CommandError, match=fragment):
        call_command("import_roster", str(path), *args)
    assert snapshot() == before
    assert import_count() == 0


def test_import_of_a_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_roster", str(tmp_path / "无.xlsx"))


def test_import_of_a_file_over_the_limit_is_refused_before_reading(world, tmp_path, settings):
    settings.LAOMO_IMPORT_MAX_BYTES = 100
    path = tmp_path / "大.csv"
    path.write_bytes(b"x" * 101)
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--group", world.a.group.name)


def test_export_argument_errors(world, tmp_path):
    with pytest.raises(CommandError, match="没有名为"):
        call_command("export_roster", "--group", "不存在", "-o", str(tmp_path / "x.xlsx"))
    LectureGroupFactory(name=world.a.group.name, region=world.b.region)
    with pytest.raises(CommandError, match="不止一个"):
        call_command("export_roster", "--group", world.a.group.name, "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="无法写入"):
        call_command(
            "export_roster", "--group", world.city_group.name, "-o", str(tmp_path / "无/x.xlsx")
        )
