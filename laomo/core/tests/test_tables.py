"""Reading an uploaded table safely: judged by content, hostile files refused with a Chinese
message, rows numbered as Excel numbers them."""

import io
import re
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import date, datetime

import openpyxl
import pytest
from django.test import override_settings

from laomo.core.tables import TableFileError, cell_text, read_table
from laomo.people.tests import hostile
from laomo.people.tests.rosterfiles import HEADERS, SEED_ROWS, TITLE, csv_bytes, xlsx

CJK = re.compile(r"[\u4e00-\u9fff]")


@contextmanager
def measured():
    """Time taken and peak memory allocated inside the block."""
    result = {}
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield result
    finally:
        result["seconds"] = time.monotonic() - started
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def refused(data, fragment, **kwargs):
    with pytest.raises(TableFileError) as info:
        read_table(data, **kwargs)
    message = str(info.value)
    assert fragment in message, message
    assert CJK.search(message)
    return message


# What must be read ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (xlsx(SEED_ROWS), "xlsx"),
        (csv_bytes(SEED_ROWS), "csv"),
        (csv_bytes(SEED_ROWS, encoding="gbk"), "csv"),
        (csv_bytes(SEED_ROWS, encoding="gb18030"), "csv"),
        (csv_bytes(SEED_ROWS, encoding="utf-8-sig"), "csv"),
        (csv_bytes(SEED_ROWS, encoding="utf-16"), "csv"),  # Excel's "Unicode text", with a BOM
        (hostile.seed_xls(), "xls"),
    ],
    ids=["xlsx", "utf8", "gbk", "gb18030", "utf8-bom", "utf16", "xls"],
)
def test_every_format_reads_the_same_rows(data, kind):
    table = read_table(data)
    assert table.kind == kind
    assert [number for number, _values in table.rows] == list(range(1, 11))
    assert cell_text(table.rows[0][1][0]) == TITLE
    assert [cell_text(v) for v in table.rows[1][1]] == HEADERS
    for (_number, values), expected in zip(table.rows[2:], SEED_ROWS, strict=True):
        assert [cell_text(v) for v in values] == [str(v) for v in expected][: len(values)]


def test_tab_separated_text_is_read():
    data = "姓名\t性别\t联系电话\n王建军\t男\t13909540101\n".encode()
    assert read_table(data).rows == [
        (1, ["姓名", "性别", "联系电话"]),
        (2, ["王建军", "男", "13909540101"]),
    ]


def test_rows_keep_the_numbers_excel_shows():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"] = "姓名"
    sheet["B7"] = "王建军"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(buffer.getvalue()).rows == [(3, [None, "姓名"]), (7, [None, "王建军"])]


def test_csv_record_numbers_count_records_not_lines():
    """A quoted cell with a line break is one row in Excel, so the next row is row 3, not 4."""
    data = '姓名,备注\n王建军,"第一行\n第二行"\n李秀兰,x\n'.encode()
    assert [n for n, _ in read_table(data).rows] == [1, 2, 3]


def test_first_sheet_with_data_is_read():
    table = read_table(xlsx(SEED_ROWS, sheets_before=2))
    assert table.rows[0][1] == [TITLE]


def test_a_wrong_declared_size_loses_no_rows():
    """Some programs write <dimension ref="A1"/> whatever the sheet holds."""
    data = xlsx(SEED_ROWS)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', sheet)
    table = read_table(hostile.rezip(data, replace={"xl/worksheets/sheet1.xml": sheet}))
    assert len(table.rows) == 10
    assert table.rows[-1][1][1] == "马金莲"


def test_a_sheet_claiming_every_row_and_column_is_cheap():
    """A 1 KB file whose one row sits at row 1048576 and whose size claims 16384 columns."""
    data = xlsx([["姓名", "性别"]], title=None, headers=None)
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:XFD1048576"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>y</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = hostile.rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})
    with measured() as cost:
        table = read_table(data)
    assert table.rows == [(1, ["x"]), (1048576, [None, "y"])]
    assert cost["peak"] < 50 * 1024 * 1024


def test_cells_beyond_the_column_limit_are_refused():
    data = xlsx([["姓名", "性别"] + [None] * 150 + ["远处的格子"]], title=None, headers=None)
    refused(data, "列的上限")


def test_cell_text_is_what_a_person_sees():
    assert cell_text(18395069051.0) == "18395069051"
    assert cell_text(18395069051) == "18395069051"
    assert cell_text(1.5) == "1.5"
    assert cell_text(None) == ""
    assert cell_text(True) == "是"
    assert cell_text(datetime(2023, 10, 12)) == "2023-10-12"
    assert cell_text(datetime(2023, 10, 12, 8, 30)) == "2023-10-12 08:30:00"
    assert cell_text(date(2023, 10, 12)) == "2023-10-12"
    assert cell_text("  固原市，原州区\u200b\x0b ") == "固原市，原州区"


# What must be refused ---------------------------------------------------------------------------


def test_empty_file_is_refused():
    refused(b"", "0字节")


@override_settings(LAOMO_IMPORT_MAX_BYTES=2000)
def test_oversized_file_is_refused():
    refused(xlsx(SEED_ROWS), "文件过大")
    refused(b"x" * 2001, "文件过大")
    assert read_table(b"a,b\n" * 400)  # 1600 bytes: under the limit


@pytest.mark.parametrize("make", [hostile.xlsm_with_vba, hostile.xlsm_by_content_type])
def test_macro_workbook_is_refused(make):
    refused(make(), "含宏")


@pytest.mark.parametrize("make", [hostile.encrypted_bytes, hostile.encrypted_ole])
def test_password_protected_workbook_is_refused(make):
    refused(make(), "密码")


def test_zip_bomb_is_refused_before_it_is_unpacked():
    data = hostile.zip_bomb()
    assert len(data) < 2 * 1024 * 1024
    with measured() as cost:
        refused(data, "压缩炸弹")
    assert cost["peak"] < 20 * 1024 * 1024


def test_zip_bomb_in_many_small_pieces_is_refused():
    refused(hostile.zip_bomb_in_pieces(), "压缩炸弹")


def test_zip_bomb_in_content_types_is_refused_before_it_is_read():
    data = hostile.zip_bomb_in_content_types()
    with measured() as cost:
        refused(data, "压缩炸弹")
    assert cost["peak"] < 20 * 1024 * 1024


def test_damaged_and_password_zips_are_refused():
    refused(hostile.broken_member(), "已损坏")
    refused(hostile.password_zip(), "密码")


@pytest.mark.parametrize(
    "make",
    [
        hostile.billion_laughs_in_workbook,
        hostile.billion_laughs_in_sheet,
        hostile.external_entity_in_sheet,
    ],
)
def test_xml_entities_are_refused_not_expanded(make):
    data = make()
    with measured() as cost:
        refused(data, "不安全")
    assert cost["peak"] < 20 * 1024 * 1024


def test_damaged_sheet_is_refused_not_a_crash():
    """The sheet opens, then breaks half way: the error comes while rows are being read."""
    data = xlsx([["姓名", "性别"]], title=None, headers=None)
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B2"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="2"><c r="A2"><v>not a number</v></c></row>'
        b"</sheetData></worksheet>"
    )
    refused(hostile.rezip(data, replace={"xl/worksheets/sheet1.xml": sheet}), "无法读取")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (hostile.PNG, "PNG"),
        (hostile.PDF, "PDF"),
        (hostile.JPEG, "JPEG"),
        (hostile.HTML, "无法识别的文件"),
        (b"\xef\xbb\xbf" + hostile.HTML, "无法识别的文件"),
        ('{"姓名": "王建军"}'.encode(), "无法识别的文件"),
        (hostile.UTF16_WITHOUT_BOM, "无法识别的文件"),
        (hostile.NOT_TEXT, "编码"),
        (b"PK\x03\x04" + b"\0" * 100, "已损坏"),
        (hostile.OLE_MAGIC + b"\0" * 600, "无法读取该 .xls"),
        (hostile.word_ole(), "不是 Excel 工作簿"),
        (hostile.xls([["姓名", "电话"], ["王建军", 13909540101]], xf=False), "已损坏"),
        (hostile.xls([]), "没有任何数据"),
        (xlsx([], title=None, headers=None), "没有任何数据"),
        (b"\n\n,,\n", "没有任何数据"),
    ],
    ids=[
        "png",
        "pdf",
        "jpeg",
        "html",
        "html-bom",
        "json",
        "utf16-no-bom",
        "binary",
        "broken-zip",
        "broken-ole",
        "word",
        "xls-damaged",
        "xls-empty",
        "xlsx-empty",
        "csv-empty",
    ],
)
def test_files_that_are_not_tables_are_refused(data, fragment):
    refused(data, fragment)


@pytest.mark.parametrize(
    ("members", "fragment"),
    [
        (["[Content_Types].xml", "word/document.xml"], "不是 Excel 工作簿"),
        (["mimetype", "content.xml"], "另存为 .xlsx"),  # an OpenDocument spreadsheet
        (["[Content_Types].xml", "xl/workbook.bin"], ".xlsb"),
    ],
)
def test_zip_that_is_not_a_workbook_is_refused(members, fragment):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in members:
            archive.writestr(name, "<x/>")
    refused(buffer.getvalue(), fragment)


@pytest.mark.parametrize("make", [lambda: xlsx(SEED_ROWS), lambda: csv_bytes(SEED_ROWS)])
def test_more_rows_than_the_limit_are_refused(make):
    refused(make(), "行数超过上限 9 行", max_rows=9)
    assert len(read_table(make(), max_rows=10).rows) == 10


@override_settings(LAOMO_IMPORT_MAX_ROWS=5)
def test_row_limit_comes_from_settings():
    refused(hostile.seed_xls(), "上限 5 行")


def test_malformed_csv_is_refused():
    data = b"a,b\n" + b'"' + b"x" * (200 * 1024) + b'"\n'
    refused(data, "CSV 文件格式错误")
