"""The photo pipeline of talk reports (002 四(六)): what an uploaded photo must be, what is kept of
it, and the checks run on it.

An upload is judged by its content, never by its name: only JPEG, PNG and HEIC/HEIF are taken.
Its size and its pixel count are checked before any pixel is decoded, so a "pixel flood" costs
nothing. What is kept is a re-encoded JPEG with no metadata at all (no EXIF, so no GPS position of
a school full of children; no XMP, no ICC profile, no comment), turned the way the camera meant,
no larger than `LAOMO_PHOTO_MAX_SIDE`, plus a thumbnail. What the original said about when it was
taken is read before it is thrown away, so a report's photos can be checked against the talk's date;
a perceptual hash finds the same picture sent again for another talk.
"""

from __future__ import annotations

import io
import math
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import TYPE_CHECKING

import imagehash
import numpy as np
import pillow_heif
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

if TYPE_CHECKING:
    from laomo.outreach.models import ReportPhoto, Talk

pillow_heif.register_heif_opener()

THUMBNAIL_SIDE = 320
MIN_SIDE = 200
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
NEAR_DUPLICATE_DISTANCE = 6

# What Pillow may try on an upload: nothing else gets a parser run on it. A JPEG with a
# multi-picture (MPF) segment, as many phones write, comes back from the JPEG opener as "MPO".
_OPENERS = ["JPEG", "PNG", "HEIF"]
_FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "HEIF": "HEIF"}

_HASH = re.compile(r"[0-9a-f]{16}")
# Markup a browser would act on. A photo carries none, in its metadata or after its end; a file
# that does is a polyglot (a picture that is also a page) and is refused, though re-encoding would
# drop the markup anyway. Only sequences of six bytes or more are looked for, and compressed
# pixels are skipped, so that a genuine photo is not refused because its bytes happen to spell one.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed|html|body)[\s/>]|<svg[\s/][^>]{0,300}?xmlns"
    rb"|<!doctype\s+html|<\?php\s|javascript:",
    re.IGNORECASE,
)
# In a JPEG's entropy-coded data an 0xFF byte is followed by 0x00 (stuffing) or a restart marker;
# anything else is the next marker.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_EXIF_TIME = re.compile(r"\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_EXIF_OFFSET = re.compile(r"\s*([+-])(\d{2}):?(\d{2})")


class PhotoError(ValueError):
    """An upload that cannot be a report photo; `str(exc)` says why in Chinese, naming the file."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """What is kept of an accepted photo, and what was read from it before its metadata went.

    `jpeg`: the re-encoded picture, turned upright, long side at most `LAOMO_PHOTO_MAX_SIDE`,
    without EXIF, XMP, ICC profile or comment. `thumbnail`: a JPEG of long side 320 (or less for a
    smaller photo). `width`, `height`: of `jpeg`. `original_format`: "JPEG", "PNG" or "HEIF".
    `taken_at`: when the camera says it was taken (aware, local time), or None. `phash`: the
    perceptual hash of the upright picture, 16 hex digits.
    """

    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    original_format: str
    taken_at: datetime | None
    phash: str


def process_photo(data: bytes, *, filename: str = "") -> ProcessedPhoto:
    """Check an uploaded photo and re-encode it; raise `PhotoError` for anything that is not a
    JPEG, PNG or HEIC/HEIF photo of sensible size. `filename` is used only in messages."""
    label = _label(filename)
    if not data:
        raise PhotoError(_("{file}是空文件（0 字节），不是照片").format(file=label))
    limit = settings.LAOMO_PHOTO_MAX_BYTES
    if len(data) > limit:
        raise PhotoError(
            _("{file}照片过大（{size}），上限 {limit}").format(
                file=label, size=_megabytes(len(data)), limit=_megabytes(limit)
            )
        )

    try:
        im = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Only the header was read; Pillow already judged the stated size absurd.
        raise PhotoError(_too_many_pixels(label, None)) from exc
    except Exception as exc:  # an opener failing on hostile bytes may raise anything
        raise PhotoError(_not_a_photo(label, data)) from exc

    with im:
        original_format = _FORMAT_NAMES.get(im.format or "")
        if original_format is None:
            raise PhotoError(_not_a_photo(label, data))
        _check_dimensions(im.size, label)
        if _carries_markup(data, original_format):
            raise PhotoError(
                _(
                    "{file}夹带网页代码（HTML 或脚本），不是普通照片，已拒绝："
                    "请上传相机或手机拍摄的原始照片"
                ).format(file=label)
            )
        try:
            picture, taken_at = _decode(im, original_format)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError(_too_many_pixels(label, im.size)) from exc
        except Exception as exc:  # a decoder failing on damaged or hostile data; never a 500
            raise PhotoError(_damaged(label)) from exc

    phash = str(imagehash.phash(picture))
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        jpeg=_encode(picture, JPEG_QUALITY),
        thumbnail=_encode(thumb, THUMBNAIL_QUALITY),
        width=picture.width,
        height=picture.height,
        original_format=original_format,
        taken_at=taken_at,
        phash=phash,
    )


def bands(phash: str) -> tuple[int, int, int, int]:
    """The four 16-bit parts of a 64-bit hash, most significant first (stored as band0..band3)."""
    value = _hash_value(phash)
    return tuple((value >> shift) & 0xFFFF for shift in (48, 32, 16, 0))


def hamming(a: str, b: str) -> int:
    """How many of the 64 bits differ between two hashes."""
    return (_hash_value(a) ^ _hash_value(b)).bit_count()


def find_near_duplicate(phash: str, *, exclude_talk_id: int | None) -> ReportPhoto | None:
    """The photo in another talk's report that is the closest to `phash`, if it lies within
    `NEAR_DUPLICATE_DISTANCE` bits; None otherwise. Photos of `exclude_talk_id` (an earlier,
    returned report of the same talk) are not counted. Ties go to the oldest photo.

    Candidates are the photos sharing at least one of the four 16-bit bands, found by index; the
    distance is then measured exactly. By pigeonhole every hash within 3 bits shares a band, so
    those are always found; one 4 to 6 bits away is found only when its differing bits happen to
    leave a band whole. Reads across all regions: a photo sent by another county counts too.
    """
    from laomo.outreach.models import ReportPhoto

    parts = bands(phash)
    candidates = ReportPhoto.objects.unrestricted().filter(
        Q(band0=parts[0]) | Q(band1=parts[1]) | Q(band2=parts[2]) | Q(band3=parts[3])
    )
    if exclude_talk_id is not None:
        candidates = candidates.exclude(report__talk_id=exclude_talk_id)
    best: tuple[int, int] | None = None
    for pk, other in candidates.order_by("pk").values_list("pk", "phash"):
        if not _HASH.fullmatch(other or ""):
            continue
        distance = hamming(phash, other)
        if distance <= NEAR_DUPLICATE_DISTANCE and (best is None or distance < best[0]):
            best = (distance, pk)
    if best is None:
        return None
    return ReportPhoto.objects.unrestricted().select_related("report__talk").get(pk=best[1])


def capture_date_mismatch(taken_at: datetime | None, talk: Talk) -> bool:
    """Whether the camera's date is not the talk's date (in the city's time zone). False when
    the capture time is unknown. A talk running past midnight accepts every date it touches."""
    if taken_at is None:
        return False
    zone = timezone.get_default_timezone()
    if timezone.is_naive(taken_at):
        taken_at = timezone.make_aware(taken_at, zone)
    day = timezone.localtime(taken_at, zone).date()
    first = timezone.localtime(talk.starts_at, zone).date()
    last = timezone.localtime(talk.ends_at, zone).date()
    return not (first <= day <= max(first, last))


# --- inside the pipeline ------------------------------------------------------------------------


def _pixel_limit() -> int:
    """Ours, or Pillow's bomb limit when that is lower: past it Pillow only warns, and a warning
    must not let a photo through (nor, under "error" warning filters, become a 500)."""
    limit = settings.LAOMO_PHOTO_MAX_PIXELS
    if Image.MAX_IMAGE_PIXELS:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    return limit


def _check_dimensions(size: tuple[int, int], label: str) -> None:
    width, height = size
    if width * height > _pixel_limit():
        raise PhotoError(_too_many_pixels(label, size))
    if min(width, height) < MIN_SIDE:
        raise PhotoError(
            _("{file}照片太小（{width}×{height} 像素），短边至少 {min} 像素").format(
                file=label, width=width, height=height, min=MIN_SIDE
            )
        )


def _decode(im: Image.Image, original_format: str) -> tuple[Image.Image, datetime | None]:
    """Decode, read the capture time, turn upright, drop everything but the pixels."""
    max_side = settings.LAOMO_PHOTO_MAX_SIDE
    if original_format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the result is still large enough.
        ratio = min(1.0, max_side / max(im.size))
        im.draft(None, (math.ceil(im.width * ratio), math.ceil(im.height * ratio)))
    with _whole_files_only():
        im.load()
    try:
        exif = im.getexif()
    except Exception:  # a damaged EXIF block costs the capture time, not the photo
        exif = Image.Exif()
    taken_at = _taken_at(exif)

    upright = ImageOps.exif_transpose(im) if exif.get(ExifTags.Base.Orientation, 1) != 1 else im
    picture = _to_srgb(upright)
    if max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    picture.info.clear()
    return picture, taken_at


def _carries_markup(data: bytes, original_format: str) -> bool:
    return any(
        _MARKUP.search(data, start, end) for start, end in _outside_pixels(data, original_format)
    )


def _outside_pixels(data: bytes, original_format: str):
    """(start, end) spans of `data` that are not compressed pixels: for a PNG every chunk but
    IDAT/fdAT and what follows IEND; for a JPEG every segment, scan headers included, and what
    follows the end of the picture. A HEIF file is searched whole. A span running past the end of
    the file is cut there."""
    size = len(data)
    if original_format == "PNG":
        at = 8
        while at + 8 <= size:
            length = int.from_bytes(data[at : at + 4], "big")
            kind = data[at + 4 : at + 8]
            body = at + 8
            if kind not in (b"IDAT", b"fdAT"):
                yield body, min(body + length, size)
            at = body + length + 4
            if kind == b"IEND":
                break
        if at < size:
            yield at, size
        return
    if original_format == "JPEG":
        at = 2  # after SOI
        while at + 4 <= size:
            if data[at] != 0xFF:
                break  # not a marker where one must be: search the rest whole
            marker = data[at + 1]
            if marker == 0xFF:  # fill byte
                at += 1
                continue
            if marker == 0xD9:  # EOI: what follows (another picture, a video, a page) is searched
                at += 2
                break
            if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers
                at += 2
                continue
            length = int.from_bytes(data[at + 2 : at + 4], "big")
            yield at, min(at + 2 + length, size)
            at += 2 + length
            if marker == 0xDA:  # SOS: entropy-coded data runs to the next marker
                found = _JPEG_MARKER.search(data, at)
                at = found.start() if found else size
        if at < size:
            yield at, size
        return
    yield 0, size


_strict = threading.Lock()


@contextmanager
def _whole_files_only():
    """Decode with Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES` off. WeasyPrint turns
    it on when first imported (for the PDFs), and under it a cut-off upload decodes "fine" with a
    grey lower part. The lock keeps two uploads from restoring each other's value."""
    with _strict:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _to_srgb(im: Image.Image) -> Image.Image:
    """An RGB copy: transparency laid on white, 16-bit grey scaled down, a colour profile (a
    phone's Display P3, a CMYK press profile) converted to sRGB so the colours survive its loss."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        im = Image.fromarray((np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8), "L")
    elif im.mode == "F":
        im = Image.fromarray(np.clip(np.asarray(im), 0, 255).astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                im, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unreadable profile: keep the pixels as they are
    rgb = im.convert("RGB") if im.mode != "RGB" else im.copy()
    rgb.info.clear()
    return rgb


def _encode(im: Image.Image, quality: int) -> bytes:
    # Pillow's JPEG writer falls back to the image's own info for some segments (the comment);
    # the info is emptied and nothing is passed, so only JFIF and the pixels go out.
    im.info.clear()
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal (else DateTime) as an aware local time; its offset tag when present, else
    the camera's wall time taken as the city's."""
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        sub = {}
    pairs = (
        (
            sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTimeOriginal),
            sub.get(ExifTags.Base.OffsetTimeOriginal),
        ),
        (exif.get(ExifTags.Base.DateTime), sub.get(ExifTags.Base.OffsetTime)),
    )
    for stamp, offset in pairs:
        found = _parse_exif_time(stamp, offset)
        if found is not None:
            return found
    return None


def _parse_exif_time(stamp, offset) -> datetime | None:
    stamp, offset = _text(stamp), _text(offset)
    match = _EXIF_TIME.match(stamp)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        naive = datetime(year, month, day, hour, minute, second)  # the camera's wall time
    except ValueError:
        return None
    if not date(1990, 1, 1) <= naive.date() <= date(2100, 12, 31):
        return None
    zone = timezone.get_default_timezone()
    shift = _EXIF_OFFSET.fullmatch(offset.strip()) if offset.strip() else None
    if shift:
        sign, hours, minutes = shift.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= timedelta(hours=14):
            fixed = dt_timezone(delta if sign == "+" else -delta)
            return naive.replace(tzinfo=fixed).astimezone(zone)
    return timezone.make_aware(naive, zone)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="ignore")
    return value.replace("\x00", "") if isinstance(value, str) else ""


def _hash_value(phash: str) -> int:
    if not isinstance(phash, str) or not _HASH.fullmatch(phash):
        raise ValueError(f"not a 64-bit hash of 16 lower-case hex digits: {phash!r}")
    return int(phash, 16)


# --- messages -----------------------------------------------------------------------------------

_MAGIC = [
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP/Office"),
    (b"\xd0\xcf\x11\xe0", "Office"),
]
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1")


def _label(filename: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = name.strip()
    if not name:
        return _("上传的文件")
    if len(name) > 60:
        name = name[:40] + "…" + name[-15:]
    return f"“{name}”"


def _megabytes(size: int) -> str:
    return f"{round(size / (1024 * 1024), 1):g} MB"


def _too_many_pixels(label: str, size: tuple[int, int] | None) -> str:
    limit = f"{_pixel_limit() / 10000:g}"
    if size is None:
        return _("{file}像素过多，上限 {limit} 万像素").format(file=label, limit=limit)
    return _("{file}像素过多（{width}×{height}），上限 {limit} 万像素").format(
        file=label, width=size[0], height=size[1], limit=limit
    )


def _damaged(label: str) -> str:
    return _("{file}已损坏或不完整，无法读取，请重新导出或重新拍摄后上传").format(file=label)


def _not_a_photo(label: str, data: bytes) -> str:
    """Why bytes no opener took are refused: a damaged photo, or some other kind of file (named
    from its first bytes, without parsing it, when it is a common one)."""
    head = data[:64]
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS
    ):
        return _damaged(label)
    kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if head[4:8] == b"ftyp":
        kind = "AVIF" if head[8:12] in (b"avif", b"avis") else _("视频")
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = "WebP"
    elif kind is None:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if text.startswith((b"<svg", b"<?xml")):
            kind = "SVG/XML"
        elif text.startswith(b"<"):
            kind = "HTML"
    if kind:
        return _("{file}不是照片（是 {kind} 文件）：只接受 JPEG、PNG 或 HEIC 格式").format(
            file=label, kind=kind
        )
    return _("{file}不是照片：只接受 JPEG、PNG 或 HEIC 格式").format(file=label)
