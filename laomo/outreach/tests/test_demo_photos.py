"""Demo event photos: real JPEGs the pipeline takes, with the banner's Chinese readable, enough
pupils in the audience, and photos of different talks that do not look alike to the hash."""

from __future__ import annotations

import io
import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageChops

from laomo.outreach import demo_photos
from laomo.outreach.demo_photos import KINDS, MIN_AUDIENCE, audience_layout, draw_photo
from laomo.outreach.photos import NEAR_DUPLICATE_DISTANCE, hamming, process_photo
from laomo.outreach.tests.imagefiles import local

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "demo-photos"
BANNER = (
    "2025年固原市“中国梦·劳动美——奋进新征程建功新时代”劳模工匠进校园宣讲活动（原州区第一小学专场）"
)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_a_photo_the_pipeline_takes(kind):
    taken = local(2025, 3, 5, 10, 20)
    data = draw_photo(kind, banner_text=BANNER, seed=1, taken_at=taken)

    original = Image.open(io.BytesIO(data))
    assert original.format == "JPEG"
    assert original.size == (1600, 1067)
    exif = original.getexif()
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "2025:03:05 10:20:00"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)  # there for the pipeline to strip

    result = process_photo(data, filename=f"{kind}.jpg")

    assert result.original_format == "JPEG"
    assert result.taken_at == taken
    assert (result.width, result.height) == (1600, 1067)
    assert not Image.open(io.BytesIO(result.jpeg)).getexif()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original.save(ARTIFACTS / f"{kind}.png")


def test_without_a_time_there_is_no_exif():
    data = draw_photo("banner", banner_text=BANNER, seed=2)
    assert not Image.open(io.BytesIO(data)).getexif()
    assert process_photo(data).taken_at is None


def test_time_given_in_another_zone_is_written_as_local_time():
    from zoneinfo import ZoneInfo

    taken = local(2025, 3, 5, 7, 30).astimezone(ZoneInfo("UTC"))  # 23:30 on the 4th in UTC
    data = draw_photo("lecturer", banner_text=BANNER, seed=3, taken_at=taken)
    sub = Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.Exif)
    assert sub[ExifTags.Base.DateTimeOriginal] == "2025:03:05 07:30:00"
    assert sub[ExifTags.Base.OffsetTimeOriginal] == "+08:00"
    assert process_photo(data).taken_at == taken


def test_same_seed_same_photo_and_size_is_honoured():
    first = draw_photo("audience", banner_text=BANNER, seed=4, size=(800, 534))
    again = draw_photo("audience", banner_text=BANNER, seed=4, size=(800, 534))
    assert first == again
    assert Image.open(io.BytesIO(first)).size == (800, 534)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        draw_photo("selfie", banner_text=BANNER, seed=1)


def test_banner_is_red_across_the_top_with_its_text():
    im = Image.open(io.BytesIO(draw_photo("lecturer", banner_text=BANNER, seed=5))).convert("RGB")
    pixels = np.asarray(im).astype(int)
    red = (pixels[..., 0] > 110) & (pixels[..., 0] > pixels[..., 1] + 60)
    banner_rows = red[: im.height // 4].mean(axis=1) > 0.6
    assert banner_rows.sum() > im.height * 0.06  # a red strip at least that tall
    blank = draw_photo("lecturer", banner_text="", seed=5)
    difference = ImageChops.difference(im, Image.open(io.BytesIO(blank)).convert("RGB"))
    box = difference.convert("L").point(lambda v: 255 if v > 60 else 0).getbbox()
    assert box is not None  # the text changes the picture …
    assert box[3] < im.height // 4  # … only in the banner at the top
    assert box[2] - box[0] > im.width * 0.7  # and runs across most of it


def test_chinese_renders_with_real_glyphs():
    face = demo_photos.cjk_font_face()
    if face is None:
        if IN_CI:
            pytest.fail("CI=true but no CJK font is installed: the demo banners would show boxes")
        pytest.skip("no CJK font here (fonts-noto-cjk): banners fall back to boxes")
    font = demo_photos._font(48)
    masks = [bytes(font.getmask(char)) for char in "劳模工匠"]
    assert all(any(mask) for mask in masks)  # something drawn …
    assert len(set(masks)) == 4  # … and a different shape for each: no tofu


def test_audience_has_at_least_30_faces():
    for seed in range(40):
        assert len(audience_layout(seed)) >= MIN_AUDIENCE

    seats = audience_layout(6)
    im = Image.open(io.BytesIO(draw_photo("audience", banner_text=BANNER, seed=6))).convert("RGB")
    pixels = np.asarray(im).astype(int)
    faces = 0
    for seat in seats:
        x, y = int(seat.x), int(seat.top + 30 * seat.scale)
        if 0 <= x < im.width and 0 <= y < im.height:
            r, g, b = pixels[y, x]
            faces += r > g > b and r - b > 35 and r > 110
    assert faces >= MIN_AUDIENCE


def test_kinds_differ_and_seeds_do_not_look_alike_to_the_hash():
    hashes = {
        (kind, seed): process_photo(draw_photo(kind, banner_text=BANNER, seed=seed)).phash
        for kind in KINDS
        for seed in range(8)
    }
    for (a, ha), (b, hb) in itertools.combinations(hashes.items(), 2):
        assert hamming(ha, hb) > NEAR_DUPLICATE_DISTANCE, (a, b)


def test_without_a_cjk_font_it_still_draws(monkeypatch):
    monkeypatch.setattr(demo_photos, "cjk_font_face", lambda: None)
    demo_photos._font.cache_clear()
    try:
        data = draw_photo("banner", banner_text=BANNER, seed=7)
    finally:
        demo_photos._font.cache_clear()
    assert process_photo(data).original_format == "JPEG"
