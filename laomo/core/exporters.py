"""One exporter class per document: a subclass names the file and yields rows; the base writes
the workbook.

Text that Excel or WPS would take for a formula (it begins with = + - @, their full-width forms,
or a tab or carriage return) is written as a plain string cell with Excel's quote prefix, so it is
shown and never evaluated, and reads back as the same text. Control characters, which an .xlsx
cannot hold at all, are dropped rather than failing the whole export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_cell(sheet, row: int, column: int, value):
    """Write one value; text that looks like a formula stays text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value
    return cell


class ListExporter:
    """An Excel list: an optional title row over a header row over the data rows."""

    object_type = ""
    title = ""
    headers: Sequence[str] = ()
    column_widths: Sequence[int] = ()
    sheet_name = "Sheet1"

    def __init__(self, queryset=None, *, scope=None):
        self.queryset = queryset
        self.scope = scope
        self.row_count = 0

    @property
    def filename(self) -> str:
        return f"{self.title}_{timezone.localdate():%Y%m%d}.xlsx"

    def rows(self) -> Iterable[Sequence[object]]:
        raise NotImplementedError

    def audit_data(self) -> dict:
        """What the export's audit entry records beyond the file and its row count (a roster
        with full numbers: whose). Read after `render()`."""
        return {}

    def render(self) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.sheet_name[:31]
        row = 1
        width = len(self.headers)
        if self.title:
            title = write_cell(sheet, 1, 1, self.title)
            title.font = Font(name="宋体", size=16, bold=True)
            title.alignment = Alignment(horizontal="center", vertical="center")
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            sheet.row_dimensions[1].height = 32
            row = 2
        for column, header in enumerate(self.headers, start=1):
            cell = write_cell(sheet, row, column, header)
            cell.font = Font(name="宋体", size=11, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = _BORDER
        sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
        for values in self.rows():
            row += 1
            self.row_count += 1
            for column, value in enumerate(values, start=1):
                cell = write_cell(sheet, row, column, value)
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                cell.border = _BORDER
        for column, size in enumerate(self.column_widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = size
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def response(self) -> HttpResponse:
        response = HttpResponse(self.render(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(self.filename)}"
        return response
