"""The half-year report as people hand it upward: Word in the layout of an official document
(GB/T 9704-2012) and Excel.

Entry points: `render_docx(report) -> bytes`, `render_xlsx(report) -> bytes`; `HalfYearDocument`
and `HalfYearExporter` behind them; `docx_response` / `xlsx_response` for views.

The Word layout, after GB/T 9704-2012 for a report without a seal (不加盖印章):
- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm);
- the title in 2号小标宋 (方正小标宋简体, with 宋体 as its alternate name in the font table)
  centred, broken into lines at whole words; one empty line; the 主送 line flush left;
- the body in 3号仿宋, every paragraph indented two characters, fixed 28-point lines; headings
  "一、" in 3号黑体, "（一）" in 3号楷体, "1." in 仿宋 bold;
- the figures table (五号宋体, header 黑体); the attachment note "附件：…"; one empty line, then
  the issuing bodies one under the other and the date (2025年7月8日) under them, the signature
  two characters from the right margin and the date's first character two characters right of
  the signature's (7.3.5.2);
- the list of talks as the attachment, on a new page: "附件" in 黑体 flush left on the first
  line, its title centred on the third;
- page numbers "— 1 —" in 4号宋体 under the text block, odd pages right and even pages left, one
  character in from the margin (7.5).

The 版头 (red issuing-body mark, document number) and 版记 are left out: the platform does not
number documents; an office that sends the report as a numbered 文件 pastes the body into its own
template. East Asian fonts are set through w:eastAsia on every style and run: Word takes Chinese
characters from it, which `font.name` alone does not set.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from laomo.core.exporters import XLSX_TYPE, ListExporter, write_cell
from laomo.halfyear.figures import HalfYearFigures, RegionFigures
from laomo.halfyear.models import HalfYearReport
from laomo.outreach.documents import DOCX_TYPE, file_response, safe_filename
from laomo.outreach.services import organisers_of
from laomo.regions.models import Region

PROGRAMME = "“劳模工匠进校园”"
PLAN_TITLE = "《关于大力弘扬劳模精神劳动精神工匠精神深入开展“劳模工匠进校园”行动的实施方案》"


def render_docx(report: HalfYearReport, *, today: date | None = None) -> bytes:
    """The report as a Word document: frozen figures once submitted, live ones before."""
    return HalfYearDocument(report, today=today).render()


def render_xlsx(report: HalfYearReport, *, today: date | None = None) -> bytes:
    """The report's figures and its talks as an Excel workbook."""
    return HalfYearExporter(report, today=today).render()


# ---------------------------------------------------------------------------------------------
# Words shared by both documents


def day_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def period_label(figures: HalfYearFigures) -> str:
    """2025年1月1日至6月30日."""
    return f"{day_label(figures.start)}至{_month_day(figures.end)}"


def we(figures: HalfYearFigures) -> str:
    """How a region names itself in its own report: 我市, 我县, 我区 (also the zone), 我旗."""
    if figures.consolidated:
        return "我市"
    last = figures.region_name[-1:]
    return f"我{last}" if last in "县市旗" else "我区"


def title_lines(figures: HalfYearFigures, issuers: Sequence[str]) -> list[str]:
    """The title, as the lines it is set in: the issuing bodies (one a line when together they
    would not fit one), then the subject, broken between whole words, never inside one."""
    together = " ".join(issuers)
    names = [together] if _text_width(together, SIZE_2) <= TEXT_WIDTH_PT else list(issuers)
    return [
        *names,
        f"关于{figures.year}年{figures.half_label}{PROGRAMME}",
        "行动开展情况的报告",
    ]


def document_title(report: HalfYearReport, figures: HalfYearFigures, issuers) -> str:
    return (
        f"{' '.join(issuers)}关于{figures.year}年{figures.half_label}{PROGRAMME}行动开展情况的报告"
    )


def addressee(region: Region) -> str:
    """主送: a county reports to the city's union and education bureau; the city, to its
    province's (自治区总工会、自治区教育厅 in Ningxia)."""
    if region.level in (Region.Level.COUNTY, Region.Level.ZONE):
        return "市总工会、市教育体育局："
    province = region.parent.name if region.parent_id else ""
    if province.endswith("自治区"):
        short = "自治区"
    elif province.endswith("省"):
        short = "省"
    else:
        short = province
    return f"{short}总工会、{short}教育厅："


def issuers_of(region: Region) -> list[str]:
    """The issuing bodies: the region's union and education bureau, the union first."""
    names = [org.name for org in organisers_of(region)]
    if names:
        return names
    if region.level == Region.Level.ZONE:
        return [f"{region.name}总工会"]
    return [f"{region.name}总工会", f"{region.name}教育体育局"]


def opening(report: HalfYearReport, figures: HalfYearFigures) -> str:
    subject = f"{we(figures)}{figures.year}年{figures.half_label}{PROGRAMME}行动开展情况"
    if figures.consolidated:
        basis = addressee(report.region).rstrip("：")
        return f"按照{basis}有关要求，现将{subject}报告如下。"
    return f"按照市总工会、市教育体育局{PLAN_TITLE}要求，现将{subject}报告如下。"


def _stages_sentence(row: RegionFigures, parts: list[tuple[str, int]], whom: str) -> str:
    total = sum(n for _label, n in parts)
    kinds = "、".join(f"{label}{n}场" for label, n in parts)
    stages = row.organised
    invited = row.invited
    accepted = stages.accepted + invited.accepted
    awaiting = stages.awaiting + invited.awaiting
    planned = stages.planned + invited.planned
    cancelled = stages.cancelled + invited.cancelled
    text = (
        f"{whom}共安排{PROGRAMME}宣讲活动{total}场（{kinds}），其中已举办并验收{accepted}场、"
        f"已举办待验收{awaiting}场、尚未举办{planned}场"
    )
    if cancelled:
        text += f"；另有{cancelled}场因故取消，不计入上述场次"
    return text + "。"


def summary(report: HalfYearReport, figures: HalfYearFigures) -> list[str]:
    """一、基本情况, written out from the figures."""
    total = figures.total
    us = we(figures)
    end = _month_day(figures.end)
    if figures.consolidated:
        parts = [
            ("市级统筹", figures.own.organised.total),
            ("县级统筹", sum(r.organised.total for r in figures.county_rows)),
            ("学校自行邀请", total.invited.total),
        ]
        whom = f"{period_label(figures)}，全市"
    else:
        parts = [
            (total.organised_label, total.organised.total),
            ("学校自行邀请", total.invited.total),
        ]
        whom = f"{period_label(figures)}，{us}"
    paragraphs = [_stages_sentence(total, parts, whom)]

    if total.reports:
        paragraphs.append(
            f"已验收的{total.reports}场活动共有劳模工匠{total.lecturers}人参与宣讲，"
            f"覆盖学生{total.students}人次、教师{total.teachers}人次、其他人员{total.others}人次，"
            f"合计{total.audience}人次。"
        )
    else:
        paragraphs.append("本半年暂无已验收的宣讲活动，观众人数待活动资料验收后统计。")

    where = "全市" if figures.consolidated else us
    split = f"（{total.reached_text}）" if total.reached_text else ""
    paragraphs.append(
        f"本半年{where}新覆盖学校{total.reached_in_half}所{split}；截至{end}，累计覆盖学校"
        f"{total.reached_total}所，占学校总数{total.schools}所的{total.coverage_percent}。"
    )

    quota = total.quota
    if figures.consolidated:
        text = (
            f"{figures.year}年全市宣讲活动任务为不少于{quota.minimum}场（市级统筹不少于"
            f"{figures.quota_city}场、每县（区）不少于{figures.quota_county}场）。截至{end}，"
            f"全市已验收{quota.accepted}场，完成全年任务的{quota.percent}；"
            f"另有已举办待验收{quota.awaiting}场，全年已计划尚未举办{quota.planned}场。"
        )
        if quota.minimum is not None and quota.accepted >= quota.minimum:
            if quota.missing:
                text += f"全市场次已达全年任务，但{quota.missing}，全年任务尚未全部完成。"
            else:
                text += "全市和市级统筹、各县（区）均已完成全年任务。"
        behind = [
            "市级统筹" if row.level == "city" else row.name
            for row in figures.rows
            if row.quota.state == "behind"
        ]
        if behind:
            text += f"按时间进度，{'、'.join(behind)}进度落后，需加快推进。"
        else:
            text += "各级均按时间进度推进。"
        paragraphs.append(text)
        paragraphs.append("各县（区）主要数据见表1，市级统筹活动明细见附件。")
    else:
        label = total.organised_label
        if quota.minimum is None:
            paragraphs.append(
                f"{figures.region_name}不设年度场次任务。截至{end}，"
                f"{figures.year}年已验收{label}活动{quota.accepted}场。"
            )
        else:
            text = (
                f"{figures.year}年{us}{label}宣讲活动任务为不少于{quota.minimum}场。截至{end}，"
                f"已验收{quota.accepted}场，完成全年任务的{quota.percent}；另有已举办待验收"
                f"{quota.awaiting}场，全年已计划尚未举办{quota.planned}场。"
            )
            if quota.state == "reached":
                text += "已完成全年任务。"
            elif quota.state == "on_pace":
                text += f"按时间进度应完成{quota.expected}场，进度正常。"
            else:
                text += f"按时间进度应完成{quota.expected}场，进度落后，需加快推进。"
            paragraphs.append(text)
        paragraphs.append("主要数据见表1，活动明细见附件。")
    return paragraphs


def attachment_title_lines(figures: HalfYearFigures) -> list[str]:
    which = "市级统筹" if figures.consolidated else ""
    return [
        f"{figures.region_name}{figures.year}年{figures.half_label}{which}",
        f"{PROGRAMME}宣讲活动明细表",
    ]


def attachment_title(figures: HalfYearFigures) -> str:
    return "".join(attachment_title_lines(figures))


def figures_subject(figures: HalfYearFigures) -> str:
    if figures.consolidated:
        return f"{figures.year}年{figures.half_label}各县（区）{PROGRAMME}行动主要数据"
    return f"{figures.region_name}{figures.year}年{figures.half_label}{PROGRAMME}行动主要数据"


def table_title(figures: HalfYearFigures) -> str:
    return f"表1  {figures_subject(figures)}"


def file_stem(report: HalfYearReport) -> str:
    return f"{report.region.name}{report.year}年{report.half_label}{PROGRAMME}行动开展情况报告"


# ---------------------------------------------------------------------------------------------
# Word

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
TABLE_FONT = "宋体"
PAGE_NUMBER_FONT = "宋体"
# Alternate names Word falls back to when the first is not installed (w:altName in the font
# table): 方正小标宋 is on most government machines but not all; older ones have the _GB2312 cuts.
ALTERNATE_NAMES = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋_GB2312",
    SUBHEADING_FONT: "楷体_GB2312",
    HEADING_FONT: "SimHei",
    TABLE_FONT: "SimSun",
}

PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_PT = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) * 72 / 25.4
SIZE_2 = 22  # 二号
SIZE_3 = 16  # 三号
SIZE_4 = 14  # 四号
SIZE_5 = 10.5  # 五号
SIZE_SMALL_5 = 9  # 小五
LINE_PT = 28

_LEVEL_2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_LEVEL_3 = re.compile(r"^\d+[.．、]")


def _text_width(text: str, size: float) -> float:
    """The advance of `text` in points: full width for Chinese, half for digits and Latin."""
    return sum(size / 2 if ord(char) < 0x2E80 else size for char in text)


def _set_fonts(target, name: str, *, size: float | None = None, bold: bool | None = None):
    """A run's or a style's font for Latin and East Asian text alike, theme fonts removed (they
    would win over the names)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    target.font.name = name
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    target.font.color.rgb = RGBColor(0, 0, 0)


def _indent_chars(paragraph_format, *, first_line: float = 0, left: float = 0, size=SIZE_3):
    """Indents counted in characters of `size` points (a negative first line hangs). Set as
    lengths: Word's *Chars attributes would fight the lengths set elsewhere in the style chain."""
    from docx.shared import Pt

    paragraph_format.first_line_indent = Pt(first_line * size)
    paragraph_format.left_indent = Pt(left * size)


class HalfYearDocument:
    """The half-year report in the layout of an official document (see the module's notes)."""

    def __init__(self, report: HalfYearReport, *, today: date | None = None, figures=None):
        from laomo.halfyear.services import figures_of

        self.report = report
        self.today = today or timezone.localdate()
        self.figures = figures or figures_of(report, today=self.today)
        self.issuers = issuers_of(report.region)

    @property
    def title(self) -> str:
        return document_title(self.report, self.figures, self.issuers)

    @property
    def filename(self) -> str:
        return safe_filename(f"{file_stem(self.report)}.docx")

    @property
    def date(self) -> date:
        """成文日期: the day of submission; for a draft, the day it is printed."""
        if self.report.frozen and self.report.submitted_at:
            return timezone.localdate(self.report.submitted_at)
        return self.today

    # -- building blocks ----------------------------------------------------------------------

    def render(self) -> bytes:
        from docx import Document

        self.document = Document()
        self._page_setup()
        self._styles()
        self._fonts_table()
        self._body()
        core = self.document.core_properties
        core.title = self.title
        core.subject = f"{self.figures.year}年{self.figures.half_label}半年报"
        core.language = "zh-CN"
        core.author = core.last_modified_by = "、".join(self.issuers)
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    def _page_setup(self) -> None:
        from docx.shared import Mm

        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
        section.header_distance = Mm(15)
        # The page number's dash sits about 7 mm under the text block (GB/T 9704 7.5).
        section.footer_distance = Mm(22)
        self.document.settings.odd_and_even_pages_header_footer = True
        self._page_number(section.footer.paragraphs[0], odd=True)
        self._page_number(section.even_page_footer.paragraphs[0], odd=False)
        if not self.report.frozen:
            for header in (section.header, section.even_page_header):
                self._draft_mark(header.paragraphs[0])

    def _styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.oxml.ns import qn
        from docx.shared import Pt

        styles = self.document.styles
        # Chinese text is Chinese to Word and LibreOffice: they pick Simplified glyphs by it.
        defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
        lang = defaults.find(qn("w:rPr")).find(qn("w:lang"))
        lang.set(qn("w:eastAsia"), "zh-CN")

        normal = styles["Normal"]
        _set_fonts(normal, BODY_FONT, size=SIZE_3)
        body = normal.paragraph_format
        body.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        body.line_spacing = Pt(LINE_PT)
        body.space_before = body.space_after = Pt(0)
        body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        body.widow_control = False
        _indent_chars(body, first_line=2)
        self._no_autospace(normal)

        def paragraph_style(name, *, base=normal, font=BODY_FONT, size=SIZE_3, bold=False):
            try:
                style = styles[name]
            except KeyError:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = base
            _set_fonts(style, font, size=size, bold=bold)
            style.font.italic = False
            fmt = style.paragraph_format
            fmt.space_before = fmt.space_after = Pt(0)
            return style

        # Word's own heading styles, so the outline and navigation pane work.
        for name, font, _level in (
            ("Heading 1", HEADING_FONT, 0),
            ("Heading 2", SUBHEADING_FONT, 1),
        ):
            style = paragraph_style(name, font=font)
            fmt = style.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(LINE_PT)
            fmt.keep_with_next = True
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _indent_chars(fmt, first_line=2)
        self.s_h1, self.s_h2 = styles["Heading 1"], styles["Heading 2"]
        self.s_title = paragraph_style("公文标题", font=TITLE_FONT, size=SIZE_2)
        fmt = self.s_title.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(35)
        _indent_chars(fmt, first_line=0)
        fmt.keep_with_next = True

        self.s_flush = paragraph_style("顶格")
        _indent_chars(self.s_flush.paragraph_format, first_line=0)

        self.s_caption = paragraph_style("表题", font=HEADING_FONT, size=SIZE_4)
        fmt = self.s_caption.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.keep_with_next = True
        fmt.space_before = Pt(6)
        _indent_chars(fmt, first_line=0)

        def cell_style(name, font, size):
            style = paragraph_style(name, font=font, size=size)
            fmt = style.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_before = fmt.space_after = Pt(2)
            _indent_chars(fmt, first_line=0, size=size)
            return style

        self.s_cell = cell_style("表格文字", TABLE_FONT, SIZE_5)
        self.s_head = cell_style("表头文字", HEADING_FONT, SIZE_5)
        self.s_small = cell_style("明细文字", TABLE_FONT, SIZE_SMALL_5)
        self.s_small_head = cell_style("明细表头", HEADING_FONT, SIZE_SMALL_5)
        self.s_cell_left = cell_style("表格文字居左", TABLE_FONT, SIZE_5)
        self.s_cell_left.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        self.s_small_left = cell_style("明细文字居左", TABLE_FONT, SIZE_SMALL_5)
        self.s_small_left.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT

        for name in ("Header", "Footer"):
            style = styles[name]
            _set_fonts(style, PAGE_NUMBER_FONT, size=SIZE_4)
            fmt = style.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            _indent_chars(fmt, first_line=0, size=SIZE_4)

    @staticmethod
    def _no_autospace(style) -> None:
        """Dates read 2025年7月8日, not 2025 年 7 月 8 日."""
        from laomo.outreach.documents import _docx_no_autospace

        _docx_no_autospace(style)

    def _fonts_table(self) -> None:
        """Name each Chinese font in the font table, with its alternate name and the GB2312
        character set, so that a machine without it substitutes a Chinese face of the kind."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml.ns import qn
        from lxml import etree

        part = self.document.part.part_related_by(RT.FONT_TABLE)
        root = etree.fromstring(part.blob)
        present = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
        for name, alternate in ALTERNATE_NAMES.items():
            if name in present:
                continue
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alternate)
            etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
            family = "modern" if name in (HEADING_FONT,) else "roman"
            etree.SubElement(font, qn("w:family")).set(qn("w:val"), family)
            etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _page_number(self, paragraph, *, odd: bool) -> None:
        """— 1 —, the page number a field Word and LibreOffice fill in."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        _use_style(paragraph, self.document.styles["Footer"])
        if odd:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = _pt(SIZE_4)
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            _indent_chars(paragraph.paragraph_format, left=1, size=SIZE_4)

        def run(text=None):
            r = paragraph.add_run(text)
            _set_fonts(r, PAGE_NUMBER_FONT, size=SIZE_4)
            return r

        run("— ")
        for kind in ("begin", "instr", "separate", "end"):
            r = run()
            if kind == "instr":
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = " PAGE "
            else:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            r._r.append(element)
            if kind == "separate":
                run("1")
        run(" —")

    def _draft_mark(self, paragraph) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        text = _("草稿（未报送）  数据截至{day}，报送时重新统计").format(
            day=day_label(self.figures.as_of)
        )
        run = paragraph.add_run(text)
        _set_fonts(run, HEADING_FONT, size=SIZE_SMALL_5)

    def _paragraph(self, text: str = "", style=None, *, font=None, bold=None):
        paragraph = self.document.add_paragraph()
        if style is not None:
            _use_style(paragraph, style)
        if text:
            run = paragraph.add_run(text)
            if font is not None:
                _set_fonts(run, font, bold=bold)
        return paragraph

    def _lines(self, lines: Sequence[str], style):
        """One paragraph, its lines broken where given (a title, broken between words)."""
        paragraph = self.document.add_paragraph()
        _use_style(paragraph, style)
        for index, line in enumerate(lines):
            run = paragraph.add_run()
            if index:
                run.add_break()
            run.add_text(line)
        return paragraph

    def _spacer(self) -> None:
        """An empty line after a table, before the text goes on."""
        self._paragraph(style=self.s_flush)

    def _narrative(self, text: str, empty: str) -> None:
        """The county's own text: a paragraph per line; a line opening with "（一）" is a
        second-level heading (楷体), one opening with "1." a third-level one (仿宋, bold). When
        the heading runs on into its text (（一）加强组织领导。具体……), only the heading up to
        its full stop takes the heading's font."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            self._paragraph(empty)
            return
        for line in lines:
            if _LEVEL_2.match(line):
                heading, rest = _split_heading(line)
                paragraph = self._paragraph(heading, self.s_h2 if not rest else None)
                if rest:
                    _set_fonts(paragraph.runs[0], SUBHEADING_FONT)
                    paragraph.add_run(rest)
            elif _LEVEL_3.match(line):
                heading, rest = _split_heading(line)
                paragraph = self._paragraph(heading)
                paragraph.runs[0].font.bold = True
                if rest:
                    paragraph.add_run(rest)
            else:
                self._paragraph(line)

    def _body(self) -> None:
        from docx.enum.text import WD_BREAK

        figures = self.figures
        self._lines(title_lines(figures, self.issuers), self.s_title)
        self._paragraph(style=self.s_flush)
        self._paragraph(addressee(self.report.region), self.s_flush)
        self._paragraph(opening(self.report, figures))

        self._paragraph("一、基本情况", self.s_h1)
        for text in summary(self.report, figures):
            self._paragraph(text)
        self._paragraph(table_title(figures), self.s_caption)
        if figures.consolidated:
            self._region_table()
        else:
            self._county_table()

        self._paragraph("二、经验做法", self.s_h1)
        self._narrative(self.report.experience, _("（尚未填写）"))
        self._paragraph("三、典型案例", self.s_h1)
        self._narrative(self.report.cases, _("（无）"))
        # What closes the text stays on the signature's page: no signature alone on a page.
        closing = [self._paragraph("特此报告。"), self._paragraph(style=self.s_flush)]
        note = self._paragraph(f"附件：{attachment_title(figures)}", self.s_flush)
        _indent_chars(note.paragraph_format, first_line=-3, left=5)
        for paragraph in [*closing, note]:
            paragraph.paragraph_format.keep_with_next = True
        self._signature()

        self._paragraph(style=self.s_flush).add_run().add_break(WD_BREAK.PAGE)
        self._paragraph("附件", self.s_flush, font=HEADING_FONT)
        self._paragraph(style=self.s_flush)
        heading = self._lines(attachment_title_lines(figures), self.s_title)
        heading.paragraph_format.space_after = _pt(LINE_PT / 2)
        self._talk_table()

    def _signature(self) -> None:
        """The issuing bodies one under another and the date, without a seal (GB/T 9704
        7.3.5.2): one empty line under the text; the signature two characters in from the right
        margin; the date's first character two characters right of the signature's first — or,
        when the date is the longer, the date two characters in and the signature moved left.

        The signature lines are placed by their left indent (Chinese characters are one em
        wide in every face). The date is right-aligned, its right indent chosen so that it starts
        where the standard says in 仿宋: in a face with wider digits it grows to the left
        instead of breaking onto a second line."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        when = day_label(self.date)
        signature = max(_text_width(name, SIZE_3) for name in self.issuers)
        dated = _text_width(when, SIZE_3)
        two = 2 * SIZE_3
        start = TEXT_WIDTH_PT - two - signature
        if dated > signature:  # then it ends two characters in, and the signature moves left
            start = TEXT_WIDTH_PT - two - dated - two
        self._paragraph(style=self.s_flush).paragraph_format.keep_with_next = True
        for name in self.issuers:
            fmt = self._paragraph(name, self.s_flush).paragraph_format
            fmt.left_indent = Pt(round(start, 1))
            fmt.keep_with_next = True
        fmt = self._paragraph(when, self.s_flush).paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = Pt(round(TEXT_WIDTH_PT - (start + two) - dated, 1))

    # -- tables -------------------------------------------------------------------------------

    def _table(self, headers, rows, widths_mm, *, head_style, cell_style, left_columns=()):
        """A bordered table, full text width, the header row repeated on every page and no row
        split across pages."""
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
        from docx.oxml import OxmlElement
        from docx.shared import Mm

        left_style = self.s_small_left if cell_style is self.s_small else self.s_cell_left
        table = self.document.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = [Mm(w) for w in widths_mm]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        _cell_margins(table, left_mm=0.6, right_mm=0.6)
        for index, (row, values) in enumerate(zip(table.rows, [headers, *rows], strict=True)):
            properties = row._tr.get_or_add_trPr()
            properties.append(OxmlElement("w:cantSplit"))
            if index == 0:
                properties.append(OxmlElement("w:tblHeader"))
            for column, (cell, value, width) in enumerate(
                zip(row.cells, values, widths, strict=True)
            ):
                cell.width = width
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                paragraph = cell.paragraphs[0]
                if index == 0:
                    _use_style(paragraph, head_style)
                elif column in left_columns:
                    _use_style(paragraph, left_style)
                else:
                    _use_style(paragraph, cell_style)
                paragraph.add_run("" if value is None else str(value))
        return table

    def _county_table(self) -> None:
        """By level and stage on top; the year's quota, audience, lecturers and coverage under
        it, each a label over the full width."""
        row = self.figures.total
        quota = row.quota
        end = _month_day(self.figures.end)
        stage_rows = []
        for label, stages in ((row.organised_label, row.organised), ("学校自行邀请", row.invited)):
            stage_rows.append(
                [
                    label,
                    stages.accepted,
                    stages.awaiting,
                    stages.planned,
                    stages.total,
                    stages.cancelled,
                ]
            )
        both = [sum(values) for values in zip(*(r[1:] for r in stage_rows), strict=True)]
        stage_rows.append(["合计", *both])
        if quota.minimum is None:
            quota_text = f"不设指标；截至{end}已验收{quota.accepted}场"
        else:
            quota_text = (
                f"不少于{quota.minimum}场；截至{end}已验收{quota.accepted}场"
                f"（完成{quota.percent}，{quota.state_label}），待验收{quota.awaiting}场，"
                f"全年已计划{quota.planned}场"
            )
        facts = [
            (f"全年{row.organised_label}任务", quota_text),
            ("参与宣讲的劳模工匠", f"{row.lecturers}人（已验收活动）"),
            (
                "观众（已验收活动）",
                f"学生{row.students}人次，教师{row.teachers}人次，其他{row.others}人次，"
                f"合计{row.audience}人次",
            ),
            (
                "学校覆盖",
                f"本半年新覆盖{row.reached_in_half}所"
                + (f"（{row.reached_text}）" if row.reached_text else "")
                + f"；累计覆盖{row.reached_total}所，"
                f"占学校总数{row.schools}所的{row.coverage_percent}",
            ),
        ]
        headers = ["项目（场）", "已验收", "已举办\n待验收", "已计划\n未举办", "合计", "已取消"]
        widths = [44, 22.4, 22.4, 22.4, 22.4, 22.4]
        table = self._table(
            headers,
            [*stage_rows, *[[label, text, "", "", "", ""] for label, text in facts]],
            widths,
            head_style=self.s_head,
            cell_style=self.s_cell,
        )
        for index in range(len(stage_rows) + 1, len(stage_rows) + 1 + len(facts)):
            cells = table.rows[index].cells
            merged = cells[1].merge(cells[-1])
            for paragraph in merged.paragraphs[1:]:
                paragraph._p.getparent().remove(paragraph._p)
            _use_style(merged.paragraphs[0], self.s_cell_left)
        self._spacer()

    def _region_table(self) -> None:
        headers = [
            "单位",
            "全年\n任务",
            "年度累计\n已验收",
            "本半年\n已验收",
            "已举办\n待验收",
            "已计划\n未举办",
            "学校自行\n邀请",
            "观众\n人次",
            "劳模工匠\n人数",
            "学校\n覆盖率",
        ]
        rows = []
        for row in [*self.figures.rows, self.figures.total]:
            name = f"{row.name}（市本级）" if row.level == "city" else row.name
            minimum = "—" if row.quota.minimum is None else row.quota.minimum
            rows.append(
                [
                    name,
                    minimum,
                    row.quota.accepted,
                    row.organised.accepted,
                    row.organised.awaiting,
                    row.organised.planned,
                    row.invited.accepted,
                    row.audience,
                    row.lecturers,
                    row.coverage_percent,
                ]
            )
        # 单位 fits 固原经济技术开发区; each figure column a four-character heading line.
        widths = [30, *[14] * 9]
        self._table(
            headers,
            rows,
            widths,
            head_style=self.s_small_head,
            cell_style=self.s_small,
            left_columns=(0,),
        )
        note = self._paragraph(
            "注：全年任务、年度累计已验收为本级统筹活动；学校自行邀请为已验收场次，不计入任务。",
            self.s_flush,
        )
        _set_fonts(note.runs[0], BODY_FONT, size=SIZE_5)
        note.paragraph_format.line_spacing = _pt(18)
        self._spacer()

    def _talk_table(self) -> None:
        talks = self.figures.talks
        if not talks:
            self._paragraph(_("本半年无宣讲活动记录。"))
            return
        headers = [
            "序号",
            "日期",
            "活动名称",
            "统筹层级",
            "举办地点",
            "宣讲员",
            "观众\n人数",
            "状态",
        ]
        rows = [
            [
                number,
                f"{line.day.month}月{line.day.day}日",
                line.title,
                line.level,
                line.place,
                line.lecturers,
                "" if line.audience is None else line.audience,
                line.status,
            ]
            for number, line in enumerate(talks, start=1)
        ]
        # Wide enough that a date (12月31日), a level (县级统筹) and a status (资料已报送)
        # each keep to one line in 小五.
        widths = [11, 19, 27, 17, 28, 22, 12, 20]
        self._table(
            headers,
            rows,
            widths,
            head_style=self.s_small_head,
            cell_style=self.s_small,
            left_columns=(2, 4, 5),
        )


def _use_style(paragraph, style) -> None:
    """Give the paragraph `style` by its id. (python-docx's own setter looks through every style
    of the document for each paragraph to see whether this one is the default: a millisecond a
    cell, most of a long table's time.)"""
    paragraph._p.style = style.style_id


def _cell_margins(table, *, left_mm: float, right_mm: float) -> None:
    """The space inside each cell at its sides (Word's default is 1.9 mm): narrow numeric
    columns keep a four-character heading on one line."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side, size in (("left", left_mm), ("right", right_mm)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(round(size * 1440 / 25.4)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    properties = table._tbl.tblPr
    # w:tblCellMar comes after w:tblLayout and before w:tblLook (ECMA-376 §17.4.60).
    look = properties.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _pt(value: float):
    from docx.shared import Pt

    return Pt(value)


def _split_heading(line: str) -> tuple[str, str]:
    """ "（一）加强组织领导。具体……" → ("（一）加强组织领导。", "具体……")."""
    stop = line.find("。")
    if stop == -1 or stop == len(line) - 1:
        return line, ""
    return line[: stop + 1], line[stop + 1 :]


# ---------------------------------------------------------------------------------------------
# Excel

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

FIGURE_HEADERS = [
    "单位",
    "全年任务（场）",
    "年度累计已验收（场）",
    "年度累计待验收（场）",
    "全年已计划未举办（场）",
    "任务完成率",
    "进度",
    "本半年统筹·已验收",
    "本半年统筹·已举办待验收",
    "本半年统筹·已计划未举办",
    "本半年统筹·已取消",
    "学校自行邀请·已验收",
    "学校自行邀请·已举办待验收",
    "学校自行邀请·已计划未举办",
    "学校自行邀请·已取消",
    "劳模工匠（人）",
    "学生（人次）",
    "教师（人次）",
    "其他（人次）",
    "观众合计（人次）",
    "学校数（所）",
    "本半年新覆盖（所）",
    "新覆盖·市级统筹活动（所）",
    "新覆盖·县级统筹活动（所）",
    "新覆盖·学校自行邀请活动（所）",
    "累计覆盖（所）",
    "覆盖率",
]
# Rates are numbers shown as percentages, dates are dates shown in Chinese: a reader sums and
# sorts them in Excel as they are.
REACHED_COLUMNS = ("city", "county", "school")  # the 新覆盖· columns' kinds of talk
PERCENT_FORMATS = {"任务完成率": "0%", "覆盖率": "0.0%"}
DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def figure_row(row: RegionFigures) -> list:
    name = f"{row.name}（市本级）" if row.level == "city" else row.name
    quota = row.quota
    # Without the split (figures frozen before it was counted) its cells stay empty.
    split = bool(row.reached_parts) or not row.reached_in_half
    return [
        name,
        quota.minimum,  # empty where there is no quota (进度 says 不设指标)
        quota.accepted,
        quota.awaiting,
        quota.planned,
        quota.rate,
        quota.state_label,
        row.organised.accepted,
        row.organised.awaiting,
        row.organised.planned,
        row.organised.cancelled,
        row.invited.accepted,
        row.invited.awaiting,
        row.invited.planned,
        row.invited.cancelled,
        row.lecturers,
        row.students,
        row.teachers,
        row.others,
        row.audience,
        row.schools,
        row.reached_in_half,
        *(row.reached_by.get(level, 0) if split else None for level in REACHED_COLUMNS),
        row.reached_total,
        row.coverage_rate if row.schools else None,
    ]


class HalfYearExporter(ListExporter):
    """The half-year report as a workbook: 主要数据 (a row per region, the total for the city)
    and 活动明细 (the talks, one a row). `rows()` yields the talks as every exporter's rows do;
    the figures sheet is written before them."""

    object_type = "halfyear.halfyearreport"
    headers = ["序号", "日期", "活动名称", "统筹层级", "举办地点", "宣讲员", "观众（人）", "状态"]
    column_widths = (6, 14, 32, 14, 28, 24, 10, 12)
    sheet_name = "活动明细"

    def __init__(self, report: HalfYearReport, *, today: date | None = None, figures=None):
        from laomo.halfyear.services import figures_of

        super().__init__(None)
        self.report = report
        self.figures = figures or figures_of(report, today=today)
        self.title = attachment_title(self.figures)

    @property
    def filename(self) -> str:
        return safe_filename(f"{file_stem(self.report)}.xlsx")

    def rows(self) -> Iterable[Sequence[object]]:
        for number, line in enumerate(self.figures.talks, start=1):
            yield [
                number,
                line.day,
                line.title,
                line.level,
                line.place,
                line.lecturers,
                line.audience,
                line.status,
            ]

    def figure_rows(self) -> Iterable[Sequence[object]]:
        figures = self.figures
        if figures.consolidated:
            yield from (figure_row(row) for row in figures.rows)
        yield figure_row(figures.total)

    def render(self) -> bytes:
        workbook = Workbook()
        figures = self.figures
        state = "报送时数据" if self.report.frozen else "实时数据，报送时重新统计"
        heading = f"{figures_subject(figures)}（{state}，截至{day_label(figures.as_of)}）"
        _write_table(
            workbook.active,
            "主要数据",
            heading,
            FIGURE_HEADERS,
            self.figure_rows(),
            [24, *([12] * (len(FIGURE_HEADERS) - 1))],
        )
        self.row_count = _write_table(
            workbook.create_sheet(),
            self.sheet_name,
            self.title,
            self.headers,
            self.rows(),
            self.column_widths,
        )
        main = workbook["主要数据"]
        for header, number_format in PERCENT_FORMATS.items():
            column = FIGURE_HEADERS.index(header) + 1
            for (cell,) in main.iter_rows(min_row=3, min_col=column, max_col=column):
                cell.number_format = number_format
        talks = workbook[self.sheet_name]
        column = self.headers.index("日期") + 1
        for (cell,) in talks.iter_rows(min_row=3, min_col=column, max_col=column):
            cell.number_format = DATE_FORMAT
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def response(self) -> HttpResponse:
        return file_response(self.render(), self.filename, XLSX_TYPE)


def _write_table(sheet, name: str, title: str, headers, rows, widths) -> int:
    """A title row over a header row over the rows, as `ListExporter` lays out its one sheet.
    Returns the number of rows written."""
    sheet.title = name[:31]
    title_cell = write_cell(sheet, 1, 1, title)
    title_cell.font = Font(name="宋体", size=14, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.row_dimensions[1].height = 32
    for column, header in enumerate(headers, start=1):
        cell = write_cell(sheet, 2, column, header)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    sheet.freeze_panes = sheet.cell(row=3, column=2)
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = write_cell(sheet, 2 + count, column, value)
            cell.font = Font(name="宋体", size=11)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = _BORDER
    for column, size in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    return count


def docx_response(report: HalfYearReport) -> tuple[HttpResponse, str]:
    document = HalfYearDocument(report)
    return file_response(document.render(), document.filename, DOCX_TYPE), document.filename


def xlsx_response(report: HalfYearReport) -> tuple[HttpResponse, str]:
    exporter = HalfYearExporter(report)
    return exporter.response(), exporter.filename
