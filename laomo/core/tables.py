"""Reading an uploaded spreadsheet safely: .xlsx, .xls or .csv, judged by content, not by name.

Hostile files are refused before any parser sees them in full: macro workbooks, password-protected
workbooks, zip bombs and oversized files. openpyxl parses XML through defusedxml when it is
installed (it is a dependency), which defeats entity-expansion attacks.

Only rows with something in them are kept, each with the row number a person sees; the row limit
counts those rows. A sheet's declared size is not trusted (some programs write it wrong, and a
hostile one can claim 16384 columns): rows are read as they are, and none may hold anything
beyond `MAX_COLUMNS`.
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

from laomo.core.text import tidy_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_COLUMNS = 100
# What people upload by mistake, recognised by its first bytes, so that the message can say so.
OTHER_FORMATS = [
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
]


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
    for magic, label in OTHER_FORMATS:
        if data.startswith(magic):
            raise TableFileError(
                _("这是{kind}文件，不是表格：请上传 .xlsx、.xls 或 .csv 格式的花名册").format(
                    kind=label
                )
            )
    return _read_csv(data, max_rows)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, and struct or value errors for stranger damage
        raise TableFileError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    names = {info.filename for info in infos}
    if "xl/workbook.bin" in names:
        raise TableFileError(_("不支持 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后再导入"))
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise TableFileError(
            _("这不是 Excel 工作簿（.xlsx）：请在 Excel 或 WPS 中另存为 .xlsx 后再导入")
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise TableFileError(_("含宏的工作簿（.xlsm）不予接收，请另存为 .xlsx 后再导入"))
    # Sizes are checked before anything is unpacked. Declared sizes can be trusted: zipfile stops
    # decompressing a member at its declared size (and fails its CRC check), which is how
    # openpyxl reads it.
    total = compressed = 0
    for info in infos:
        total += info.file_size
        compressed += info.compress_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (
            total > MAX_UNZIPPED_BYTES
            or (info.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO)
            or (total > 10 * 1024 * 1024 and total / max(compressed, 1) > MAX_COMPRESSION_RATIO)
        ):
            raise TableFileError(_("工作簿解压后体积异常（疑似压缩炸弹），已拒绝"))
    if any(info.flag_bits & 0x1 for info in infos):
        raise TableFileError(_("压缩包设置了密码，请取消密码后再导入"))
    try:
        content_types = archive.read("[Content_Types].xml")
    except Exception as exc:  # a bad CRC, an unknown compression method …
        raise TableFileError(_("文件已损坏，无法作为 Excel 工作簿打开")) from exc
    if b"macroEnabled" in content_types:
        raise TableFileError(_("含宏的工作簿（.xlsm）不予接收，请另存为 .xlsx 后再导入"))
    # Excel and WPS never write a document type declaration; one in any part is an attack on the
    # XML parser (entity expansion, external entities), refused whichever parser openpyxl uses.
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and _declares_dtd(archive, info):
            raise TableFileError(_("工作簿含有不安全的内容（XML 实体或文档类型声明），已拒绝"))


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    try:
        with archive.open(info) as member:
            head = member.read(4096)
    except Exception:  # a damaged member is reported when openpyxl reads it
        return False
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl

    _check_zip(data)
    # openpyxl raises many kinds of exception for a malformed package, and defusedxml raises its
    # own for entity declarations, both on opening and while a sheet is read.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable(exc) from exc
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            rows = _sheet_rows(sheet.iter_rows(values_only=True), max_rows)
            if rows:
                return Table("xlsx", rows)
    except TableFileError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc
    finally:
        workbook.close()
    raise TableFileError(_("工作簿中没有任何数据"))


def _unreadable(exc: Exception) -> TableFileError:
    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    while cause is not None:  # openpyxl wraps what defusedxml raises in its own ValueError
        if isinstance(cause, DefusedXmlException):
            return TableFileError(_("工作簿含有不安全的内容（XML 实体或文档类型声明），已拒绝"))
        cause = cause.__cause__ or cause.__context__
    return TableFileError(_("工作簿无法读取：文件可能已损坏"))


def _read_xls(data: bytes, max_rows: int) -> Table:
    # An encrypted .xlsx is an OLE file holding an "EncryptedPackage" stream.
    if ENCRYPTED_PACKAGE in data:
        raise TableFileError(_("工作簿设置了打开密码，请取消密码后再导入"))
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        message = str(exc).lower()
        if "encrypt" in message:
            raise TableFileError(_("工作簿设置了打开密码，请取消密码后再导入")) from exc
        if "can't find workbook" in message:
            raise TableFileError(
                _("这不是 Excel 工作簿（可能是 Word 文档等其他 Office 文件）")
            ) from exc
        raise TableFileError(_("无法读取该 .xls 文件：文件可能已损坏")) from exc
    except Exception as exc:  # xlrd raises assertion, struct and index errors on damaged files
        raise TableFileError(_("无法读取该 .xls 文件：文件可能已损坏")) from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = _sheet_rows(
                (
                    [_xls_value(cell, book.datemode) for cell in sheet.row(r)]
                    for r in range(sheet.nrows)
                ),
                max_rows,
            )
            if rows:
                return Table("xls", rows)
    except TableFileError:
        raise
    except Exception as exc:
        raise TableFileError(_("无法读取该 .xls 文件：文件可能已损坏")) from exc
    finally:
        book.release_resources()
    raise TableFileError(_("工作簿中没有任何数据"))


def _xls_value(cell, datemode):
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _decode(data: bytes) -> str:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableFileError(_("无法识别文件编码：CSV 文件应为 UTF-8 或 GBK 编码")) from exc
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
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        # A record is numbered as Excel or WPS shows it when the file is opened there.
        rows = _sheet_rows(reader, max_rows)
    except csv.Error as exc:
        raise TableFileError(
            _("CSV 文件格式错误（第{line}行）：{error}").format(line=reader.line_num, error=exc)
        ) from exc
    if not rows:
        raise TableFileError(_("文件中没有任何数据"))
    return Table("csv", rows)


def _sheet_rows(rows: Iterator, max_rows: int) -> list[tuple[int, list[object]]]:
    """The rows with something in them, numbered as the sheet numbers them, trailing blanks cut."""
    result = []
    for number, values in enumerate(rows, start=1):
        # Cheap for the million blank rows a hostile sheet can claim: counting runs in C.
        if values.count(None) + values.count("") == len(values):
            continue
        values = list(values)
        while values[-1] in (None, ""):
            values.pop()
        if len(values) > MAX_COLUMNS:
            raise TableFileError(
                _("第{row}行超过了 {n} 列的上限，请检查文件").format(row=number, n=MAX_COLUMNS)
            )
        if len(result) >= max_rows:
            raise TableFileError(_("行数超过上限 {limit} 行，请分批导入").format(limit=max_rows))
        result.append((number, values))
    return result


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
    return tidy_text(value)
