"""Image files built in the tests themselves: photos with the metadata phones write, files of every
other kind, and hostile ones (a pixel flood, a polyglot, a truncated JPEG)."""

from __future__ import annotations

import io
import random
import struct
import zlib
from contextlib import contextmanager
from datetime import datetime

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageDraw

pillow_heif.register_heif_opener()

# Guyuan, roughly: a position that must never leave the server.
LATITUDE = (36.0, 0.0, 17.5)
LONGITUDE = (106.0, 14.0, 33.25)
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="36,0.29N" exif:GPSLongitude="106,14.55E"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
COMMENT = b"secret-comment: shot at No.1 Primary School"


def picture(seed: int, size: tuple[int, int] = (1200, 800)) -> Image.Image:
    """A picture with structure (so its perceptual hash means something), different per seed."""
    rng = random.Random(seed)
    im = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    width, height = size
    for _ in range(14):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = x0 + rng.randrange(width // 8, width // 2)
        y1 = y0 + rng.randrange(height // 8, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    return im


def halves(size: tuple[int, int] = (300, 200)) -> Image.Image:
    """Red on the left half, blue on the right: shows which way a picture was turned."""
    im = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(im).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=(255, 0, 0))
    return im


def exif(
    *,
    original: str | None = "2025:03:05 14:30:00",
    offset: str | None = None,
    plain: str | None = None,
    orientation: int | None = None,
    gps: bool = True,
) -> Image.Exif:
    """EXIF as a phone writes it: capture time (DateTimeOriginal, OffsetTimeOriginal, DateTime),
    orientation, and a GPS position."""
    data = Image.Exif()
    data[ExifTags.Base.Make] = "TestPhone"
    if plain is not None:
        data[ExifTags.Base.DateTime] = plain
    if orientation is not None:
        data[ExifTags.Base.Orientation] = orientation
    sub = data.get_ifd(ExifTags.IFD.Exif)
    if original is not None:
        sub[ExifTags.Base.DateTimeOriginal] = original
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps:
        data.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N",
                ExifTags.GPS.GPSLatitude: LATITUDE,
                ExifTags.GPS.GPSLongitudeRef: "E",
                ExifTags.GPS.GPSLongitude: LONGITUDE,
                ExifTags.GPS.GPSMapDatum: "WGS-84",
            }
        )
    return data


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg(im: Image.Image | None = None, *, quality: int = 90, **params) -> bytes:
    return encode(im if im is not None else picture(1), "JPEG", quality=quality, **params)


def phone_jpeg(im: Image.Image | None = None, *, icc: bool = True, **exif_args) -> bytes:
    """A JPEG with EXIF (time, GPS), XMP with a position, a comment and an ICC profile."""
    extra = {"icc_profile": srgb_profile()} if icc else {}
    return jpeg(im, exif=exif(**exif_args), xmp=XMP, comment=COMMENT, **extra)


def png(im: Image.Image | None = None, **params) -> bytes:
    return encode(im if im is not None else picture(1), "PNG", **params)


def heic(im: Image.Image | None = None, **exif_args) -> bytes:
    """A HEIC as an iPhone sends it, with EXIF (time, GPS, orientation when asked)."""
    im = im if im is not None else picture(1, (640, 480))
    return encode(im, "HEIF", exif=exif(**exif_args).tobytes(), quality=80)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_flood_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims width×height grey pixels, with a few bytes of IDAT: small on the
    wire, gigabytes if anything decodes it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is patched to claim another size."""
    data = bytearray(jpeg(Image.new("RGB", (256, 256), "grey"), quality=50))
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def polyglot_png() -> bytes:
    """A valid PNG that is also an HTML page: a script in a text chunk, and after IEND."""
    data = png(picture(3, (400, 300)))
    end = data.rindex(b"IEND") - 4
    script = b"<html><script>alert(document.cookie)</script></html>"
    return data[:end] + chunk(b"tEXt", b"Comment\x00" + script) + data[end:] + script


SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


def polyglots() -> dict[str, bytes]:
    """Valid photos that are also pages: markup in a PNG text chunk, after a PNG's end, in a JPEG
    comment, after a JPEG's end, in a HEIC's trailing bytes, and an SVG document in a PNG chunk."""
    base_png = png(picture(3, (400, 300)))
    end = base_png.rindex(b"IEND") - 4
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    return {
        "png-text-chunk": base_png[:end] + chunk(b"tEXt", b"Comment\x00" + SCRIPT) + base_png[end:],
        "png-after-end": base_png + SCRIPT,
        "png-svg-chunk": base_png[:end]
        + chunk(b"iTXt", b"svg\x00\x00\x00\x00\x00" + svg)
        + base_png[end:],
        "jpeg-comment": jpeg(picture(3, (400, 300)), comment=SCRIPT),
        "jpeg-after-end": jpeg(picture(3, (400, 300))) + SCRIPT,
        "jpeg-javascript-url": jpeg(picture(3, (400, 300)), comment=b"javascript:alert(1)"),
        "heic-after-end": heic(picture(3, (400, 300))) + SCRIPT,
    }


def jpeg_with_video_trailer() -> bytes:
    """A JPEG followed by other bytes, as a phone's "motion photo" carries a short video after the
    picture: taken (the trailer is not markup)."""
    rng = random.Random(5)
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(rng.randrange(256) for _ in range(200_000))
    return phone_jpeg(picture(6, (640, 480))) + video


def html_with_png_signature() -> bytes:
    return b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"


def truncated_jpeg() -> bytes:
    data = jpeg(picture(2))
    return data[: len(data) // 2]


def other_kinds() -> dict[str, bytes]:
    """Files of every other kind, each of them given to the pipeline as "photo.jpg"."""
    im = picture(4, (400, 300))
    return {
        "gif": encode(im, "GIF"),
        "webp": encode(im, "WEBP"),
        "avif": encode(im, "AVIF"),
        "bmp": encode(im, "BMP"),
        "tiff": encode(im, "TIFF"),
        "ico": encode(im, "ICO"),
        "pdf": encode(im, "PDF"),
        "svg": (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" '
            b'height="300"><rect width="400" height="300" fill="red"/></svg>'
        ),
        "svg-bare": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        "html": b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
        "text": "活动照片：请见附件".encode(),
        "zip": b"PK\x03\x04" + b"\x00" * 100,
        "png-signature-html": html_with_png_signature(),
        "truncated-jpeg": truncated_jpeg(),
        "jpeg-header-only": jpeg(picture(2))[:200],
        "truncated-heic": heic(picture(2, (640, 480)))[:-100],
    }


@contextmanager
def private_media_at(path):
    """Point the private photo storage at `path` for the duration. The storage was built when the
    models were imported and caches its location, so a settings override alone does not move it."""
    from laomo.outreach.models import private_storage

    cached = ("base_location", "location")
    saved = private_storage._location
    for name in cached:
        private_storage.__dict__.pop(name, None)
    private_storage._location = str(path)
    try:
        yield private_storage
    finally:
        private_storage._location = saved
        for name in cached:
            private_storage.__dict__.pop(name, None)


def local(year, month, day, hour=0, minute=0, second=0) -> datetime:
    """An aware time in the city's zone."""
    from django.utils import timezone

    naive = datetime(year, month, day, hour, minute, second)
    return timezone.make_aware(naive, timezone.get_default_timezone())
