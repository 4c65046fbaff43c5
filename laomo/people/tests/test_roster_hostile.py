"""Hostile and odd files given to the roster import: each refused with a Chinese message naming
the problem, and nothing written."""

import re

import pytest
from django.test import override_settings

from laomo.people.models import Person
from laomo.people.roster import import_roster
from laomo.people.tests import hostile
from laomo.people.tests.rosterfiles import (
    SEED_PEOPLE,
    SEED_ROWS,
    csv_bytes,
    import_count,
    members,
    snapshot,
    xlsx,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

HOSTILE = {
    "empty": (lambda: b"", "0字节"),
    "xlsm-vba": (hostile.xlsm_with_vba, "含宏"),
    "xlsm-content-type": (hostile.xlsm_by_content_type, "含宏"),
    "encrypted": (hostile.encrypted_bytes, "密码"),
    "encrypted-ole": (hostile.encrypted_ole, "密码"),
    "zip-bomb": (hostile.zip_bomb, "压缩炸弹"),
    "billion-laughs-workbook": (hostile.billion_laughs_in_workbook, "不安全"),
    "billion-laughs-sheet": (hostile.billion_laughs_in_sheet, "不安全"),
    "png-as-xlsx": (lambda: hostile.PNG, "PNG"),
    "pdf-as-xlsx": (lambda: hostile.PDF, "PDF"),
    "html-as-xls": (lambda: hostile.HTML, "无法识别的文件"),
    "binary-csv": (lambda: hostile.NOT_TEXT, "编码"),
    "utf16-csv-without-bom": (lambda: hostile.UTF16_WITHOUT_BOM, "无法识别"),
    "word-document": (hostile.word_ole, "不是 Excel 工作簿"),
    "damaged-xls": (lambda: hostile.xls([["姓名", "性别"], ["王建军", 1]], xf=False), "已损坏"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_and_nothing_written(world, name):
    make, fragment = HOSTILE[name]
    before = snapshot()

    report = import_roster(make(), filename=f"{name}.xlsx", group=world.a.group)

    assert not report.ok
    assert not report.applied
    (error,) = report.errors
    assert error.row == 0
    assert fragment in error.message
    assert CJK.search(error.message)
    assert snapshot() == before
    assert import_count() == 0


@override_settings(LAOMO_IMPORT_MAX_BYTES=4096)
def test_file_over_the_size_limit_is_refused(world):
    data = xlsx(SEED_ROWS)
    assert len(data) > 4096
    before = snapshot()
    report = import_roster(data, group=world.a.group)
    assert "文件过大" in report.errors[0].message
    assert snapshot() == before


@override_settings(LAOMO_IMPORT_MAX_ROWS=6)
@pytest.mark.parametrize("make", [lambda: xlsx(SEED_ROWS), lambda: csv_bytes(SEED_ROWS)])
def test_file_over_the_row_limit_is_refused(world, make):
    before = snapshot()
    report = import_roster(make(), group=world.a.group)
    assert "行数超过上限 6 行" in report.errors[0].message
    assert snapshot() == before


def test_genuine_xls_roster_imports(seed_group):
    report = import_roster(hostile.seed_xls(), filename="花名册.xls", group=seed_group)
    assert report.ok, [str(e) for e in report.errors]
    assert [(p.name, p.unit, p.phone) for p in members(seed_group)] == [
        (name, unit, phone) for name, _g, unit, _h, phone in SEED_PEOPLE
    ]
    before = snapshot()
    assert import_roster(hostile.seed_xls(), group=seed_group).unchanged == 8
    assert snapshot() == before


def test_xls_with_phone_as_number_cell(seed_group):
    data = hostile.xls([["姓名", "性别", "联系电话"], ["王建军", "男", 13909540101]])
    report = import_roster(data, group=seed_group)
    assert report.ok, [str(e) for e in report.errors]
    assert Person.objects.unrestricted().get().phone == "13909540101"


def test_xls_errors_name_the_column_letter(seed_group):
    data = hostile.xls([["姓名", "性别", "联系电话"], ["王建军", "男", "12345"]])
    report = import_roster(data, group=seed_group)
    assert [(e.row, e.column) for e in report.errors] == [(2, "C列（联系电话）")]


def test_cli_reports_a_hostile_file_and_exits_non_zero(world, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "花名册.xlsx"
    path.write_bytes(hostile.xlsm_with_vba())
    with pytest.raises(CommandError) as info:
        call_command("import_roster", str(path), "--group", world.a.group.name)
    assert info.value.returncode != 0
    assert "文件：含宏的工作簿" in capsys.readouterr().err
