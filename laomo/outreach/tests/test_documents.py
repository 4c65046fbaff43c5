"""The documents handed upward: the banner PDF, the 台账, the photo sheet (Word and PDF) and a
lecturer's calendar. The PDFs and the Word file are also rendered to PNG under
test-artifacts/documents/ for a person to look at; the checks here measure what can be measured
(text, page sizes, margins, what lands on which page)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw

from laomo.core.exporters import print_scale
from laomo.core.scoping import Scope, enforcing_scopes
from laomo.core.testing.factories import OrganisationFactory, PersonFactory, SchoolFactory
from laomo.outreach.choices import (
    BookingStatus,
    Form,
    Level,
    Place,
    ReportStatus,
    Status,
    Venue,
)
from laomo.outreach.documents import (
    PRIVATE_SCHEME,
    BannerDocument,
    Period,
    PhotoSheet,
    TalkLedgerExporter,
    _fetcher,
    fit,
    lecturer_calendar,
    safe_filename,
)
from laomo.outreach.models import Booking, ReportPhoto, Talk, TalkReport
from laomo.regions.models import Organisation

SHANGHAI = ZoneInfo("Asia/Shanghai")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "documents"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
MM_PER_PT = 25.4 / 72
RED = tuple(bytes.fromhex(BannerDocument.BACKGROUND.removeprefix("#")))


def need(tool: str) -> str:
    """The tool's path; a missing tool skips the test here and fails it under CI=true."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (poppler-utils / libreoffice)"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return path


def run(*args: str, **kwargs) -> str:
    # The tools are found by shutil.which and given our own files: nothing untrusted runs.
    return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs).stdout  # noqa: S603


def pdf_text(path: Path, *extra: str) -> str:
    return run(need("pdftotext"), *extra, str(path), "-")


def pdf_info(path: Path) -> dict[str, str]:
    lines = run(need("pdfinfo"), str(path)).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def page_size_mm(info: dict[str, str]) -> tuple[float, float]:
    width, height = re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"]).groups()
    return round(float(width) * MM_PER_PT, 1), round(float(height) * MM_PER_PT, 1)


def keep(made: Path, name: str) -> None:
    """A copy under test-artifacts/documents/, to open and look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, ARTIFACTS / name)


def to_png(pdf: Path, stem: str, dpi: int) -> list[Path]:
    """Every page as PNG under test-artifacts/documents/, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    run(need("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(ARTIFACTS / stem))
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


# ---------------------------------------------------------------------------------------------
# Test data


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_talk(
    world,
    title: str,
    starts_at: datetime,
    *,
    side=None,
    level=Level.CITY,
    lecturers=(),
    minutes: int = 90,
    cost: str = "0",
    organisers=(),
    **fields,
) -> Talk:
    side = side or world.a
    values = {
        "school": side.school,
        "place": Place.SCHOOL,
        "venue": Venue.HALL,
        "form": Form.SALUTE,
        **fields,
    }
    talk = Talk.objects.create(
        title=title,
        level=level,
        organiser_region=world.city if level == Level.CITY else side.region,
        region=side.region,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        cost=Decimal(cost),
        **values,
    )
    talk.organisers.set(organisers)
    for person, answer in lecturers:
        Booking.objects.create(talk=talk, person=person, status=answer)
    return talk


def make_report(
    talk: Talk, *, number=1, status=ReportStatus.ACCEPTED, students=0, teachers=0, others=0
) -> TalkReport:
    return TalkReport.objects.create(
        talk=talk,
        number=number,
        status=status,
        students=students,
        teachers=teachers,
        others=others,
        account="宣讲员讲述了自己的成长经历。",
    )


def jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    """A picture that reads as one at a glance: a stage, a red banner strip, rows of heads."""
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 5), fill=(200, 0, 20))
    draw.rectangle((width // 10, height // 15, width * 9 // 10, height // 7), fill=(255, 230, 0))
    radius = max(width, height) // 40
    for row in range(3):
        for column in range(12):
            x = (column + 0.5) * width / 12
            y = height * (0.55 + row * 0.15)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(40, 30, 30))
    draw.rectangle((0, 0, width - 1, height - 1), outline=(0, 0, 0), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_photo(report, caption, *, size=(800, 600), colour=(90, 140, 200), position=0):
    photo = ReportPhoto(
        report=report,
        width=size[0],
        height=size[1],
        original_format="JPEG",
        original_name="IMG_0001.JPG",
        caption=caption,
        shows_banner=True,
        shows_lecturer=True,
        shows_audience=True,
        phash="0123456789abcdef",
        band0=0,
        band1=0,
        band2=0,
        band3=0,
        position=position,
    )
    photo.image.save("photo.jpg", ContentFile(jpeg(size, colour)), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg((160, 120), colour)), save=False)
    photo.save()
    return photo


@pytest.fixture
def private_root(settings, tmp_path):
    """Photos written to this test's own folder (the private storage follows the setting)."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    for name in ("image", "thumbnail"):
        assert ReportPhoto._meta.get_field(name).storage.location == str(root)
    return root


# ---------------------------------------------------------------------------------------------
# 1. The banner


def ink_box(png: Path, background: tuple[int, int, int]):
    """The page's size and the box of everything not in the background colour (the text)."""
    image = Image.open(png).convert("RGB")
    # pdftoppm rounds the page up to whole pixels and leaves that sliver white.
    image = image.crop((0, 0, image.width - 2, image.height - 2))
    plain = Image.new("RGB", image.size, background)
    mask = ImageChops.difference(image, plain).convert("L").point(lambda v: 255 if v > 60 else 0)
    return image, mask.getbbox()


@pytest.mark.parametrize(
    ("special_name", "stem"),
    [
        ("", "banner-default"),
        ("固原市第五中学“劳动创造幸福”主题班会暨劳模工匠进校园系列宣讲第三站", "banner-long"),
    ],
)
def test_banner_is_the_text_alone_filling_a_1_to_10_strip(world, tmp_path, special_name, stem):
    talk = make_talk(world, "致敬劳模交流会", at(3, 5), special_name=special_name)
    scope = Scope.for_user(world.user("city_union"))
    with enforcing_scopes():  # as in a request: fetched restricted, nothing else unscoped
        talk = Talk.objects.restrict(scope).get(pk=talk.pk)
        document = BannerDocument(talk)
        pdf = tmp_path / "banner.pdf"
        pdf.write_bytes(document.render())

    assert pdf_text(pdf).strip() == talk.banner_text
    assert talk.banner_text.startswith("2025年固原市“中国梦·劳动美")
    info = pdf_info(pdf)
    assert info["Pages"] == "1"
    assert page_size_mm(info) == (1000.0, 70.0)
    assert "1:10" in info["Title"]
    assert "10 m × 0.7 m" in info["Subject"]
    assert "1000 mm × 70 mm" in info["Subject"]
    fonts = run(need("pdffonts"), str(pdf))
    assert "Noto-Sans-CJK-SC-Bold" in fonts
    assert len(fonts.strip().splitlines()) == 3  # one font: nothing fell back to another
    name = talk.banner_name
    assert document.filename == f"横幅_{name}_1比10.pdf"

    keep(pdf, f"{stem}.pdf")
    [png] = to_png(pdf, stem, dpi=60)
    image, (left, top, right, bottom) = ink_box(png, RED)
    px_per_mm = image.width / 1000
    margins = [left / px_per_mm, (image.width - right) / px_per_mm]
    # The line fills the strip up to the 30 mm margins, and sits in its middle both ways.
    assert all(28 <= margin <= 36 for margin in margins), margins
    assert abs(margins[0] - margins[1]) < 1.5
    assert abs(top - (image.height - bottom)) / px_per_mm < 1.5
    assert image.getpixel((2, 2)) == pytest.approx(RED, abs=8)


def test_a_short_banner_is_as_tall_as_the_strip_allows(world, tmp_path):
    talk = make_talk(world, "工匠课", at(3, 5))
    pdf = tmp_path / "short.pdf"
    pdf.write_bytes(BannerDocument(talk, text="劳模工匠进校园").render())

    assert pdf_text(pdf).strip() == "劳模工匠进校园"
    [png] = to_png(pdf, "banner-short", dpi=30)
    image, (left, top, right, bottom) = ink_box(png, RED)
    px_per_mm = image.width / 1000
    assert top > 0
    assert bottom < image.height
    assert 40 <= (bottom - top) / px_per_mm <= 50  # capped at 0.7 of the 70 mm height
    assert abs(left - (image.width - right)) / px_per_mm < 2


def test_banner_filename_is_safe(world):
    talk = make_talk(world, "工匠课", at(3, 5), special_name="A/B:C*专场?")
    assert BannerDocument(talk).filename == "横幅_A_B_C_专场__1比10.pdf"
    talk.special_name = "长" * 60 + "..\\"
    assert BannerDocument(talk).filename.endswith("_1比10.pdf")


# ---------------------------------------------------------------------------------------------
# 2. The ledger


def read_rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def ledger_talks(world):
    city_union = OrganisationFactory(name="固原市总工会", region=world.city)
    first = make_talk(
        world,
        "致敬劳模交流会",
        at(3, 5, 9, 0),
        lecturers=[
            (world.city_person, BookingStatus.CONFIRMED),
            (world.a.person, BookingStatus.INVITED),
        ],
        cost="1200.50",
        organisers=[city_union],
        status=Status.ACCEPTED,
    )
    make_report(first, number=1, status=ReportStatus.RETURNED, students=10)
    make_report(first, number=2, status=ReportStatus.ACCEPTED, students=300, teachers=20, others=5)

    second = make_talk(
        world,
        "开学第一课",
        at(3, 1, 14, 30),
        side=world.b,
        level=Level.COUNTY,
        lecturers=[(world.b.person, BookingStatus.CONFIRMED), (world.a.person, "declined")],
        cost="300",
        status=Status.REPORTED,
        form=Form.FIRST_LESSON,
    )
    make_report(second, number=1, status=ReportStatus.SUBMITTED, students=40, teachers=3)
    make_report(second, number=2, status=ReportStatus.SUBMITTED, students=45, teachers=4)

    third = make_talk(
        world,
        "劳模家长上讲台",
        at(4, 1, 10, 0),
        level=Level.SCHOOL,
        school=world.a.other_school,
        form=Form.OTHER,
        form_other="劳动实践课",
        venue=Venue.CLASSROOM,
    )
    fourth = make_talk(world, "工匠课", at(4, 2), status=Status.CANCELLED, cancel_reason="天气原因")
    # Outside the half year, and archived: neither is listed.
    make_talk(world, "七月的宣讲", at(7, 1))
    make_talk(world, "已归档的宣讲", at(3, 10), archived_at=timezone.now())
    return first, second, third, fourth


HALF_YEAR = (date(2025, 1, 1), date(2025, 6, 30))


def test_ledger_lists_the_period_in_date_order_with_totals(world, ledger_talks):
    scope = Scope.for_user(world.user("city_union"))
    exporter = TalkLedgerExporter(Talk.objects.restrict(scope), scope=scope, period=HALF_YEAR)
    rows = read_rows(exporter.render())

    assert rows[0][0] == "固原市“劳模工匠进校园”宣讲活动台账（2025年1月1日—2025年6月30日）"
    assert rows[1] == [
        "序号",
        "活动名称",
        "统筹层级",
        "日期",
        "时间",
        "县（区）",
        "举办地点",
        "宣讲员",
        "活动形式",
        "场所",
        "学生",
        "教师",
        "其他",
        "观众合计",
        "经费承担",
        "经费（元）",
        "状态",
    ]
    assert rows[2] == [
        1,
        "开学第一课",
        "县级统筹",
        datetime(2025, 3, 1),  # a real date
        "14:30—16:00",
        "西吉县",
        "西吉县第一小学",
        "西劳模",
        "开学第一课",
        "礼堂",
        45,  # the latest of two reports awaiting review
        4,
        0,
        49,
        "县（区）经费（县（区）总工会、教育体育局）",
        300,
        "资料已报送",
    ]
    assert rows[3] == [
        2,
        "致敬劳模交流会",
        "市级统筹",
        datetime(2025, 3, 5),  # a real date
        "09:00—10:30",
        "原州区",
        "原州区第一小学",
        "何成斌、原劳模（待确认）",
        "致敬劳模交流会",
        "礼堂",
        300,  # the accepted report, not the returned one
        20,
        5,
        325,
        "市本级经费（市总工会、市教育体育局）",
        1200.5,
        "已验收",
    ]
    assert rows[4][1:10] == [
        "劳模家长上讲台",
        "学校自行邀请",
        datetime(2025, 4, 1),  # a real date
        "10:00—11:30",
        "原州区",
        "原州区第一中学",
        None,  # nobody booked yet
        "劳动实践课",
        "教室",
    ]
    assert rows[4][10:14] == [None, None, None, None]  # no report: blank, not zero
    assert rows[4][14] == "邀请学校自行负担"
    assert rows[5][1] == "工匠课"
    assert rows[5][16] == "已取消"
    assert rows[6] == [
        "合计",
        "共4场（含已取消1场）",
        *[None] * 8,
        345,
        24,
        5,
        374,
        None,
        1500.5,
        None,
    ]
    assert len(rows) == 7
    assert exporter.talk_count == exporter.row_count == 4
    assert exporter.filename == "固原市宣讲活动台账_20250101-20250630.xlsx"


def test_ledger_prints_on_a4_landscape_with_title_and_header_on_every_page(world, ledger_talks):
    scope = Scope.for_user(world.user("city_union"))
    exporter = TalkLedgerExporter(Talk.objects.restrict(scope), scope=scope, period=HALF_YEAR)
    sheet = openpyxl.load_workbook(io.BytesIO(exporter.render())).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    # Scaled so that every column fits the page's width (not "fit to one page", which
    # LibreOffice and WPS read as shrinking the whole ledger onto a single sheet).
    assert (
        not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
    )
    assert int(sheet.page_setup.scale) == print_scale(
        TalkLedgerExporter.column_widths, 297 - 0.8 * 25.4
    )
    assert 50 <= int(sheet.page_setup.scale) < 100
    # A row whose text wraps is as high as its lines (LibreOffice would print it over the next).
    assert (sheet.row_dimensions[3].height or 0) > 15
    assert sheet.print_title_rows == "$1:$2"  # the title and the header repeat on each page
    assert sheet["A1"].value.startswith("固原市“劳模工匠进校园”宣讲活动台账")
    # The date column holds dates, which sort, shown in Chinese.
    dates = [sheet.cell(row=row, column=4) for row in range(3, 7)]
    assert all(cell.is_date for cell in dates)
    assert [cell.value for cell in dates] == sorted(cell.value for cell in dates)
    assert dates[0].number_format == 'yyyy"年"m"月"d"日"'
    assert "&P" in sheet.oddFooter.center.text


def test_ledger_of_a_county_holds_only_its_talks(world, ledger_talks):
    scope = Scope.for_user(world.user("county_union_b"))
    exporter = TalkLedgerExporter(Talk.objects.all(), scope=scope, period=HALF_YEAR)
    rows = read_rows(exporter.render())
    assert rows[0][0].startswith("西吉县“劳模工匠进校园”宣讲活动台账")
    assert [row[1] for row in rows[2:-1]] == ["开学第一课"]


def test_ledger_of_an_open_period(world, ledger_talks):
    exporter = TalkLedgerExporter(
        Talk.objects.all(), region=world.city, period=(date(2025, 4, 1), None)
    )
    rows = read_rows(exporter.render())
    assert rows[0][0] == "固原市“劳模工匠进校园”宣讲活动台账（2025年4月1日起）"
    assert [row[1] for row in rows[2:-1]] == ["劳模家长上讲台", "工匠课", "七月的宣讲"]
    assert exporter.filename == "固原市宣讲活动台账_20250401-.xlsx"


def test_period_labels_and_file_names():
    assert Period(date(2025, 1, 1), date(2025, 6, 30)).label == "2025年1月1日—2025年6月30日"
    assert Period(None, date(2025, 6, 30)).label == "截至2025年6月30日"
    assert Period(None, None).label == "全部时间"
    assert safe_filename('a<b>:c"d|e?.xlsx') == "a_b_c_d_e_.xlsx"
    assert safe_filename("..") == "document"
    assert safe_filename("长" * 200 + ".docx") == "长" * 150 + ".docx"


def test_ledger_takes_the_callers_title(world, ledger_talks):
    exporter = TalkLedgerExporter(Talk.objects.all(), title="原州区台账（全部时间）")
    assert read_rows(exporter.render())[0][0] == "原州区台账（全部时间）"


@pytest.mark.parametrize("size", [2, 8])
def test_ledger_queries_do_not_grow_with_the_rows(world, django_assert_num_queries, size):
    for index in range(size):
        talk = make_talk(
            world,
            f"宣讲{index}",
            at(3, 1 + index),
            side=world.a if index % 2 else world.b,
            lecturers=[(world.city_person, BookingStatus.CONFIRMED)],
        )
        make_report(talk, students=50 + index)
    scope = Scope.for_user(world.user("city_union"))
    assert scope.region.path  # the scope's region is loaded before counting
    # As a list view hands it over: restricted, with a prefetch of its own.
    talks = Talk.objects.restrict(scope).prefetch_related(
        Prefetch("bookings", queryset=Booking.objects.unrestricted())
    )
    with enforcing_scopes(), django_assert_num_queries(3):
        rows = read_rows(TalkLedgerExporter(talks, scope=scope, period=HALF_YEAR).render())
    assert len(rows) == 2 + size + 1
    assert rows[-1][13] == sum(50 + index for index in range(size))


FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","点击")', "+86139", "-5", "@SUM(A1)", "＝1"]


def test_ledger_keeps_formula_like_text_as_text(world):
    school = SchoolFactory(name="=cmd|' /C calc'!A0", region=world.a.region)
    for index, title in enumerate(FORMULAS):
        make_talk(world, title, at(3, 1 + index), school=school)
    exporter = TalkLedgerExporter(
        Talk.objects.all(), title="=台账", period=HALF_YEAR, region=world.city
    )
    book = openpyxl.load_workbook(io.BytesIO(exporter.render()))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "=台账"
    assert sheet["A1"].data_type == "s"
    for row, title in enumerate(FORMULAS, start=3):
        for column, expected in ((2, title), (7, "=cmd|' /C calc'!A0")):
            cell = sheet.cell(row=row, column=column)
            assert cell.value == expected
            assert cell.data_type == "s"
            assert cell.quotePrefix


# ---------------------------------------------------------------------------------------------
# 3. The photo sheet


@pytest.fixture
def sheet_talks(world, private_root):
    """Two talks with accepted reports (four photos of three shapes), one whose report awaits
    review, and one accepted outside the period."""
    first = make_talk(
        world,
        "致敬劳模交流会",
        at(3, 5),
        lecturers=[
            (world.city_person, BookingStatus.CONFIRMED),
            (world.a.person, BookingStatus.DECLINED),
        ],
    )
    report = make_report(first, number=2, students=300, teachers=20, others=5)
    make_photo(
        report,
        "2025年3月5日，市总工会、市教育体育局在原州区第一小学举办致敬劳模交流会，何成斌作宣讲",
        size=(1200, 900),
        colour=(90, 140, 200),
    )
    make_photo(
        report,
        "2025年3月5日，原州区第一小学礼堂，师生三百余人聆听宣讲",
        size=(600, 800),
        colour=(120, 180, 90),
        position=1,
    )
    make_photo(
        report,
        "2025年3月5日，宣讲结束后学生向劳模献花（主办单位：市总工会、市教育体育局）",
        size=(1600, 900),
        colour=(200, 160, 60),
        position=2,
    )
    make_report(first, number=1, status=ReportStatus.RETURNED)

    second = make_talk(
        world,
        "开学第一课",
        at(3, 1),
        side=world.b,
        level=Level.COUNTY,
        lecturers=[(world.b.person, BookingStatus.CONFIRMED)],
    )
    make_photo(
        make_report(second, students=40, teachers=3),
        "2025年3月1日，西吉县总工会在西吉县第一小学举办开学第一课",
        size=(1000, 750),
        colour=(160, 100, 180),
    )

    pending = make_talk(world, "待验收的宣讲", at(3, 20))
    make_photo(make_report(pending, status=ReportStatus.SUBMITTED), "待验收照片说明")
    later = make_talk(world, "七月的宣讲", at(7, 2))
    make_photo(make_report(later), "七月照片说明")
    return first, second


CAPTIONS = [
    "2025年3月1日，西吉县总工会在西吉县第一小学举办开学第一课",
    "2025年3月5日，市总工会、市教育体育局在原州区第一小学举办致敬劳模交流会，何成斌作宣讲",
    "2025年3月5日，原州区第一小学礼堂，师生三百余人聆听宣讲",
    "2025年3月5日，宣讲结束后学生向劳模献花（主办单位：市总工会、市教育体育局）",
]
SHEET_TITLE = "固原市“劳模工匠进校园”宣讲活动图片资料"
HEADINGS = [
    "开学第一课 · 2025年3月1日 · 西吉县第一小学",
    "致敬劳模交流会 · 2025年3月5日 · 原州区第一小学",
]
# Under each heading, who spoke and to whom (a declined lecturer is not named).
DETAILS = [
    "宣讲员：西劳模 · 观众43人（学生40人、教师3人）",
    "宣讲员：何成斌 · 观众325人（学生300人、教师20人、其他5人）",
]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_photo_sheet_takes_accepted_reports_of_the_period(
    world, sheet_talks, django_assert_num_queries
):
    scope = Scope.for_user(world.user("city_union"))
    assert scope.region.path
    for queryset in (
        # As the talk list hands it over: restricted, with joins and a prefetch of its own.
        Talk.objects.restrict(scope).select_related("school").prefetch_related("bookings"),
        TalkReport.objects.restrict(scope),
        ReportPhoto.objects.restrict(scope),
    ):
        # The photos with their talks and reports, then the lecturers of all the talks.
        with enforcing_scopes(), django_assert_num_queries(2):
            sheet = PhotoSheet(queryset, title="图片资料", period=HALF_YEAR)
            groups = sheet.talks
        assert [group.heading for group in groups] == HEADINGS
        assert [group.details for group in groups] == DETAILS
        assert [item.photo.caption for group in groups for item in group.photos] == CAPTIONS
    everything = PhotoSheet(Talk.objects.all(), title="图片资料", accepted_only=False).talks
    assert len(everything) == 4
    county = Scope.for_user(world.user("county_union_b"))
    assert [g.heading for g in PhotoSheet(Talk.objects.restrict(county)).talks] == HEADINGS[:1]


def test_photos_are_scaled_into_their_box_keeping_their_shape():
    assert fit(1200, 900, 160, 84) == (112.0, 84.0)
    assert fit(600, 800, 160, 84) == (63.0, 84.0)
    assert fit(3000, 900, 160, 84) == (160.0, 48.0)


def test_photo_sheet_as_word(world, sheet_talks):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm

    sheet = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=HALF_YEAR)
    document = Document(io.BytesIO(sheet.render_docx()))

    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "固原市“劳模工匠进校园”宣讲活动图片资料"
    assert texts[1] == "（2025年1月1日—2025年6月30日）"
    assert [t for t in texts if t in HEADINGS] == HEADINGS
    assert [t for t in texts if t in DETAILS] == DETAILS
    assert texts.index(DETAILS[0]) == texts.index(HEADINGS[0]) + 1
    assert [t for t in texts if t in CAPTIONS] == CAPTIONS
    assert "待验收照片说明" not in texts
    assert "七月照片说明" not in texts
    shapes = document.inline_shapes
    assert len(shapes) == 4
    box_width, box_height = PhotoSheet.PHOTO_BOX_MM
    for shape in shapes:
        assert shape.width <= Mm(box_width) + 1000
        assert shape.height <= Mm(box_height) + 1000
    # Each picture is followed by its own caption.
    for index, paragraph in enumerate(document.paragraphs):
        if paragraph._p.xpath(".//w:drawing"):
            assert document.paragraphs[index + 1].text in CAPTIONS
            assert paragraph.paragraph_format.keep_with_next
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for paragraph in document.paragraphs:
        for run_ in paragraph.runs:
            if run_.text:
                fonts = run_._r.rPr.rFonts
                assert fonts.get(qn("w:eastAsia")) in {"仿宋", "宋体", "黑体"}
                assert run_.font.name == fonts.get(qn("w:eastAsia"))
    assert document.core_properties.title == (
        "固原市“劳模工匠进校园”宣讲活动图片资料（2025年1月1日—2025年6月30日）"
    )


def test_photo_sheet_as_pdf(world, sheet_talks, tmp_path):
    sheet = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=HALF_YEAR)
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(sheet.render_pdf())

    info = pdf_info(pdf)
    assert page_size_mm(info) == (210.0, 297.0)
    assert info["Title"] == sheet.full_title
    assert sheet.full_title.endswith("（2025年1月1日—2025年6月30日）")
    text = flat(pdf_text(pdf))
    for line in [*HEADINGS, *DETAILS, *CAPTIONS]:
        assert flat(line) in text
    assert "待验收照片说明" not in text
    images = run(need("pdfimages"), "-list", str(pdf)).splitlines()[2:]
    assert len(images) == 4


def test_photo_sheet_pdf_reaches_nothing_but_its_own_photos(world, sheet_talks, private_root):
    photo = ReportPhoto.objects.filter(report__talk=sheet_talks[0]).first()
    storage = ReportPhoto._meta.get_field("image").storage
    fetcher = _fetcher(storage, frozenset({photo.image.name}))
    assert fetcher.fetch(f"{PRIVATE_SCHEME}:{photo.image.name}").read()[:2] == b"\xff\xd8"
    other = ReportPhoto.objects.exclude(pk=photo.pk).first()
    for url in (
        "http://example.com/x.jpg",
        f"file://{private_root}/{photo.image.name}",
        f"{PRIVATE_SCHEME}:{other.image.name}",
        f"{PRIVATE_SCHEME}:../../etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_captions_are_text_not_markup(world, private_root, tmp_path):
    talk = make_talk(world, "<b>宣讲</b>", at(3, 5))
    make_photo(make_report(talk), '<img src="http://example.com/t.png">说明')
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(PhotoSheet(Talk.objects.all()).render_pdf())
    text = pdf_text(pdf)
    assert '<img src="http://example.com/t.png">说明' in text
    assert "<b>宣讲</b>" in text
    assert len(run(need("pdfimages"), "-list", str(pdf)).splitlines()[2:]) == 1


def test_a_photo_sheet_without_dates_names_the_span_of_its_talks(world, sheet_talks):
    # As from the talk list with no dates chosen: the period is that of the talks it holds.
    sheet = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=(None, None))
    assert sheet.period_label == "2025年3月1日—2025年7月2日"
    assert sheet.full_title == f"{SHEET_TITLE}（2025年3月1日—2025年7月2日）"
    since = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=(date(2025, 3, 2), None))
    assert since.period_label == "2025年3月2日—2025年7月2日"
    assert sheet.filename("docx") == f"{SHEET_TITLE}_2025年3月1日—2025年7月2日.docx"


def test_an_empty_photo_sheet_says_so(world, private_root, tmp_path):
    sheet = PhotoSheet(Talk.objects.all(), title="图片资料", period="全部时间")
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(sheet.render_pdf())
    assert "没有已验收的活动照片" in pdf_text(pdf)
    assert "（全部时间）" in pdf_text(pdf)
    from docx import Document

    texts = [p.text for p in Document(io.BytesIO(sheet.render_docx())).paragraphs]
    assert "所选范围内没有已验收的活动照片。" in texts


def test_a_missing_photo_file_leaves_a_placeholder(world, sheet_talks, tmp_path):
    gone = ReportPhoto.objects.get(caption=CAPTIONS[2])
    gone.image.storage.delete(gone.image.name)
    sheet = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=HALF_YEAR)

    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(sheet.render_pdf())
    text = flat(pdf_text(pdf))
    assert "照片文件缺失" in text
    assert all(flat(caption) in text for caption in CAPTIONS)
    assert len(run(need("pdfimages"), "-list", str(pdf)).splitlines()[2:]) == 3
    to_png(pdf, "photo-sheet-missing", dpi=40)

    from docx import Document

    document = Document(io.BytesIO(sheet.render_docx()))
    assert len(document.inline_shapes) == 3
    assert "〔照片文件缺失，请重新上传〕" in [p.text for p in document.paragraphs]


def captions_by_page(pdf: Path) -> list[list[str]]:
    pages = pdf_text(pdf).split("\f")
    return [[c for c in CAPTIONS if flat(c) in flat(page)] for page in pages if page.strip()]


def test_photo_sheet_pages_both_ways(world, sheet_talks, tmp_path):
    """Word (through LibreOffice) and PDF, rendered to PNG to be looked at: at most two photos
    a page, in order, each talk from a new page."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        if IN_CI:
            pytest.fail("CI=true but libreoffice is missing: the Word photo sheet goes unchecked")
        pytest.skip("libreoffice is not installed: the Word photo sheet is not looked at")
    sheet = PhotoSheet(Talk.objects.all(), title=SHEET_TITLE, period=HALF_YEAR)
    docx = tmp_path / "sheet.docx"
    docx.write_bytes(sheet.render_docx())
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(sheet.render_pdf())
    profile = (tmp_path / "lo-profile").as_uri()
    out = tmp_path / "office"
    subprocess.run(  # noqa: S603
        [
            office,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    from_word = out / "sheet.pdf"

    for made in (docx, pdf):
        keep(made, f"photo-sheet{made.suffix}")

    expected = [CAPTIONS[:1], CAPTIONS[1:3], CAPTIONS[3:]]
    for rendered, stem in ((pdf, "photo-sheet-pdf"), (from_word, "photo-sheet-docx")):
        assert page_size_mm(pdf_info(rendered)) == (210.0, 297.0)
        assert captions_by_page(rendered) == expected, stem
        to_png(rendered, stem, dpi=50)


# ---------------------------------------------------------------------------------------------
# 4. A lecturer's calendar


def test_lecturer_calendar(world):
    from icalendar import Calendar

    person = world.a.person
    union = Organisation.objects.get(name="原州区总工会")
    bureau = Organisation.objects.get(name="原州区教育体育局")
    invited = make_talk(
        world,
        "工匠课",
        at(3, 5, 9),
        lecturers=[(person, BookingStatus.INVITED)],
        organisers=[union],
    )
    confirmed = make_talk(
        world,
        "致敬劳模交流会",
        at(3, 12, 14, 30),
        lecturers=[(person, BookingStatus.CONFIRMED), (world.city_person, BookingStatus.CONFIRMED)],
        organisers=[bureau, union],
        status=Status.CONFIRMED,
        venue=Venue.MEETING_ROOM,
    )
    cancelled = make_talk(
        world,
        "开学第一课",
        at(3, 20),
        lecturers=[(person, BookingStatus.CONFIRMED)],
        status=Status.CANCELLED,
        cancel_reason="学校临时停课",
    )
    make_talk(world, "婉拒的宣讲", at(3, 21), lecturers=[(person, BookingStatus.DECLINED)])
    make_talk(
        world,
        "归档的宣讲",
        at(3, 22),
        lecturers=[(person, BookingStatus.CONFIRMED)],
        archived_at=timezone.now(),
    )
    make_talk(world, "别人的宣讲", at(3, 23), lecturers=[(world.city_person, "confirmed")])

    scope = Scope.for_user(world.user("lecturer_a"))
    with enforcing_scopes():
        data = lecturer_calendar(person, Talk.objects.restrict(scope).select_related("school"))
    calendar = Calendar.from_ical(data)

    events = calendar.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [
        f"talk-{invited.pk}@laomo",
        f"talk-{confirmed.pk}@laomo",
        f"talk-{cancelled.pk}@laomo",
    ]
    assert [str(e["status"]) for e in events] == ["TENTATIVE", "CONFIRMED", "CANCELLED"]
    second = events[1]
    assert str(second["summary"]) == "致敬劳模交流会"
    assert str(second["location"]) == "原州区第一小学"
    assert second["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert second["dtstart"].dt == at(3, 12, 14, 30)
    assert second["dtend"].dt == at(3, 12, 16, 0)
    assert str(second["dtstart"].dt.tzinfo) == "Asia/Shanghai"
    description = str(second["description"])
    assert confirmed.banner_text in description
    assert "主办单位：原州区总工会、原州区教育体育局" in description
    assert "会议室" in description
    assert "学校临时停课" in str(events[2]["description"])
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["tzid"]) for zone in zones] == ["Asia/Shanghai"]
    assert b"TZOFFSETTO:+0800" in data
    assert b"TZOFFSETTO:+0900" not in data  # no rules from before the first talk
    assert str(calendar["x-wr-calname"]) == "原劳模的宣讲日程"
    assert b"TZID=Asia/Shanghai" in data

    # The same talks give the same UIDs on every export (a re-import updates, never doubles).
    again = Calendar.from_ical(lecturer_calendar(person, [invited, confirmed, cancelled]))
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(e["uid"]) for e in events]


def test_lecturer_calendar_queries_do_not_grow_with_the_talks(world, django_assert_num_queries):
    person = world.a.person
    for day in range(1, 7):
        make_talk(
            world,
            f"宣讲{day}",
            at(3, day),
            lecturers=[(person, BookingStatus.CONFIRMED)],
            organisers=[world.a.union],
        )
    talks = Talk.objects.all()
    # The bookings, their talks' organisers, and the year's banner wording.
    with django_assert_num_queries(3):
        data = lecturer_calendar(person, talks)
    assert data.count(b"BEGIN:VEVENT") == 6


def test_lecturer_calendar_with_nothing_booked_is_still_a_calendar(world):
    from icalendar import Calendar

    calendar = Calendar.from_ical(lecturer_calendar(PersonFactory(region=world.a.region), []))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["version"]) == "2.0"
