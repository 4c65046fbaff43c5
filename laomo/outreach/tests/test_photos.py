"""The photo pipeline of talk reports: what is taken, what is refused, what is kept of it, and the
checks (capture date, the same picture in another talk's report)."""

from __future__ import annotations

import io
import re
import resource
import struct
import warnings
from datetime import timedelta
from zoneinfo import ZoneInfo

import imagehash
import pytest
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile

from laomo.outreach.choices import Form, Level, Venue
from laomo.outreach.models import ReportPhoto, Talk, TalkReport
from laomo.outreach.photos import (
    NEAR_DUPLICATE_DISTANCE,
    PhotoError,
    ProcessedPhoto,
    bands,
    capture_date_mismatch,
    find_near_duplicate,
    hamming,
    process_photo,
)
from laomo.outreach.tests import imagefiles as files
from laomo.outreach.tests.imagefiles import local

CJK = re.compile(r"[\u4e00-\u9fff]")


def reopen(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def refused(data: bytes, filename: str = "photo.jpg") -> str:
    with pytest.raises(PhotoError) as caught:
        process_photo(data, filename=filename)
    message = str(caught.value)
    assert CJK.search(message)
    return message


# --- what is taken ------------------------------------------------------------------------------


def test_phone_jpeg_comes_out_as_a_clean_jpeg():
    result = process_photo(files.phone_jpeg(), filename="IMG_0001.jpg")

    assert isinstance(result, ProcessedPhoto)
    assert result.original_format == "JPEG"
    out = reopen(result.jpeg)
    assert out.format == "JPEG"
    assert out.mode == "RGB"
    assert (result.width, result.height) == out.size == (1200, 800)
    assert result.taken_at == local(2025, 3, 5, 14, 30)


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(files.phone_jpeg(), id="with-icc"),
        pytest.param(files.phone_jpeg(icc=False), id="without-icc"),
        pytest.param(files.phone_jpeg(icc=False, orientation=8), id="turned"),
    ],
)
def test_no_metadata_survives(original):
    # The test file really carries what must go.
    assert b"Exif" in original
    assert b"GPS" in original
    assert b"WGS-84" in original
    assert files.COMMENT in original
    assert reopen(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = process_photo(original)

    for data in (result.jpeg, result.thumbnail):
        out = reopen(data)
        assert not out.getexif()
        assert "exif" not in out.info
        assert "xmp" not in out.info
        assert "icc_profile" not in out.info
        assert "comment" not in out.info
        for needle in (b"Exif", b"GPS", b"WGS-84", b"xmpmeta", b"ICC_PROFILE", b"secret"):
            assert needle not in data, needle


def test_png_is_taken_and_its_exif_read_and_dropped():
    data = files.png(files.picture(5, (800, 600)), exif=files.exif(original="2025:04:01 09:05:00"))

    result = process_photo(data, filename="scan.png")

    assert result.original_format == "PNG"
    assert result.taken_at == local(2025, 4, 1, 9, 5)
    assert reopen(result.jpeg).format == "JPEG"
    assert b"Exif" not in result.jpeg
    assert not reopen(result.jpeg).getexif()


def test_heic_from_a_phone_is_taken():
    data = files.heic(original="2025:05:20 10:00:00", offset="+08:00")
    assert b"ftypheic" in data[:16]

    result = process_photo(data, filename="IMG_0002.HEIC")

    assert result.original_format == "HEIF"
    assert (result.width, result.height) == (640, 480)
    assert result.taken_at == local(2025, 5, 20, 10)
    assert not reopen(result.jpeg).getexif()
    assert b"Exif" not in result.jpeg


def test_multi_picture_jpeg_from_a_phone_is_a_jpeg():
    first, second = files.picture(17, (640, 480)), files.picture(18, (640, 480))
    data = files.encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    result = process_photo(data, filename="IMG_0003.jpg")

    assert result.original_format == "JPEG"
    assert hamming(result.phash, process_photo(files.jpeg(first)).phash) <= 2


def test_animated_png_keeps_its_first_frame():
    first, second = files.picture(19, (400, 300)), files.picture(20, (400, 300))
    data = files.encode(first, "PNG", save_all=True, append_images=[second])

    result = process_photo(data)

    assert result.original_format == "PNG"
    assert hamming(result.phash, process_photo(files.png(first)).phash) <= 2


def test_transparent_png_is_laid_on_white():
    im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255), (0, 0, 150, 300))

    out = reopen(process_photo(files.png(im)).jpeg)

    assert _close(out.getpixel((250, 150)), (255, 255, 255))
    assert _close(out.getpixel((50, 150)), (255, 0, 0))


def test_grey_and_palette_and_cmyk_come_out_rgb():
    for data in (
        files.png(files.picture(6).convert("L")),
        files.png(files.picture(6).convert("P")),
        files.png(Image.new("I;16", (300, 300), 65535)),
        files.jpeg(files.picture(6).convert("CMYK")),
    ):
        out = reopen(process_photo(data).jpeg)
        assert out.mode == "RGB"
    white16 = reopen(process_photo(files.png(Image.new("I;16", (300, 300), 32768))).jpeg)
    assert _close(white16.getpixel((10, 10)), (128, 128, 128))


def test_no_other_parser_runs_on_an_upload(monkeypatch):
    Image.init()
    tried = []
    for fmt in ("GIF", "WEBP", "BMP", "TIFF", "PSD", "ICO", "EPS", "AVIF"):
        factory, accept = Image.OPEN[fmt]

        def spy(fp, filename=None, *, _fmt=fmt, _factory=factory):
            tried.append(_fmt)
            return _factory(fp, filename)

        monkeypatch.setitem(Image.OPEN, fmt, (spy, accept))

    for kind, data in files.other_kinds().items():
        with pytest.raises(PhotoError):
            process_photo(data, filename=f"{kind}.jpg")

    assert tried == []


def test_judged_by_content_not_by_name():
    assert process_photo(files.png(), filename="photo.gif").original_format == "PNG"
    assert process_photo(files.jpeg(), filename="photo.png").original_format == "JPEG"
    assert process_photo(files.jpeg(), filename="").original_format == "JPEG"


def test_polyglot_png_is_refused():
    data = files.polyglot_png()
    assert b"<script>" in data
    with Image.open(io.BytesIO(data)) as im:  # a PNG Pillow would take, script and all
        assert im.text["Comment"].startswith("<html>")

    message = refused(data, filename="poly.png")

    assert "“poly.png”夹带网页代码" in message


@pytest.mark.parametrize("kind", list(files.polyglots()))
def test_every_polyglot_is_refused(kind):
    data = files.polyglots()[kind]
    with Image.open(io.BytesIO(data)) as im:  # it is a picture Pillow would take
        im.load()

    assert "夹带网页代码" in refused(data, filename=f"{kind}.jpg")


def test_a_phone_photo_with_its_metadata_and_a_video_after_it_is_taken():
    # XMP is XML (<x:xmpmeta …>), and a motion photo has a video after the picture: neither is
    # markup a browser runs.
    assert process_photo(files.jpeg_with_video_trailer()).original_format == "JPEG"
    assert process_photo(files.phone_jpeg()).original_format == "JPEG"


# --- orientation, size, thumbnail --------------------------------------------------------------


def test_orientation_is_applied_then_dropped():
    data = files.jpeg(files.halves((300, 200)), exif=files.exif(orientation=6))

    result = process_photo(data)

    assert (result.width, result.height) == (200, 300)
    out = reopen(result.jpeg)
    assert out.size == (200, 300)
    # Orientation 6: turn 90° clockwise to view, so the left half (red) ends on top.
    assert _close(out.getpixel((100, 50)), (255, 0, 0))
    assert _close(out.getpixel((100, 250)), (0, 0, 255))
    assert ExifTags.Base.Orientation not in out.getexif()


def test_heic_orientation_is_applied():
    data = files.heic(files.halves((300, 200)), orientation=6)

    result = process_photo(data)

    assert (result.width, result.height) == (200, 300)
    out = reopen(result.jpeg)
    assert _close(out.getpixel((100, 50)), (255, 0, 0), tolerance=60)
    assert _close(out.getpixel((100, 250)), (0, 0, 255), tolerance=60)


def test_phash_is_of_the_upright_picture():
    base = files.picture(7, (600, 400))
    tagged = process_photo(files.jpeg(base, exif=files.exif(orientation=6)))
    turned = process_photo(files.jpeg(base.transpose(Image.Transpose.ROTATE_270)))
    unturned = process_photo(files.jpeg(base))

    assert re.fullmatch(r"[0-9a-f]{16}", tagged.phash)
    assert hamming(tagged.phash, turned.phash) <= 2
    assert hamming(tagged.phash, unturned.phash) > NEAR_DUPLICATE_DISTANCE
    assert hamming(tagged.phash, str(imagehash.phash(reopen(tagged.jpeg)))) <= 2


def test_long_side_is_capped(settings):
    settings.LAOMO_PHOTO_MAX_SIDE = 800

    result = process_photo(files.jpeg(files.picture(8, (1200, 900))))

    assert (result.width, result.height) == (800, 600)
    assert reopen(result.jpeg).size == (800, 600)


def test_large_jpeg_is_decoded_at_reduced_scale_and_still_capped(settings):
    settings.LAOMO_PHOTO_MAX_SIDE = 500

    result = process_photo(files.jpeg(files.picture(8, (2400, 1600))))

    assert (result.width, result.height) == (500, 333)


def test_default_cap_is_2560():
    result = process_photo(files.jpeg(files.picture(9, (3000, 2000)), quality=70))

    assert (result.width, result.height) == (2560, 1707)


def test_thumbnail_long_side_320():
    result = process_photo(files.jpeg(files.picture(10, (1200, 800))))
    assert reopen(result.thumbnail).size == (320, 213)

    upright = process_photo(files.jpeg(files.picture(10, (600, 900))))
    assert reopen(upright.thumbnail).size == (213, 320)

    small = process_photo(files.jpeg(files.picture(10, (300, 200))))
    assert reopen(small.thumbnail).size == (300, 200)


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(files.other_kinds()))
def test_other_kinds_are_refused(kind):
    message = refused(files.other_kinds()[kind], filename="活动照片.jpg")

    assert "“活动照片.jpg”" in message
    if kind in ("truncated-jpeg", "jpeg-header-only", "truncated-heic", "png-signature-html"):
        assert "损坏" in message
    else:
        assert "不是照片" in message
        assert "JPEG、PNG 或 HEIC" in message


@pytest.mark.parametrize(
    ("kind", "named"), [("gif", "GIF"), ("webp", "WebP"), ("pdf", "PDF"), ("html", "HTML")]
)
def test_the_message_says_what_the_file_is(kind, named):
    assert named in refused(files.other_kinds()[kind])


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(files.truncated_jpeg, id="jpeg"),
        pytest.param(lambda: files.png(files.picture(2))[:-4000], id="png"),
        pytest.param(lambda: files.heic(files.picture(2, (640, 480)))[:-100], id="heic"),
    ],
)
def test_cut_off_files_are_refused_even_when_pillow_is_told_to_allow_them(monkeypatch, make):
    # WeasyPrint sets this for the whole process when the PDFs import it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    assert "损坏" in refused(make())
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # and it is left as it was found


def test_empty_file_is_refused():
    assert "0 字节" in refused(b"", filename="空.jpg")


def test_message_without_a_file_name():
    with pytest.raises(PhotoError, match="上传的文件不是照片"):
        process_photo(b"hello")


def test_file_name_in_message_is_tidied():
    message = refused(b"hello", filename="C:\\Users\\x\\Desktop\\pic\x07.jpg")
    assert "“pic.jpg”" in message
    assert "Users" not in message


def test_too_large_file_is_refused(settings):
    data = files.jpeg(files.picture(11, (1200, 800)))
    settings.LAOMO_PHOTO_MAX_BYTES = len(data) - 1

    message = refused(data, filename="big.jpg")

    assert "“big.jpg”照片过大" in message
    assert "上限" in message

    settings.LAOMO_PHOTO_MAX_BYTES = len(data)
    assert process_photo(data).width == 1200


def test_default_size_limit_is_20_mb():
    message = refused(b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024 + 1))
    assert "上限 20 MB" in message


@pytest.mark.parametrize(
    "make",
    [
        lambda: files.pixel_flood_png(30000, 30000),  # beyond Pillow's own bomb limit
        lambda: files.pixel_flood_png(8000, 8000),  # 6400 万: beyond ours, within Pillow's
        lambda: files.jpeg_claiming(30000, 30000),
        lambda: files.jpeg_claiming(65000, 800),
    ],
)
def test_pixel_flood_is_refused_without_decoding(make, monkeypatch):
    """Refused from the header alone: decoding is never started (how fast: bench/hostile.py)."""
    data = make()
    assert len(data) < 4096
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def never(self, *args, **kwargs):
        raise AssertionError("a pixel flood must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    message = refused(data, filename="flood.png")

    assert "像素过多" in message
    assert "5000 万像素" in message
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 200 * 1024  # decoding 30000×30000 would take gigabytes


def test_pixel_limit_comes_from_settings(settings):
    data = files.jpeg(files.picture(12, (1000, 800)))
    settings.LAOMO_PHOTO_MAX_PIXELS = 1000 * 800 - 1
    assert "像素过多（1000×800）" in refused(data)

    settings.LAOMO_PHOTO_MAX_PIXELS = 1000 * 800
    assert process_photo(data).width == 1000


def test_too_small_is_refused():
    message = refused(files.jpeg(files.picture(13, (300, 199))), filename="tiny.jpg")
    assert "“tiny.jpg”照片太小（300×199 像素）" in message
    assert "短边至少 200 像素" in message

    assert process_photo(files.jpeg(files.picture(13, (200, 200)))).width == 200


def test_decompression_bomb_warning_becomes_photo_error(settings, monkeypatch):
    # Between Pillow's limit and twice it Pillow only warns; the photo must still be refused.
    settings.LAOMO_PHOTO_MAX_PIXELS = 10**9
    data = files.jpeg(files.picture(14, (1000, 800)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000 * 700)
    with pytest.warns(Image.DecompressionBombWarning):
        message = refused(data)
    assert "像素过多（1000×800）" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        message = refused(data)
    assert "像素过多" in message
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)  # Pillow's error, at open
    assert "像素过多" in refused(data)


_SMALL_JPEG = files.jpeg(files.picture(15, (240, 220)), exif=files.exif(orientation=3))
_SMALL_PNG = files.png(files.picture(15, (240, 220)))
_SMALL_HEIC = files.heic(files.picture(15, (240, 220)))


@pytest.mark.parametrize(
    "error", [OSError("broken"), SyntaxError("broken"), ValueError("x"), struct.error("x")]
)
def test_any_decoder_failure_becomes_photo_error(monkeypatch, error):
    def fail(self):
        raise error

    monkeypatch.setattr(ImageFile.ImageFile, "load", fail)
    assert "损坏" in refused(files.jpeg())


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on the damaged EXIF
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_files_never_escape_as_another_error(data):
    source = data.draw(st.sampled_from([_SMALL_JPEG, _SMALL_PNG, _SMALL_HEIC]), label="source")
    damaged = bytearray(source)
    for _ in range(data.draw(st.integers(1, 8), label="changes")):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)), label="length")
    try:
        result = process_photo(bytes(damaged[:cut]), filename="x.jpg")
    except PhotoError:
        return
    assert reopen(result.jpeg).format == "JPEG"


# --- capture time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"original": "2025:03:05 14:30:00"}, local(2025, 3, 5, 14, 30)),
        ({"original": "2025:03:05 06:30:00", "offset": "+00:00"}, local(2025, 3, 5, 14, 30)),
        ({"original": "2025:03:05 23:30:00", "offset": "-05:00"}, local(2025, 3, 6, 12, 30)),
        ({"original": "2025:03:05 14:30:00", "offset": "+08:00"}, local(2025, 3, 5, 14, 30)),
        ({"original": "2025:03:05 14:30:00", "offset": "garbage"}, local(2025, 3, 5, 14, 30)),
        ({"original": None, "plain": "2024:12:31 08:00:00"}, local(2024, 12, 31, 8)),
        (
            {"original": "2025:03:05 14:30:00", "plain": "2026:01:01 00:00:00"},
            local(2025, 3, 5, 14, 30),
        ),
        ({"original": "0000:00:00 00:00:00"}, None),
        ({"original": "2025:13:45 99:00:00"}, None),
        ({"original": "    :  :     :  :  "}, None),
        ({"original": None}, None),
    ],
)
def test_capture_time(tags, expected):
    taken_at = process_photo(files.jpeg(files.picture(16), exif=files.exif(**tags))).taken_at

    assert taken_at == expected
    if taken_at is not None:
        assert taken_at.utcoffset() == timedelta(hours=8)
        assert str(taken_at.tzinfo) == "Asia/Shanghai"


def test_no_exif_no_capture_time():
    assert process_photo(files.jpeg()).taken_at is None
    assert process_photo(files.png()).taken_at is None


def _talk(starts, ends):
    return Talk(title="宣讲", starts_at=starts, ends_at=ends)


@pytest.mark.parametrize(
    ("taken", "mismatch"),
    [
        (None, False),
        (local(2025, 3, 5, 8, 0), False),
        (local(2025, 3, 5, 0, 0), False),
        (local(2025, 3, 5, 23, 59, 59), False),
        (local(2025, 3, 4, 23, 59, 59), True),
        (local(2025, 3, 6, 0, 0), True),
        (local(2024, 3, 5, 10, 0), True),
        # 2025-03-05 01:00 in Shanghai is still the 4th in UTC: the local date counts.
        (local(2025, 3, 5, 1, 0).astimezone(ZoneInfo("UTC")), False),
        (local(2025, 3, 5, 10, 0).replace(tzinfo=None), False),
    ],
)
def test_capture_date_against_the_talk(taken, mismatch):
    talk = _talk(local(2025, 3, 5, 9), local(2025, 3, 5, 11))
    assert capture_date_mismatch(taken, talk) is mismatch


def test_talk_across_midnight_accepts_both_dates():
    talk = _talk(local(2025, 6, 1, 22), local(2025, 6, 2, 1))

    assert not capture_date_mismatch(local(2025, 6, 1, 21, 50), talk)
    assert not capture_date_mismatch(local(2025, 6, 2, 0, 30), talk)
    assert capture_date_mismatch(local(2025, 5, 31, 23), talk)
    assert capture_date_mismatch(local(2025, 6, 3, 0, 10), talk)


def test_talk_dates_are_read_in_the_city_zone():
    # 23:00 UTC on the 4th is 07:00 on the 5th in Shanghai.
    utc = ZoneInfo("UTC")
    talk = _talk(local(2025, 3, 5, 7).astimezone(utc), local(2025, 3, 5, 9).astimezone(utc))
    assert not capture_date_mismatch(local(2025, 3, 5, 8), talk)
    assert capture_date_mismatch(local(2025, 3, 4, 8), talk)


# --- hashes -------------------------------------------------------------------------------------

hashes = st.integers(0, 2**64 - 1).map(lambda n: f"{n:016x}")


@given(hashes, hashes, hashes)
def test_hamming_is_a_distance(a, b, c):
    assert hamming(a, a) == 0
    assert hamming(a, b) == hamming(b, a)
    assert 0 <= hamming(a, b) <= 64
    assert (hamming(a, b) == 0) == (a == b)
    assert hamming(a, c) <= hamming(a, b) + hamming(b, c)
    assert hamming(a, b) == bin(int(a, 16) ^ int(b, 16)).count("1")


@given(hashes)
def test_bands_reassemble_the_hash(h):
    parts = bands(h)
    assert len(parts) == 4
    assert all(0 <= part <= 0xFFFF for part in parts)
    assert "".join(f"{part:04x}" for part in parts) == h


@given(hashes, st.sets(st.integers(0, 63), max_size=3))
def test_within_three_bits_a_band_is_shared(h, flips):
    other = f"{int(h, 16) ^ sum(1 << bit for bit in flips):016x}"
    assert hamming(h, other) == len(flips)
    assert any(x == y for x, y in zip(bands(h), bands(other), strict=True))


@pytest.mark.parametrize("bad", ["", "abc", "0123456789abcdeg", "0123456789ABCDEF0", None])
def test_malformed_hash_is_refused(bad):
    with pytest.raises(ValueError, match="hash"):
        bands(bad)
    with pytest.raises(ValueError, match="hash"):
        hamming("0" * 16, bad)


# --- near duplicates in the database ------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    with files.private_media_at(tmp_path):
        yield tmp_path


def make_talk(world, title, day=5):
    return Talk.objects.create(
        title=title,
        level=Level.COUNTY,
        organiser_region=world.a.region,
        region=world.a.region,
        school=world.a.school,
        starts_at=local(2025, 3, day, 9),
        ends_at=local(2025, 3, day, 11),
        venue=Venue.HALL,
        form=Form.FIRST_LESSON,
    )


def add_photo(talk, processed: ProcessedPhoto | None = None, *, phash: str | None = None):
    report = talk.reports.order_by("-number").first() or TalkReport.objects.create(
        talk=talk, account="活动顺利"
    )
    processed = processed or process_photo(files.jpeg(files.picture(99, (300, 200))))
    phash = phash or processed.phash
    photo = ReportPhoto(
        report=report,
        width=processed.width,
        height=processed.height,
        original_format=processed.original_format,
        caption="2025年3月5日 原州区总工会 宣讲",
        phash=phash,
        **dict(zip(("band0", "band1", "band2", "band3"), bands(phash), strict=True)),
    )
    photo.image.save("x.jpg", ContentFile(processed.jpeg), save=False)
    photo.thumbnail.save("x.jpg", ContentFile(processed.thumbnail), save=False)
    photo.save()
    return photo


def test_private_media_is_put_back(tmp_path):
    from laomo.outreach.models import private_storage

    before = private_storage.location
    with files.private_media_at(tmp_path):
        assert private_storage.location == str(tmp_path)
    assert private_storage.location == before


def test_photos_are_stored_in_the_private_folder(world, private_media):
    photo = add_photo(make_talk(world, "第一场"))

    assert photo.image.path.startswith(str(private_media))
    assert (private_media / photo.image.name).read_bytes()[:3] == b"\xff\xd8\xff"


def test_same_photo_in_another_talk_is_found(world, private_media):
    first, second = make_talk(world, "第一场", 5), make_talk(world, "第二场", 12)
    original = files.picture(21, (1600, 1067))
    sent = add_photo(first, process_photo(files.jpeg(original, quality=92)))
    again = process_photo(
        files.jpeg(original.resize((900, 600), Image.Resampling.BILINEAR), quality=55)
    )

    found = find_near_duplicate(again.phash, exclude_talk_id=second.pk)

    assert found == sent
    assert found.report.talk == first


def test_a_different_photo_is_not_a_duplicate(world, private_media):
    first, second = make_talk(world, "第一场", 5), make_talk(world, "第二场", 12)
    for seed in (31, 32, 33):
        add_photo(first, process_photo(files.jpeg(files.picture(seed))))

    other = process_photo(files.jpeg(files.picture(34)))

    assert find_near_duplicate(other.phash, exclude_talk_id=second.pk) is None


def test_a_photo_of_the_same_talk_is_ignored(world, private_media):
    talk = make_talk(world, "第一场")
    processed = process_photo(files.jpeg(files.picture(41)))
    add_photo(talk, processed)
    # A returned report's photos sent again with the resubmission are not duplicates.
    TalkReport.objects.create(talk=talk, number=2, account="补充照片")

    assert find_near_duplicate(processed.phash, exclude_talk_id=talk.pk) is None
    assert find_near_duplicate(processed.phash, exclude_talk_id=None) is not None


def test_closest_wins_and_the_distance_bounds(world, private_media):
    target = "0123456789abcdef"

    def flip(bits):
        return f"{int(target, 16) ^ sum(1 << bit for bit in bits):016x}"

    # All flips in the lowest band, so every candidate shares band0..band2 with the target.
    far = add_photo(make_talk(world, "七位", 1), phash=flip(range(7)))
    assert find_near_duplicate(target, exclude_talk_id=None) is None
    five = add_photo(make_talk(world, "五位", 2), phash=flip(range(5)))
    asking = make_talk(world, "新的", 3)
    assert hamming(target, far.phash) == NEAR_DUPLICATE_DISTANCE + 1

    assert find_near_duplicate(target, exclude_talk_id=asking.pk) == five

    six = add_photo(make_talk(world, "六位", 4), phash=flip(range(6)))
    assert find_near_duplicate(target, exclude_talk_id=five.report.talk_id) == six

    two = add_photo(make_talk(world, "两位", 6), phash=flip([0, 63]))
    assert find_near_duplicate(target, exclude_talk_id=asking.pk) == two


def test_ties_go_to_the_oldest(world, private_media):
    target = "fedcba9876543210"
    older = add_photo(make_talk(world, "先", 1), phash=target)
    add_photo(make_talk(world, "后", 2), phash=target)

    assert find_near_duplicate(target, exclude_talk_id=None) == older


def test_near_duplicate_search_takes_two_queries(world, private_media, django_assert_num_queries):
    for seed in range(5):
        add_photo(make_talk(world, f"第{seed}场", seed + 1), phash=f"{seed:016x}")

    with django_assert_num_queries(2):
        found = find_near_duplicate("0" * 15 + "1", exclude_talk_id=None)
        assert found.report.talk.title  # the talk comes with it
    with django_assert_num_queries(1):
        assert find_near_duplicate("f" * 16, exclude_talk_id=None) is None


def _close(pixel, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))
