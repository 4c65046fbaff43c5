"""The documents people hand upward (002 四(六)), one class per document (STYLE 9):

- `BannerDocument`: the prescribed banner as a print-ready PDF strip at 1:10;
- `TalkLedgerExporter`: the 台账 of a period and region as .xlsx;
- `PhotoSheet`: the photos of the talks, captioned, as Word and as PDF;
- `lecturer_calendar`: a lecturer's talks as an iCalendar file.

Callers pass querysets they have already restricted to the reader's scope; the documents only
narrow them further. Nothing here fetches anything from outside the application: PDFs are laid
out by WeasyPrint with a URL fetcher that refuses every URL except the photos of the sheet being
rendered, read straight from the private storage, so no photo is ever given a public address.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.core.exporters import ListExporter
from laomo.outreach.choices import BookingStatus, Form, ReportStatus, Status
from laomo.outreach.models import Booking, ProgrammeYear, ReportPhoto, Talk, TalkReport
from laomo.regions.models import Organisation

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ICS_TYPE = "text/calendar; charset=utf-8"


class DocumentError(RuntimeError):
    """A document cannot be produced on this machine (say, no Chinese font is installed)."""


# The Debian (and Ubuntu) package that brings the fonts the PDFs are set in.
FONT_PACKAGE = "fonts-noto-cjk"


def chinese_font_families() -> set[str] | None:
    """The families fontconfig has for Chinese (`fc-list :lang=zh`); None without fontconfig."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip() for line in listed.splitlines() for name in line.split(",") if name}


def missing_font_message(families: Iterable[str]) -> str:
    return _(
        "服务器上没有可用的中文字体（需要 {families} 之一），无法生成 PDF。"
        "请系统管理员安装字体包 {package}（Debian/Ubuntu：apt install {package}）后再试；"
        "Word 和 Excel 文件不受影响。"
    ).format(families="、".join(families), package=FONT_PACKAGE)


# ---------------------------------------------------------------------------------------------
# Small shared pieces


class Period(NamedTuple):
    """A span of whole days, both ends included, in local time; either end may be open."""

    start: date | None
    end: date | None

    @property
    def label(self) -> str:
        if self.start and self.end:
            return f"{date_label(self.start)}—{date_label(self.end)}"
        if self.start:
            return _("{day}起").format(day=date_label(self.start))
        if self.end:
            return _("截至{day}").format(day=date_label(self.end))
        return _("全部时间")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The aware instants [start 00:00, the day after end 00:00) in local time."""
        zone = timezone.get_current_timezone()
        since = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        until = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
            if self.end
            else None
        )
        return since, until


def as_period(value) -> Period | None:
    """A `Period` from a (start, end) pair of dates (either may be None); None for None or for a
    mere label (a string), which narrows nothing."""
    if value is None or isinstance(value, str):
        return None
    start, end = value
    return Period(start, end)


def date_label(day: date) -> str:
    """2025年3月5日, as people read dates (DESIGN)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _in_period(queryset: QuerySet, period: Period | None, lookup: str) -> QuerySet:
    if period is None:
        return queryset
    since, until = period.bounds()
    if since is not None:
        queryset = queryset.filter(**{f"{lookup}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{lookup}__lt": until})
    return queryset


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(text: str) -> str:
    """A file name Windows, macOS and the browsers all accept: no path separators or reserved
    characters, no leading dots or trailing spaces."""
    text = _UNSAFE_IN_FILENAME.sub("_", unicodedata.normalize("NFC", text))
    stem, dot, suffix = text.rpartition(".")
    if not dot or not suffix.isalnum():
        stem, suffix = text, ""
    stem = stem.strip(" .")[:150] or "document"
    return f"{stem}.{suffix}" if suffix else stem


def file_response(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _organiser_prefetch(lookup: str) -> Prefetch:
    # The talks were restricted by the caller; their organisers are part of what may be seen.
    return Prefetch(lookup, queryset=Organisation.objects.unrestricted().order_by("id"))


def _unions_first(organisations: Iterable[Organisation]) -> list[Organisation]:
    """The union before the education bureau, as the plan names them (002 四(二))."""
    return sorted(organisations, key=lambda org: org.kind != Organisation.Kind.UNION)


def _attach_programmes(talks: Iterable[Talk]) -> None:
    """Look up each (city, year)'s banner settings once, not once per talk."""
    found: dict[tuple[int, int], ProgrammeYear] = {}
    for talk in talks:
        city = talk.region.city
        key = (city.pk, timezone.localtime(talk.starts_at).year)
        if key not in found:
            found[key] = ProgrammeYear.of(city, key[1])
        talk.__dict__["programme"] = found[key]  # primes the cached_property


def lecturer_names(bookings: Iterable[tuple[str, str]]) -> str:
    """A talk's lecturers as the ledger and the lists write them, from (status, name) pairs in
    booking order: confirmed by name, invited with （待确认）, declined not at all."""
    names = []
    for status, name in bookings:
        if status == BookingStatus.CONFIRMED:
            names.append(name)
        elif status == BookingStatus.INVITED:
            names.append(_("{name}（待确认）").format(name=name))
    return "、".join(names)


def _form_label(talk: Talk) -> str:
    if talk.form == Form.OTHER and talk.form_other:
        return talk.form_other
    return talk.get_form_display()


# ---------------------------------------------------------------------------------------------
# PDF plumbing: fonts from fontconfig, and a URL fetcher that reaches nothing outside


@dataclass(frozen=True)
class FontFile:
    family: str
    path: str
    index: int


@functools.lru_cache(maxsize=16)
def installed_font(family: str, style: str = "Bold") -> FontFile | None:
    """The file fontconfig has for `family` in `style`, or None when it would only substitute
    another family for it."""
    try:
        found = subprocess.run(  # noqa: S603
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:style={style}"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) < 3 or family not in found[0].split(","):
        return None
    return FontFile(family, found[1], int(found[2] or 0))


def first_installed_font(families: Iterable[str], style: str = "Bold") -> FontFile:
    for family in families:
        if font := installed_font(family, style):
            return font
    raise DocumentError(missing_font_message(families))


@dataclass(frozen=True)
class LineMetrics:
    """One line of text in a font, in em: its advance, where its ink begins and ends (from the
    pen's start), and the font's ascent and descent as the line box uses them."""

    advance: float
    ink_left: float
    ink_right: float
    ascent: float
    descent: float

    @property
    def ink_width(self) -> float:
        return self.ink_right - self.ink_left

    @property
    def ink_offset(self) -> float:
        """How far the ink's centre lies right of the advance box's centre."""
        return (self.ink_left + self.ink_right) / 2 - self.advance / 2


def measure_line(text: str, font: FontFile) -> LineMetrics:
    """`text` set on one line in `font`, shaped as Pango shapes it (HarfBuzz via raqm, when
    Pillow has it), so that a banner can be sized to fill its width exactly."""
    from PIL import ImageFont, features

    size = 1000
    try:
        if features.check("raqm"):
            face = ImageFont.truetype(
                font.path, size, index=font.index, layout_engine=ImageFont.Layout.RAQM
            )
            options = {"language": "zh-Hans"}
        else:
            face = ImageFont.truetype(font.path, size, index=font.index)
            options = {}
        advance = face.getlength(text, **options)
        # The ink of a line starts and ends with the ink of its first and last characters.
        left = right = None
        if text.strip():
            first, last = text.strip()[0], text.strip()[-1]
            leading = len(text) - len(text.lstrip())
            trailing = len(text) - len(text.rstrip())
            mask, (offset, _top) = face.getmask2(first, anchor="ls", **options)
            if box := mask.getbbox():
                left = face.getlength(text[:leading], **options) + offset + box[0]
            mask, (offset, _top) = face.getmask2(last, anchor="ls", **options)
            if box := mask.getbbox():
                tail = face.getlength(last + text[len(text) - trailing :], **options)
                right = advance - tail + offset + box[2]
        ascent, descent = face.getmetrics()
    except OSError:
        # An unreadable font file: a full em a character never overflows.
        return LineMetrics(float(len(text)), 0.0, float(len(text)), 1.16, 0.288)
    if left is None or right is None:
        left, right = 0, advance
    return LineMetrics(advance / size, left / size, right / size, ascent / size, descent / size)


PRIVATE_SCHEME = "laomo-private"


def _weasyprint():
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def _fetcher(storage=None, allowed: frozenset[str] = frozenset()):
    """A WeasyPrint URL fetcher that refuses every URL (no network, no file system) except
    `laomo-private:<name>` for the `allowed` names, read from the private `storage`."""
    _wp, URLFetcher, URLFetcherResponse = _weasyprint()

    class PrivateFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            prefix = f"{PRIVATE_SCHEME}:"
            if storage is None or not url.startswith(prefix):
                raise ValueError(f"refused: {url[:80]}")
            name = url.removeprefix(prefix)
            if name not in allowed:
                raise ValueError(f"refused: {url[:80]}")
            with storage.open(name, "rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body, {"Content-Type": "image/jpeg"})

    return PrivateFetcher()


def _render_pdf(html: str, url_fetcher) -> bytes:
    weasyprint, _fetch, _response = _weasyprint()
    return weasyprint.HTML(string=html, url_fetcher=url_fetcher).write_pdf()


# ---------------------------------------------------------------------------------------------
# 1. The banner


class BannerDocument:
    """The talk's banner (002 四(六)) as a print-ready PDF: one line of bold yellow type on red,
    sized from the text to fill the strip between its margins.

    The real banner is 10 m × 0.7 m; the PDF is that at 1:10 (a 1000 mm × 70 mm page), for the
    print shop to enlarge tenfold. The scale is stated in the PDF's title and subject, never on
    the banner itself.
    """

    SCALE = 10
    REAL_WIDTH_M = Decimal("10")
    REAL_HEIGHT_M = Decimal("0.7")
    WIDTH_MM = 1000
    HEIGHT_MM = 70
    MARGIN_MM = 30  # each end: 0.3 m of the real banner left for ties and hems
    MAX_HEIGHT_RATIO = 0.7  # a short text is not set taller than this part of the height
    # A hair narrower than measured, for rounding in the PDF's glyph positions.
    FIT = 0.995
    # Where the centre of the ideographic em box lies above the baseline in CJK fonts (the box
    # runs from 0.88 em above it to 0.12 em below).
    IDEOGRAPHIC_CENTRE = 0.38
    FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Serif SC")
    BACKGROUND = "#d7000f"  # 大红
    COLOUR = "#ffe600"  # 明黄
    template_name = "outreach/documents/banner.html"

    def __init__(self, talk: Talk, *, text: str | None = None):
        self.talk = talk
        self.text = " ".join((talk.banner_text if text is None else text).split())

    @property
    def filename(self) -> str:
        return safe_filename(f"横幅_{self.talk.banner_name}_1比{self.SCALE}.pdf")

    @property
    def pdf_title(self) -> str:
        return _("横幅（{name}专场）1:{scale} 印刷稿").format(
            name=self.talk.banner_name, scale=self.SCALE
        )

    @property
    def pdf_subject(self) -> str:
        return _(
            "比例 1:{scale}：版面 {w} mm × {h} mm，按 {scale} 倍放大印制为实物横幅 "
            "{rw} m × {rh} m（长 × 高）"
        ).format(
            scale=self.SCALE,
            w=self.WIDTH_MM,
            h=self.HEIGHT_MM,
            rw=self.REAL_WIDTH_M,
            rh=self.REAL_HEIGHT_M,
        )

    def font(self) -> FontFile:
        return first_installed_font(self.FONTS, "Bold")

    def layout(self, font: FontFile) -> dict:
        """The font size that makes the line's ink fill the strip between the margins (or a
        short line as tall as the strip allows), and the nudges, in em, that centre the ink
        across and the ideographic em box up and down: a closing bracket's ink sits in the left
        half of its advance, and the line box centres the font's ascent and descent, not the
        ideographs."""
        line = measure_line(self.text, font)
        usable = self.WIDTH_MM - 2 * self.MARGIN_MM
        size = min(
            usable / max(line.ink_width, 0.5) * self.FIT, self.HEIGHT_MM * self.MAX_HEIGHT_RATIO
        )
        baseline_below_centre = (line.ascent - line.descent) / 2
        return {
            "font_size_mm": round(size, 3),
            "shift_x_em": round(-line.ink_offset, 4),
            "shift_y_em": round(self.IDEOGRAPHIC_CENTRE - baseline_below_centre, 4),
        }

    def html(self) -> str:
        font = self.font()
        families = [font.family, *(f for f in self.FONTS if f != font.family)]
        return render_to_string(
            self.template_name,
            {
                "text": self.text,
                "pdf_title": self.pdf_title,
                "pdf_subject": self.pdf_subject,
                "width_mm": self.WIDTH_MM,
                "height_mm": self.HEIGHT_MM,
                "font_family": ", ".join(f'"{family}"' for family in families),
                "background": self.BACKGROUND,
                "colour": self.COLOUR,
                **self.layout(font),
            },
        )

    def render(self) -> bytes:
        return _render_pdf(self.html(), _fetcher())

    def response(self) -> HttpResponse:
        return file_response(self.render(), self.filename, PDF_TYPE)


# ---------------------------------------------------------------------------------------------
# 2. The ledger (台账)


def ledger_title(region=None, period=None) -> str:
    """{region}“劳模工匠进校园”宣讲活动台账（{start}—{end}）."""
    name = getattr(region, "name", region) or ""
    if isinstance(period, str):
        label = period
    else:
        label = period.label if (period := as_period(period)) else ""
    title = _("{region}“劳模工匠进校园”宣讲活动台账").format(region=name)
    return f"{title}（{label}）" if label else title


class TalkLedgerExporter(ListExporter):
    """The 台账 of the talks given (a period's, a region's), in date order, one row a talk and a
    totals row at the end.

    The audience is that of the accepted report, else of the latest report awaiting review, else
    blank; a returned report counts for nothing. Declined lecturers are left out and those not
    yet answering are marked. Archived talks are left out; cancelled ones stay, marked in the
    status column, and are counted apart in the totals row. Three queries whatever the size.
    """

    object_type = "outreach.talk"
    headers = [
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
    # Narrow enough for A4 landscape at about 70%: longer text wraps within its column.
    column_widths = (4, 20, 8, 14, 11, 7, 14, 14, 9, 7, 5, 5, 5, 6, 14, 8, 7)
    landscape = True

    def __init__(self, queryset, *, scope=None, title=None, region=None, period=None):
        super().__init__(queryset, scope=scope)
        self.region = region if region is not None else getattr(scope, "region", None)
        self.period = as_period(period)
        self.title = title or ledger_title(self.region, period)
        self.sheet_name = _("台账")
        self.talk_count = 0

    @property
    def filename(self) -> str:
        region = getattr(self.region, "name", self.region) or ""
        if self.period and (self.period.start or self.period.end):
            start, end = self.period
            when = f"{start:%Y%m%d}" if start else ""
            when += f"-{end:%Y%m%d}" if end else "-"
        else:
            when = f"{timezone.localdate():%Y%m%d}"
        return safe_filename(_("{region}宣讲活动台账_{when}.xlsx").format(region=region, when=when))

    def talks(self) -> QuerySet:
        talks = self.queryset
        if self.scope is not None:
            talks = talks.restrict(self.scope)
        talks = _in_period(talks.filter(archived_at__isnull=True), self.period, "starts_at")
        # Drop whatever the caller prefetched: the ledger fetches exactly what it shows.
        return (
            talks.select_related("region", "school", "base")
            .prefetch_related(None)
            .prefetch_related(
                # Narrowed to the talks above, which the caller restricted.
                Prefetch(
                    "bookings",
                    queryset=Booking.objects.unrestricted()
                    .exclude(status=BookingStatus.DECLINED)
                    .select_related("person")
                    .order_by("id"),
                    to_attr="ledger_bookings",
                ),
                Prefetch(
                    "reports",
                    queryset=TalkReport.objects.unrestricted()
                    .filter(status__in=[ReportStatus.ACCEPTED, ReportStatus.SUBMITTED])
                    .order_by("-number"),
                    to_attr="ledger_reports",
                ),
            )
            .order_by("starts_at", "id")
        )

    def render(self) -> bytes:
        data = super().render()
        self.row_count = self.talk_count  # the audit counts talks, not the totals row
        return data

    @staticmethod
    def counted_report(talk: Talk) -> TalkReport | None:
        reports = talk.ledger_reports
        accepted = [r for r in reports if r.status == ReportStatus.ACCEPTED]
        return accepted[0] if accepted else (reports[0] if reports else None)

    def rows(self):
        sums = [0, 0, 0, 0]
        cost = Decimal("0")
        cancelled = 0
        for number, talk in enumerate(self.talks(), start=1):
            self.talk_count = number
            starts = timezone.localtime(talk.starts_at)
            ends = timezone.localtime(talk.ends_at)
            report = self.counted_report(talk)
            if report is not None:
                counts = [report.students, report.teachers, report.others, report.audience]
                sums = [total + count for total, count in zip(sums, counts, strict=True)]
            else:
                counts = ["", "", "", ""]
            cost += talk.cost
            cancelled += talk.status == Status.CANCELLED
            yield [
                number,
                talk.title,
                talk.get_level_display(),
                starts.date(),  # a real date, which sorts; shown as 2025年3月5日
                f"{starts:%H:%M}—{ends:%H:%M}",
                talk.region.name,
                talk.place_name,
                lecturer_names((b.status, b.person.name) for b in talk.ledger_bookings),
                _form_label(talk),
                talk.get_venue_display(),
                *counts,
                str(talk.funding),
                talk.cost,
                talk.get_status_display(),
            ]
        count = _("共{n}场").format(n=self.talk_count)
        if cancelled:
            count += _("（含已取消{n}场）").format(n=cancelled)
        yield [_("合计"), count, "", "", "", "", "", "", "", "", *sums, "", cost, ""]


# ---------------------------------------------------------------------------------------------
# 3. The photo sheet


@dataclass
class SheetPhoto:
    photo: ReportPhoto
    width_mm: float
    height_mm: float
    missing: bool = False  # the file cannot be read: a placeholder is printed in its place


@dataclass
class SheetTalk:
    talk: Talk
    heading: str
    photos: list[SheetPhoto] = field(default_factory=list)
    details: str = ""  # 宣讲员 and 观众 under the heading


def audience_label(report: TalkReport) -> str:
    """观众325人（学生300人、教师20人、其他5人）, leaving out a group of none."""
    parts = [
        _("{label}{n}人").format(label=label, n=count)
        for label, count in (
            (_("学生"), report.students),
            (_("教师"), report.teachers),
            (_("其他"), report.others),
        )
        if count
    ]
    total = _("观众{n}人").format(n=report.audience)
    return f"{total}（{'、'.join(parts)}）" if parts else total


def fit(width: int, height: int, box_width: float, box_height: float) -> tuple[float, float]:
    """The size of a width × height picture scaled to fit in the box, its proportions kept."""
    if width <= 0 or height <= 0:
        width, height = 4, 3
    scale = min(box_width / width, box_height / height)
    return round(width * scale, 2), round(height * scale, 2)


class PhotoSheet:
    """The photos of the talks for printing and sending upward (002 四(六)): a title, then for
    each talk a heading "活动名称 · 日期 · 学校" and its photos, one per half page, each scaled
    to fit with its caption underneath. As Word (`render_docx`) and as PDF (`render_pdf`).

    `queryset` holds talks, reports or photos, already restricted to the reader. By default only
    photos of accepted reports are taken (`accepted_only=False` takes every report's). `period`
    is either a (start, end) pair of dates, which also narrows the talks to that span, or just a
    label to print under the title (when the caller has filtered the talks already).
    """

    PAGE_WIDTH_MM = 210
    PAGE_HEIGHT_MM = 297
    MARGIN_TOP_MM = 25
    MARGIN_BOTTOM_MM = 25
    MARGIN_SIDE_MM = 20
    PHOTO_BOX_MM = (160, 95)  # two photos with their captions, and a heading, fill a page
    TITLE_FONT = "宋体"
    HEADING_FONT = "黑体"
    TEXT_FONT = "仿宋"
    PDF_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "Noto Sans CJK SC")
    PDF_SANS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC")
    template_name = "outreach/documents/photo_sheet.html"

    def __init__(
        self,
        queryset,
        *,
        title: str = "",
        period=None,
        accepted_only: bool = True,
    ):
        self.queryset = queryset
        self.period = as_period(period)
        self.label_given = period if isinstance(period, str) else ""
        self.title = title or _("“劳模工匠进校园”宣讲活动图片资料")
        self.accepted_only = accepted_only

    def filename(self, kind: str) -> str:
        return safe_filename(f"{self.title}_{self.period_label}.{kind}".replace("_.", "."))

    def photos(self) -> QuerySet:
        model = self.queryset.model
        # The other two are narrowed to talks or reports the caller restricted.
        if model is ReportPhoto:
            photos = self.queryset
        elif model is TalkReport:
            photos = ReportPhoto.objects.unrestricted().filter(report__in=self.queryset)
        elif model is Talk:
            photos = ReportPhoto.objects.unrestricted().filter(report__talk__in=self.queryset)
        else:
            raise TypeError(f"PhotoSheet takes talks, reports or photos, not {model.__name__}")
        if self.accepted_only:
            photos = photos.filter(report__status=ReportStatus.ACCEPTED)
        photos = _in_period(photos, self.period, "report__talk__starts_at")
        return (
            photos.filter(report__talk__archived_at__isnull=True)
            .select_related("report__talk__school", "report__talk__base")
            .order_by(
                "report__talk__starts_at", "report__talk_id", "report__number", "position", "id"
            )
        )

    @functools.cached_property
    def talks(self) -> list[SheetTalk]:
        groups: dict[int, SheetTalk] = {}
        reports: dict[int, TalkReport] = {}
        for photo in self.photos():
            talk = photo.report.talk
            if talk.pk not in groups:
                heading = " · ".join((talk.title, date_label(talk.local_date), talk.place_name))
                groups[talk.pk] = SheetTalk(talk, heading)
                reports[talk.pk] = photo.report
            size = self._pixel_size(photo)
            width, height = fit(*(size or (photo.width, photo.height)), *self.PHOTO_BOX_MM)
            groups[talk.pk].photos.append(SheetPhoto(photo, width, height, missing=size is None))
        # The lecturers of all the talks in one query (the talks are the reader's already).
        bookings: dict[int, list[tuple[str, str]]] = {}
        for talk_id, status, name in (
            Booking.objects.unrestricted()
            .filter(talk_id__in=groups)
            .order_by("id")
            .values_list("talk_id", "status", "person__name")
        ):
            bookings.setdefault(talk_id, []).append((status, name))
        for talk_id, group in groups.items():
            names = lecturer_names(bookings.get(talk_id, []))
            parts = [_("宣讲员：{names}").format(names=names)] if names else []
            parts.append(audience_label(reports[talk_id]))
            group.details = " · ".join(parts)
        return list(groups.values())

    @functools.cached_property
    def period_label(self) -> str:
        """The period named under the title: the one asked for, its open ends (or the whole of
        it) filled in from the first and last talk the sheet holds."""
        if self.label_given:
            return self.label_given
        start, end = self.period or (None, None)
        days = [group.talk.local_date for group in self.talks]
        if days:
            start, end = start or min(days), end or max(days)
        if start is None and end is None:
            return ""
        return Period(start, end).label

    @property
    def full_title(self) -> str:
        """The title with its period, as the file's own title (what a reader's list shows)."""
        return f"{self.title}（{self.period_label}）" if self.period_label else self.title

    @staticmethod
    def _pixel_size(photo: ReportPhoto) -> tuple[int, int] | None:
        """The stored image's own size (read from its header), which is what gets printed; None
        when the file is gone or unreadable, which must not sink the whole sheet."""
        from PIL import Image

        try:
            with photo.image.open("rb") as handle, Image.open(handle) as image:
                image.verify()
                return image.size
        except (OSError, ValueError, SyntaxError):
            return None

    @property
    def missing_text(self) -> str:
        return _("〔照片文件缺失，请重新上传〕")

    @property
    def empty_text(self) -> str:
        if self.accepted_only:
            return _("所选范围内没有已验收的活动照片。")
        return _("所选范围内没有活动照片。")

    # -- Word --------------------------------------------------------------------------------

    def render_docx(self) -> bytes:
        from docx import Document
        from docx.enum.section import WD_ORIENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Mm, Pt

        document = Document()
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(self.PAGE_WIDTH_MM), Mm(self.PAGE_HEIGHT_MM)
        section.top_margin = Mm(self.MARGIN_TOP_MM)
        section.bottom_margin = Mm(self.MARGIN_BOTTOM_MM)
        section.left_margin = section.right_margin = Mm(self.MARGIN_SIDE_MM)
        section.footer_distance = Mm(12)
        _docx_page_number(section.footer.paragraphs[0], self.TEXT_FONT)

        normal = document.styles["Normal"]
        _docx_fonts(normal, self.TEXT_FONT)
        normal.font.size = Pt(12)
        _docx_no_autospace(normal)
        heading_style = document.styles["Heading 1"]  # kept for Word's outline and navigation
        _docx_fonts(heading_style, self.HEADING_FONT)
        heading_style.font.size = Pt(15)
        heading_style.font.bold = False
        core = document.core_properties
        core.title = self.full_title
        core.subject = self.period_label
        core.language = "zh-CN"
        core.author = core.last_modified_by = "Laomo"

        def paragraph(text, *, font, size, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, style=None):
            para = document.add_paragraph(style=style)
            para.alignment = align
            run = para.add_run(text)
            _docx_fonts(run, font)
            run.font.size = Pt(size)
            run.font.bold = bold
            return para

        title = paragraph(self.title, font=self.TITLE_FONT, size=22, bold=True)
        title.paragraph_format.space_after = Pt(6)
        if self.period_label:
            paragraph(f"（{self.period_label}）", font=self.TEXT_FONT, size=14)
        if not self.talks:
            paragraph(self.empty_text, font=self.TEXT_FONT, size=14)
        for number, group in enumerate(self.talks):
            heading = paragraph(
                group.heading,
                font=self.HEADING_FONT,
                size=15,
                align=WD_ALIGN_PARAGRAPH.LEFT,
                style="Heading 1",
            )
            heading_format = heading.paragraph_format
            heading_format.page_break_before = number > 0
            heading_format.keep_with_next = True
            heading_format.space_before = Pt(12 if number == 0 else 0)
            heading_format.space_after = Pt(2 if group.details else 8)
            if group.details:
                details = paragraph(
                    group.details, font=self.TEXT_FONT, size=12, align=WD_ALIGN_PARAGRAPH.LEFT
                )
                details.paragraph_format.keep_with_next = True
                details.paragraph_format.space_after = Pt(8)
            for item in group.photos:
                picture = document.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.paragraph_format.keep_with_next = True  # the caption stays under it
                picture.paragraph_format.space_before = Pt(6)
                picture.paragraph_format.space_after = Pt(2)
                if item.missing:
                    run = picture.add_run(self.missing_text)
                    _docx_fonts(run, self.TEXT_FONT)
                else:
                    with item.photo.image.open("rb") as handle:
                        shape = picture.add_run().add_picture(
                            io.BytesIO(handle.read()),
                            width=Mm(item.width_mm),
                            height=Mm(item.height_mm),
                        )
                    shape._inline.docPr.set("descr", item.photo.caption)  # the alt text
                caption = paragraph(item.photo.caption, font=self.TEXT_FONT, size=12)
                caption.paragraph_format.keep_together = True
                caption.paragraph_format.space_after = Pt(10)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    # -- PDF ---------------------------------------------------------------------------------

    def html(self) -> str:
        return render_to_string(
            self.template_name,
            {
                "sheet": self,
                "talks": self.talks,
                "scheme": PRIVATE_SCHEME,
                "serif": ", ".join(f'"{f}"' for f in self.PDF_SERIF),
                "sans": ", ".join(f'"{f}"' for f in self.PDF_SANS),
                "box_width": self.PHOTO_BOX_MM[0],
                "box_height": self.PHOTO_BOX_MM[1],
            },
        )

    def render_pdf(self) -> bytes:
        first_installed_font(self.PDF_SERIF, "Regular")
        allowed = frozenset(
            item.photo.image.name
            for group in self.talks
            for item in group.photos
            if not item.missing
        )
        storage = ReportPhoto._meta.get_field("image").storage
        return _render_pdf(self.html(), _fetcher(storage, allowed))

    def response(self, kind: str = "docx") -> HttpResponse:
        if kind == "pdf":
            return file_response(self.render_pdf(), self.filename("pdf"), PDF_TYPE)
        return file_response(self.render_docx(), self.filename("docx"), DOCX_TYPE)


def _docx_fonts(target, name: str) -> None:
    """Set a run's or a style's font for Latin and East Asian text alike. Word takes Chinese
    characters from w:eastAsia, which `font.name` alone does not set; theme fonts, which would
    win over the names, are removed."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    target.font.name = name
    properties = target.element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    target.font.color.rgb = RGBColor(0, 0, 0)


# What follows w:autoSpaceDE and w:autoSpaceDN in w:pPr (ECMA-376 §17.3.1.26).
_PPR_AFTER_AUTOSPACE = (
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _docx_no_autospace(style) -> None:
    """Dates read 2025年3月5日, not 2025 年 3 月 5 日: no extra space between Chinese and the
    digits or Latin letters beside them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = style.element.get_or_add_pPr()
    for index, tag in enumerate(("w:autoSpaceDE", "w:autoSpaceDN")):
        element = properties.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            # Word refuses a file whose elements are out of the schema's order.
            properties.insert_element_before(element, *_PPR_AFTER_AUTOSPACE[index:])
        element.set(qn("w:val"), "0")


def _docx_page_number(paragraph, font: str) -> None:
    """— 1 — centred in the footer, the page number as a field Word fills in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text=None):
        r = paragraph.add_run(text)
        _docx_fonts(r, font)
        r.font.size = Pt(14)
        return r

    run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("end", None)):
        r = run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        r._r.append(element)
        if kind == "separate":
            run("1")
    run(" —")


# ---------------------------------------------------------------------------------------------
# 4. A lecturer's calendar


CALENDAR_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def lecturer_calendar(person, talks) -> bytes:
    """`person`'s talks as iCalendar: those they are invited to or confirmed for, among `talks`
    (a queryset the caller restricted, or a list).

    A cancelled talk stays in the file with STATUS:CANCELLED rather than vanishing: a calendar
    that imported or subscribed to an earlier copy then removes or strikes the event, where an
    omitted one would linger there as if it were still on. Invitations the lecturer declined are
    left out. Each event's UID is the talk's (one lecturer, one booking per talk), so re-importing
    updates events instead of duplicating them; SEQUENCE grows with every change.
    """
    from icalendar import Calendar, Event

    bookings = Booking.objects.unrestricted().filter(
        person=person,
        status__in=[BookingStatus.INVITED, BookingStatus.CONFIRMED],
        talk__archived_at__isnull=True,
    )
    if isinstance(talks, QuerySet):
        # Narrowed to the caller's talks, which the caller restricted.
        bookings = bookings.filter(talk__in=talks.values("pk"))
    else:
        bookings = bookings.filter(talk_id__in=[talk.pk for talk in talks])
    bookings = list(
        bookings.select_related("talk__region__parent", "talk__school", "talk__base")
        .prefetch_related(_organiser_prefetch("talk__organisers"))
        .order_by("talk__starts_at", "talk_id")
    )
    _attach_programmes(booking.talk for booking in bookings)

    calendar = Calendar()
    calendar.add("prodid", "-//Laomo//劳模工匠进校园//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("{name}的宣讲日程").format(name=person.name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now().astimezone(UTC)
    for booking in bookings:
        talk = booking.talk
        changed = max(
            filter(None, (talk.updated_at, talk.created_at, booking.responded_at)),
            default=CALENDAR_EPOCH,
        )
        if talk.status == Status.CANCELLED:
            status = "CANCELLED"
        elif booking.status == BookingStatus.CONFIRMED:
            status = "CONFIRMED"
        else:
            status = "TENTATIVE"
        event = Event()
        event.add("uid", f"talk-{talk.pk}@laomo")
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(talk.starts_at))
        event.add("dtend", timezone.localtime(talk.ends_at))
        event.add("summary", talk.title)
        event.add("location", talk.place_name)
        event.add("description", _calendar_description(talk, booking))
        event.add("status", status)
        event.add("last-modified", changed.astimezone(UTC))
        event.add("sequence", max(int((changed - CALENDAR_EPOCH).total_seconds()), 0))
        calendar.add_component(event)
    # The zone's rules from the first talk on: not China's daylight saving of 1986–1991.
    first = min((timezone.localdate(b.talk.starts_at) for b in bookings), default=None)
    calendar.add_missing_timezones(first_date=first or timezone.localdate())
    return calendar.to_ical()


def _calendar_description(talk: Talk, booking: Booking) -> str:
    lines = [
        _("横幅：{text}").format(text=talk.banner_text),
        _("主办单位：{names}").format(
            names="、".join(org.name for org in _unions_first(talk.organisers.all()))
            or _("（未填）")
        ),
        _("举办地点：{place}（{venue}）").format(
            place=talk.place_name, venue=talk.get_venue_display()
        ),
        _("活动形式：{form}").format(form=_form_label(talk)),
        _("您的答复：{answer}").format(answer=booking.get_status_display()),
    ]
    if talk.status == Status.CANCELLED:
        lines.append(_("本场已取消：{reason}").format(reason=talk.cancel_reason or _("未注明")))
    return "\n".join(lines)
