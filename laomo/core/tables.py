"""Reading an uploaded spreadsheet safely: .xlsx, .xls or .csv, judged by content, not by name.

Hostile files are refused before any parser sees them in full: macro workbooks, password-protected
workbooks, zip bombs and oversized files. openpyxl parses XML through defusedxml when it is
installed (it is a dependency), which defeats entity-expansion attacks.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class TableFileError(ValueError):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class Table:
    """The rows of one sheet, each with the row number a person sees in Excel (or the CSV line)."""

    kind: str  # "xlsx", "xls" or "csv"
    rows: list[tuple[int, list[object]]]

    def column_label(self, index: int) -> str:
        if self.kind == "csv":
            return _("第{n}列").format(n=index + 1)
        return _("{letter}列").format(letter=get_column_letter(index + 1))


def read_table(data: bytes, *, max_rows: int | None = None) -> Table:
    max_rows = max_rows or settings.LAOMO_IMPORT_MAX_ROWS
    if not data:
        raise TableFileError(_("文件是空的（0字节）"))
    if len(data) > settings.LAOMO_IMPORT_MAX_BYTES:
        raise TableFileError(
            _("文件过大：{size:.1f} MB，上限为 {limit:.0f} MB").format(
                size=len(data) / 1024 / 1024, limit=settings.LAOMO_IMPORT_MAX_BYTES / 1024 / 1024
            )
        )
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_rows)
    if data.startswith(OLE_MAGIC):
        return _read_xls(data, max_rows)
    return _read_csv(data, max_rows)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise TableFileError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise TableFileError(_("这不是 Excel 工作簿（.xlsx）"))
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise TableFileError(_("含宏的工作簿（.xlsm）不予接收，请另存为 .xlsx 后再导入"))
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise TableFileError(_("含宏的工作簿（.xlsm）不予接收，请另存为 .xlsx 后再导入"))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNZIPPED_BYTES or (
            info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO
        ):
            raise TableFileError(_("工作簿解压后体积异常（疑似压缩炸弹），已拒绝"))


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a malformed package
        raise TableFileError(_("工作簿无法读取：文件可能已损坏")) from exc
    try:
        sheets = [
            _sheet_rows(sheet.iter_rows(values_only=True), max_rows)
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()
    return Table("xlsx", _pick_sheet(sheets))


def _read_xls(data: bytes, max_rows: int) -> Table:
    if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
        raise TableFileError(_("工作簿设置了打开密码，请取消密码后再导入"))
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise TableFileError(_("工作簿设置了打开密码，请取消密码后再导入")) from exc
        raise TableFileError(_("无法读取该 .xls 文件：{error}").format(error=exc)) from exc
    except Exception as exc:
        raise TableFileError(_("无法读取该 .xls 文件：文件可能已损坏")) from exc
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (
                [_xls_value(cell, book.datemode) for cell in sheet.row(r)]
                for r in range(sheet.nrows)
            )
            sheets.append(_sheet_rows(rows, max_rows))
    finally:
        book.release_resources()
    return Table("xls", _pick_sheet(sheets))


def _xls_value(cell, datemode):
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise TableFileError(_("无法识别的文件：请上传 .xlsx、.xls 或 .csv 格式的花名册"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(_("无法识别文件编码：CSV 文件应为 UTF-8 或 GBK 编码"))


def _read_csv(data: bytes, max_rows: int) -> Table:
    text = _decode(data)
    if text.lstrip().startswith(("<", "{")):
        raise TableFileError(_("无法识别的文件：请上传 .xlsx、.xls 或 .csv 格式的花名册"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    try:
        for record in reader:
            if len(rows) >= max_rows:
                raise TableFileError(
                    _("行数超过上限 {limit} 行，请分批导入").format(limit=max_rows)
                )
            rows.append((reader.line_num, list(record)))
    except csv.Error as exc:
        raise TableFileError(
            _("CSV 文件格式错误（第{line}行）：{error}").format(line=reader.line_num, error=exc)
        ) from exc
    return Table("csv", rows)


def _sheet_rows(rows: Iterator, max_rows: int) -> list[tuple[int, list[object]]]:
    result = []
    for number, values in enumerate(rows, start=1):
        if number > max_rows + 20:
            raise TableFileError(_("行数超过上限 {limit} 行，请分批导入").format(limit=max_rows))
        result.append((number, list(values)))
    return result


def _pick_sheet(sheets: list[list[tuple[int, list[object]]]]) -> list[tuple[int, list[object]]]:
    """The first sheet with anything in it."""
    for rows in sheets:
        if any(cell not in (None, "") for _number, values in rows for cell in values):
            return rows
    raise TableFileError(_("工作簿中没有任何数据"))


def cell_text(value: object) -> str:
    """A cell as the text a person sees: 18395069051 not 18395069051.0, dates as 2023-10-12."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
