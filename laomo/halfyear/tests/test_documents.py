"""The half-year report as Word (GB/T 9704 layout) and as Excel, read back and checked against the
figures; and, through LibreOffice, as pages to look at (test-artifacts/halfyear/)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from django.utils import timezone

from laomo.core.scoping import Scope
from laomo.halfyear import services
from laomo.halfyear.documents import (
    TEXT_WIDTH_PT,
    HalfYearDocument,
    HalfYearExporter,
    _text_width,
    render_docx,
    render_xlsx,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "halfyear"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
EXPERIENCE = (
    "（一）加强组织领导。区总工会、区教育体育局联合制定年度宣讲计划，明确责任科室和联络人，"
    "每月调度一次工作进展。\n"
    "（二）创新宣讲形式。结合“开学第一课”、班会课开展“致敬劳模交流会”“劳模家长上讲台”等活动，"
    "用身边人讲身边事，让劳模精神走进课堂。\n"
    "（三）强化资料报送。每场活动结束后3个工作日内报送图片和活动情况，做到横幅、宣讲员、观众"
    "“三要素”齐全。"
)
CASES = (
    "3月10日，原州区劳动模范走进原州区第一小学，以“平凡岗位上的坚守”为题，讲述了自己在生产一线"
    "二十年如一日的工作经历，全校师生45人参加。学生们纷纷表示，要向劳模学习，从小养成热爱劳动的"
    "好习惯。"
)
EAST_ASIAN = {"方正小标宋简体", "仿宋", "黑体", "楷体", "宋体"}


def submitted(world, year, half=1, key="county_union_a", today=date(2025, 7, 5)):
    user = world.user(key)
    report, _created = services.open_report(
        scope=Scope.for_user(user), year=year, half=half, acting_user=user, today=today
    )
    services.save_draft(report, experience=EXPERIENCE, cases=CASES, acting_user=user)
    return services.submit_report(report, acting_user=user, today=today)


@pytest.fixture
def county_report(world, year_2025):
    return submitted(world, 2025)


@pytest.fixture
def city_report(world, year_2025):
    return submitted(world, 2025, key="city_union")


def open_docx(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def texts(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def east_asian_font(element) -> str | None:
    from docx.oxml.ns import qn

    properties = element.find(qn("w:rPr"))
    if properties is None:
        return None
    fonts = properties.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_the_county_report_in_official_layout(world, county_report):
    document = open_docx(render_docx(county_report))
    lines = texts(document)
    assert (
        lines[0]
        == "原州区总工会 原州区教育体育局\n关于2025年上半年“劳模工匠进校园”\n行动开展情况的报告"
    )
    assert lines[1] == ""
    assert lines[2] == "市总工会、市教育体育局："
    assert lines[3].startswith("按照市总工会、市教育体育局《关于大力弘扬劳模精神")
    assert lines[3].endswith("现将我区2025年上半年“劳模工匠进校园”行动开展情况报告如下。")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、经验做法", "三、典型案例"]
    body = "\n".join(lines)
    assert (
        "2025年1月1日至6月30日，我区共安排“劳模工匠进校园”宣讲活动9场（县级统筹7场、学校自行邀请2场），"
        in body
    )
    assert "其中已举办并验收3场、已举办待验收3场、尚未举办3场；另有1场因故取消" in body
    assert "覆盖学生120人次、教师14人次、其他人员2人次，合计136人次" in body
    # Two talks of its own accepted and two schools newly reached: one of them by the city's
    # talk, as the report says.
    assert (
        "本半年我区新覆盖学校2所（其中县级统筹活动覆盖1所、市级统筹活动覆盖1所）；"
        "截至6月30日，累计覆盖学校3所，占学校总数3所的100.0%。" in body
    )
    assert "任务为不少于3场。截至6月30日，已验收2场，完成全年任务的67%" in body
    assert any(line.startswith("（一）加强组织领导。区总工会") for line in lines)
    assert "特此报告。" in lines
    assert "附件：原州区2025年上半年“劳模工匠进校园”宣讲活动明细表" in lines

    # The signature and the date, at the right, in the order GB/T 9704 gives them.
    when = timezone.localdate(county_report.submitted_at)
    day = f"{when.year}年{when.month}月{when.day}日"
    at = lines.index(day)
    assert lines[at - 2 : at] == ["原州区总工会", "原州区教育体育局"]
    union, bureau, dated = (document.paragraphs[i].paragraph_format for i in (at - 2, at - 1, at))
    assert union.left_indent == bureau.left_indent
    # Two characters from the right margin, the longer name setting the place.
    assert union.left_indent.pt + 8 * 16 + 32 == pytest.approx(TEXT_WIDTH_PT, abs=0.2)
    # The date starts two characters right of the signature (digits half a character wide in
    # 仿宋), right-aligned so that a wider face cannot push it onto a second line.
    assert dated.alignment.name == "RIGHT"
    starts = TEXT_WIDTH_PT - dated.right_indent.pt - _text_width(day, 16)
    assert starts == pytest.approx(union.left_indent.pt + 32, abs=0.2)

    # Page: A4, the standard's margins; page numbers as a field, odd right and even left.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —"
        assert "PAGE" in paragraph._p.xml
        assert paragraph.alignment.name == align
    assert not section.header.paragraphs[0].text  # submitted: no draft mark


def test_fonts_are_set_for_chinese_text(world, county_report):
    from docx.oxml.ns import qn

    document = open_docx(render_docx(county_report))
    styles = document.styles
    expected = {
        "Normal": ("仿宋", 16),
        "Heading 1": ("黑体", 16),
        "Heading 2": ("楷体", 16),
        "公文标题": ("方正小标宋简体", 22),
        "表格文字": ("宋体", 10.5),
    }
    for name, (font, size) in expected.items():
        style = styles[name]
        assert east_asian_font(style.element) == font, name
        assert style.font.name == font
        assert style.font.size.pt == size
        fonts = style.element.rPr.rFonts
        assert fonts.get(qn("w:eastAsiaTheme")) is None
    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing.pt == 28
    assert normal.first_line_indent.pt == 32  # two characters of 三号
    cells = [p for table in document.tables for c in table._cells for p in c.paragraphs]
    for paragraph in [*document.paragraphs, *cells]:
        for run in paragraph.runs:
            if run.text.strip():
                assert effective_font(run, paragraph) in EAST_ASIAN, run.text
    level_2 = next(p for p in document.paragraphs if p.text.startswith("（一）"))
    assert east_asian_font(level_2.runs[0]._r) == "楷体"
    assert level_2.runs[0].text == "（一）加强组织领导。"
    assert east_asian_font(level_2.runs[1]._r) is None  # the rest in the body's 仿宋
    xml = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    ).blob.decode()
    assert 'w:name="方正小标宋简体"' in xml
    assert 'w:altName w:val="宋体"' in xml
    lang = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert lang.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def effective_font(run, paragraph) -> str | None:
    """The East Asian font a run is set in: its own, else its paragraph style's or the nearest
    base style's."""
    if font := east_asian_font(run._r):
        return font
    style = paragraph.style
    while style is not None:
        if font := east_asian_font(style.element):
            return font
        style = style.base_style
    return None


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_figures_table_and_the_list_of_talks(world, county_report):
    document = open_docx(render_docx(county_report))
    figures_table, talks_table = document.tables
    rows = table_rows(figures_table)
    assert rows[0] == ["项目（场）", "已验收", "已举办\n待验收", "已计划\n未举办", "合计", "已取消"]
    assert rows[1] == ["县级统筹", "2", "3", "2", "7", "1"]
    assert rows[2] == ["学校自行邀请", "1", "0", "1", "2", "0"]
    assert rows[3] == ["合计", "3", "3", "3", "9", "1"]
    assert rows[4][0] == "全年县级统筹任务"
    assert rows[4][1].startswith("不少于3场；截至6月30日已验收2场（完成67%，进度正常）")
    assert rows[6][1] == "学生120人次，教师14人次，其他2人次，合计136人次"
    talks = table_rows(talks_table)
    assert talks[0] == [
        "序号",
        "日期",
        "活动名称",
        "统筹层级",
        "举办地点",
        "宣讲员",
        "观众\n人数",
        "状态",
    ]
    assert len(talks) == 1 + 10
    assert talks[2] == [
        "2",
        "3月10日",
        "march宣讲",
        "县级统筹",
        "原州区第一小学",
        "原劳模",
        "45",
        "已验收",
    ]
    assert talks[-1][1:3] == ["6月30日", "june_30宣讲"]
    header = talks_table.rows[0]._tr
    assert "w:tblHeader" in header.xml


def test_the_citys_consolidated_report(world, county_report, city_report):
    document = open_docx(render_docx(city_report))
    lines = texts(document)
    assert lines[0].startswith("固原市总工会 固原市教育体育局\n")
    assert lines[2] == "自治区总工会、自治区教育厅："
    assert "全市共安排" in "\n".join(lines)
    rows = table_rows(document.tables[0])
    assert [row[0] for row in rows[1:]] == [
        "固原市（市本级）",
        "原州区",
        "西吉县",
        "固原经济技术开发区",
        "合计",
    ]
    assert rows[-1][1:4] == ["20", "4", "4"]
    assert rows[4][1] == "—"  # the zone has no quota unless configured
    assert "附件：固原市2025年上半年市级统筹“劳模工匠进校园”宣讲活动明细表" in lines


def test_a_draft_is_marked_and_counted_live(world, year_2025):
    user = world.user("county_union_b")
    report, _ = services.open_report(
        scope=Scope.for_user(user), year=2025, half=1, acting_user=user, today=date(2025, 7, 5)
    )
    document = open_docx(render_docx(report, today=date(2025, 7, 8)))
    header = document.sections[0].header.paragraphs[0].text
    assert header.startswith("草稿（未报送）")
    assert "数据截至2025年7月8日" in header
    lines = texts(document)
    assert "2025年7月8日" in lines  # a draft is dated the day it is printed
    assert lines[lines.index("2025年7月8日") - 1] == "西吉县教育体育局"
    assert "（尚未填写）" in lines


def test_the_workbook_matches_the_figures(world, county_report, city_report):
    import openpyxl

    figures = services.figures_of(county_report)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(county_report)))
    assert book.sheetnames == ["主要数据", "活动明细"]
    sheet = book["主要数据"]
    headers = [cell.value for cell in sheet[2]]
    values = dict(zip(headers, [cell.value for cell in sheet[3]], strict=True))
    row = figures.total
    assert values["单位"] == "原州区"
    assert values["全年任务（场）"] == 3
    assert values["年度累计已验收（场）"] == row.quota.accepted == 2
    assert values["本半年统筹·已验收"] == 2
    assert values["本半年统筹·已举办待验收"] == 3
    assert values["本半年统筹·已取消"] == 1
    assert values["学校自行邀请·已验收"] == 1
    assert values["学生（人次）"] == 120
    assert values["观众合计（人次）"] == 136
    assert values["累计覆盖（所）"] == 3
    assert values["覆盖率"] == 1.0
    assert sheet.max_row == 3
    talks = book["活动明细"]
    assert [cell.value for cell in talks[2]][:3] == ["序号", "日期", "活动名称"]
    listed = [[cell.value for cell in row] for row in talks.iter_rows(min_row=3)]
    assert len(listed) == len(figures.talks) == 10
    assert listed[1][1:3] == [datetime(2025, 3, 10), "march宣讲"]
    assert talks.cell(row=4, column=2).number_format == 'yyyy"年"m"月"d"日"'
    assert listed[1][6] == 45

    city = openpyxl.load_workbook(io.BytesIO(render_xlsx(city_report)))["主要数据"]
    units = [row[0].value for row in city.iter_rows(min_row=3)]
    assert units == ["固原市（市本级）", "原州区", "西吉县", "固原经济技术开发区", "合计"]
    total = [cell.value for cell in city[7]]
    assert total[headers.index("劳模工匠（人）")] == 3
    assert total[headers.index("全年任务（场）")] == 20


def test_the_workbook_holds_numbers_as_numbers_and_rates_as_percentages(
    world, county_report, city_report
):
    """Every figure is a numeric cell (a rate: a number with a percent format), never text that
    reads like one; a figure there is none of is an empty cell, not a word."""
    import openpyxl

    for report in (county_report, city_report):
        sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))["主要数据"]
        headers = [cell.value for cell in sheet[2]]
        text_columns = {"单位", "进度"}
        for row in sheet.iter_rows(min_row=3):
            for header, cell in zip(headers, row, strict=True):
                if header in text_columns or cell.value is None:
                    continue
                assert cell.data_type == "n", (header, cell.value)
                assert isinstance(cell.value, int | float), (header, cell.value)
                if header in ("任务完成率", "覆盖率"):
                    assert cell.number_format.endswith("%"), header
                else:
                    assert "%" not in cell.number_format, header
    county = openpyxl.load_workbook(io.BytesIO(render_xlsx(county_report)))["主要数据"]
    headers = [cell.value for cell in county[2]]
    values = dict(zip(headers, county[3], strict=True))
    assert values["任务完成率"].value == pytest.approx(2 / 3)
    assert values["任务完成率"].number_format == "0%"
    assert values["覆盖率"].value == 1.0
    assert values["覆盖率"].number_format == "0.0%"
    # The schools newly reached, split by the talks that reached them, add up.
    split = [values[f"新覆盖·{kind}（所）"].value for kind in ("市级统筹活动", "县级统筹活动")]
    assert split == [1, 1]
    assert values["本半年新覆盖（所）"].value == 2
    city = openpyxl.load_workbook(io.BytesIO(render_xlsx(city_report)))["主要数据"]
    zone = next(row for row in city.iter_rows(min_row=3) if row[0].value == "固原经济技术开发区")
    # The zone has no quota: no minimum and no rate, and its 进度 says so.
    assert zone[headers.index("全年任务（场）")].value is None
    assert zone[headers.index("任务完成率")].value is None
    assert zone[headers.index("进度")].value == "不设指标"


def test_file_names(world, county_report):
    assert HalfYearDocument(county_report).filename == (
        "原州区2025年上半年“劳模工匠进校园”行动开展情况报告.docx"
    )
    assert HalfYearExporter(county_report).filename.endswith("行动开展情况报告.xlsx")


# ---------------------------------------------------------------------------------------------
# Looked at: Word → PDF (LibreOffice) → PNG


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"CI=true but {tool} is missing: the half-year report goes unchecked")
        pytest.skip(f"{tool} is not installed: the half-year report is not looked at")
    return path


def to_pdf(docx: Path, tmp_path: Path) -> Path:
    office = shutil.which("libreoffice") or need("soffice")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(  # noqa: S603
        [
            office,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    return docx.with_suffix(".pdf")


def pages_of(pdf: Path) -> list[str]:
    text = subprocess.run(  # noqa: S603
        [need("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("which", ["county", "city"])
def test_the_report_as_pages(world, county_report, city_report, tmp_path, which):
    """Rendered by LibreOffice and kept as PNG under test-artifacts/halfyear/ to be looked at:
    the title, 主送 and body on the first page, the signature and date before the attachment,
    the attachment on a page of its own, page numbers at the foot."""
    need("libreoffice")
    report = county_report if which == "county" else city_report
    docx = tmp_path / f"halfyear-{which}.docx"
    docx.write_bytes(render_docx(report))
    pdf = to_pdf(docx, tmp_path)
    pages = pages_of(pdf)
    first = flat(pages[0])
    assert first.startswith(flat(texts(open_docx(docx.read_bytes()))[0]))
    assert "一、基本情况" in first
    assert flat(pages[0]).index("：") < first.index("一、基本情况")
    attachment = next(i for i, page in enumerate(pages) if flat(page).startswith("附件"))
    assert attachment > 0
    signed = flat(pages[attachment - 1])
    assert "特此报告。" in "".join(flat(p) for p in pages[:attachment])
    assert signed.rstrip("—0123456789").endswith("日")
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{number}\s*—\s*$", page.strip()), f"page {number}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"halfyear-{which}*"):
        old.unlink()
    shutil.copyfile(docx, ARTIFACTS / docx.name)
    shutil.copyfile(pdf, ARTIFACTS / pdf.name)
    subprocess.run(  # noqa: S603
        [need("pdftoppm"), "-r", "80", "-png", str(pdf), str(ARTIFACTS / f"halfyear-{which}")],
        check=True,
        capture_output=True,
    )
    assert list(ARTIFACTS.glob(f"halfyear-{which}-*.png"))
