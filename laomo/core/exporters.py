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
from datetime import date, datetime
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
# Real dates, which sort and filter as dates, shown as people write them.
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'


def write_cell(sheet, row: int, column: int, value):
    """Write one value; text that looks like a formula stays text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        # A workbook has no time zones: the moment as read in Beijing.
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        cell.value = value
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


# Pixels (at 96 dpi) per unit of column width as LibreOffice and WPS draw it without Excel's
# Calibri; Excel itself draws narrower (7), so the page only gets a wider margin there.
_PIXELS_PER_WIDTH = 9.5
_LINE_POINTS = 14.5


def print_scale(column_widths: Sequence[int], page_mm: float) -> int:
    """The print scale (percent) at which the columns fit the page's width."""
    if not column_widths:
        return 100
    width_mm = sum(width * _PIXELS_PER_WIDTH + 5 for width in column_widths) * 25.4 / 96
    return max(10, min(100, int(page_mm / width_mm * 100)))


def _text_width(text: str) -> int:
    """Columns of width a line of text takes: two for a Chinese character, one for the rest."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def wrapped_lines(value, width: int) -> int:
    """How many lines `value` wraps to in a column `width` wide. Spreadsheet programs grow a
    wrapped row when they draw it, but LibreOffice does not on opening a file that does not
    say how high its rows are: without this, wrapped text prints over the next row."""
    if value is None or isinstance(value, (int, float, date)):
        return 1
    usable = max(width - 1, 1)
    return sum(max(1, -(-_text_width(line) // usable)) for line in str(value).split("\n"))


class ListExporter:
    """An Excel list: an optional title row over a header row over the data rows."""

    object_type = ""
    title = ""
    headers: Sequence[str] = ()
    column_widths: Sequence[int] = ()
    sheet_name = "Sheet1"
    # Printed on A4, as wide as the page, the title and the header on every page.
    landscape = False

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
        self._fit_height(sheet, row, self.headers)
        sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
        for values in self.rows():
            row += 1
            self.row_count += 1
            for column, value in enumerate(values, start=1):
                cell = write_cell(sheet, row, column, value)
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                cell.border = _BORDER
            self._fit_height(sheet, row, values)
        for column, size in enumerate(self.column_widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = size
        self.page_setup(sheet, header_row=2 if self.title else 1)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def _fit_height(self, sheet, row: int, values) -> None:
        if not self.column_widths:
            return
        lines = max(
            (
                wrapped_lines(value, width)
                for value, width in zip(values, self.column_widths, strict=False)
            ),
            default=1,
        )
        if lines > 1:
            sheet.row_dimensions[row].height = lines * _LINE_POINTS + 2

    def page_setup(self, sheet, *, header_row: int) -> None:
        """A4, the title and the header repeated on every page, the columns scaled to the
        page's width. The scale is set outright rather than "fit to one page wide": LibreOffice
        and WPS read that as "fit on one page" and shrink a long ledger to a single sheet."""
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if self.landscape else "portrait"
        margins = sheet.page_margins
        margins.left = margins.right = 0.4  # inches
        margins.top, margins.bottom = 0.6, 0.7
        margins.footer = 0.3
        page_mm = (297 if self.landscape else 210) - (margins.left + margins.right) * 25.4
        setup.scale = print_scale(self.column_widths, page_mm)
        sheet.print_title_rows = f"1:{header_row}"
        sheet.print_options.horizontalCentered = True
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
        sheet.oddFooter.center.size = 9

    def response(self) -> HttpResponse:
        response = HttpResponse(self.render(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(self.filename)}"
        return response
