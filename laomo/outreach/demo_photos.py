"""Event photos drawn for demo data: the banner, the lecturer and the audience that a talk's report
must show (002 四(六)), as a phone would send them — a JPEG with the capture time and a (made-up)
GPS position in its EXIF, so the demo runs every photo through the same stripping as real ones.

Each picture is a hall seen from some place: the red banner across the top with its prescribed
wording, then, by kind, the whole stage from the back of the hall ("banner"), the model worker at
the lectern ("lecturer"), or the rows of pupils facing the stage ("audience", at least 30 of them).
Colours, layout, framing and lighting follow the seed, so two demo talks do not send look-alike
photos, which the near-duplicate check would flag: of 150 seeds of each kind (about 100 000
pairs), one pair of lecturer photos came within 6 bits; typical pairs are about 30 bits apart.
The same arguments always give the same bytes.
"""

from __future__ import annotations

import glob
import io
import math
import random
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from django.utils import timezone
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageFont

KINDS = ("banner", "lecturer", "audience")
MIN_AUDIENCE = 30

SLOGANS = (
    "弘扬劳模精神 · 劳动精神 · 工匠精神",
    "劳动最光荣 · 劳动最崇高 · 劳动最伟大 · 劳动最美丽",
    "中国梦 · 劳动美",
    "致敬劳模 · 争做新时代好少年",
    "崇尚劳动 · 尊重劳动者",
)
# Search order: a bold sans face reads best on a banner; fc-match "Noto Sans CJK SC" lands here.
FONT_PATTERNS = (
    "/usr/share/fonts/**/NotoSansCJK*-Bold.tt[cf]",
    "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSerifCJK*-Bold.tt[cf]",
    "/usr/share/fonts/**/NotoSerifCJK*.tt[cf]",
    "/usr/share/fonts/**/SourceHanSans*.tt[cf]",
    "/usr/share/fonts/**/wqy-*.tt[cf]",
)
# Around 固原 (36.0°N, 106.2°E): fake, and exactly what the pipeline must throw away.
GPS_CENTRE = (36.0, 106.24)

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Seat:
    """One pupil of the audience: centre x, top of the head, and scale (1 = a front-row head)."""

    x: float
    top: float
    scale: float


def draw_photo(
    kind: str,
    *,
    banner_text: str,
    seed: int,
    taken_at: datetime | None = None,
    size: tuple[int, int] = (1600, 1067),
) -> bytes:
    """A JPEG of an event photo of `kind` ("banner", "lecturer" or "audience") with the banner
    reading `banner_text`; `seed` picks colours and layout. With `taken_at`, the EXIF carries it
    as DateTimeOriginal (local time and offset) and a fake GPS position."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    rng = random.Random(f"{kind}/{seed}")  # noqa: S311 - pictures, not secrets
    width, height = size
    im = Image.new("RGB", size)
    draw = ImageDraw.Draw(im)
    scene = _Scene(draw, rng, width, height)
    scene.room()
    if kind == "banner":
        scene.whole_stage()
    elif kind == "lecturer":
        scene.lecturer_close()
    else:
        scene.audience(audience_layout(seed, size))
    if kind != "audience":
        im = scene.reframe(im)
    scene.banner(banner_text)
    im = scene.photographic(im)

    out = io.BytesIO()
    params = {"quality": 88}
    if taken_at is not None:
        params["exif"] = _exif(taken_at, rng)
    im.save(out, "JPEG", **params)
    return out.getvalue()


def audience_layout(seed: int, size: tuple[int, int] = (1600, 1067)) -> list[Seat]:
    """Where the pupils of an "audience" photo sit: rows from the back (small, high) to the front
    (large, low), each row offset from the one behind; never fewer than 30."""
    rng = random.Random(f"seats/{seed}")  # noqa: S311 - pictures, not secrets
    width, height = size
    rows = rng.randint(4, 6)
    back_top, front_top = height * rng.uniform(0.28, 0.34), height * rng.uniform(0.76, 0.82)
    back_scale, front_scale = rng.uniform(0.42, 0.52), rng.uniform(1.05, 1.25)
    seats: list[Seat] = []
    for row in range(rows):
        t = row / (rows - 1)
        scale = back_scale + (front_scale - back_scale) * t
        top = back_top + (front_top - back_top) * t
        pitch = 92 * scale * width / 1600 * rng.uniform(0.95, 1.12)
        start = rng.uniform(0.1, 0.9) * pitch - pitch
        x = start
        while x < width + pitch:
            if rng.random() > 0.06:  # the odd empty seat
                seats.append(Seat(x + rng.uniform(-6, 6) * scale, top + rng.uniform(-4, 4), scale))
            x += pitch
    return seats if len(seats) >= MIN_AUDIENCE else audience_layout(seed + 7919, size)


# --- drawing ------------------------------------------------------------------------------------


class _Scene:
    def __init__(self, draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int):
        self.draw, self.rng, self.w, self.h = draw, rng, width, height
        self.unit = width / 1600
        self.wall = _jitter(
            rng,
            rng.choice([(236, 226, 204), (214, 222, 230), (225, 214, 196), (190, 200, 186)]),
            14,
        )
        self.floor = _jitter(rng, rng.choice([(150, 104, 64), (120, 84, 56), (168, 128, 86)]), 12)
        self.horizon = height * rng.uniform(0.58, 0.70)
        self.banner_top = height * rng.uniform(0.025, 0.07)
        self.banner_height = height * rng.uniform(0.095, 0.12)
        self.shift = rng.uniform(-0.18, 0.18) * width

    def room(self) -> None:
        d, rng, w, h = self.draw, self.rng, self.w, self.h
        _vertical_gradient(d, (0, 0, w, self.horizon), _shade(self.wall, 1.06), self.wall)
        _vertical_gradient(
            d, (0, self.horizon, w, h), _shade(self.floor, 0.8), _shade(self.floor, 1.1)
        )
        # Windows or curtains on the side walls, where the seed puts them.
        curtain = _jitter(rng, rng.choice([(140, 28, 36), (110, 30, 60), (60, 70, 120)]), 10)
        for _ in range(rng.randint(1, 3)):
            x = rng.uniform(-0.05, 0.95) * w
            top = self.banner_top + self.banner_height + h * rng.uniform(0.03, 0.1)
            if rng.random() < 0.5:
                bright = _jitter(rng, (236, 244, 250), 6)
                d.rectangle((x, top, x + w * 0.09, self.horizon - h * 0.05), fill=bright)
                d.line((x + w * 0.045, top, x + w * 0.045, self.horizon - h * 0.05), fill=self.wall)
            else:
                for i in range(6):
                    stripe = _shade(curtain, 0.85 if i % 2 else 1.0)
                    d.rectangle(
                        (x + i * w * 0.015, top, x + (i + 1) * w * 0.015, self.horizon),
                        fill=stripe,
                    )

    def banner(self, text: str) -> None:
        d, rng, w = self.draw, self.rng, self.w
        top, height = self.banner_top, self.banner_height
        red = _jitter(rng, (196, 22, 28), 12)
        d.rectangle((0, top, w, top + height), fill=red)
        for x in range(0, w, int(rng.uniform(140, 220) * self.unit)):  # folds of the cloth
            d.rectangle((x, top, x + 24 * self.unit, top + height), fill=_shade(red, 0.9))
        d.line((0, top + height, w, top + height), fill=_shade(red, 0.6), width=3)
        ink = rng.choice([(255, 230, 120), (255, 255, 240)])
        font = _fit_font(text, w * 0.95, height * 0.62)
        d.text((w / 2, top + height / 2), text, font=font, fill=ink, anchor="mm")

    def stage(self, *, floor_y: float, backdrop_top: float) -> tuple[float, float]:
        d, rng, w = self.draw, self.rng, self.w
        left = w * rng.uniform(0.04, 0.16) + self.shift
        right = w * rng.uniform(0.84, 0.96) + self.shift
        backdrop = _jitter(rng, rng.choice([(178, 24, 32), (24, 64, 150), (150, 20, 30)]), 12)
        d.rectangle((left, backdrop_top, right, floor_y), fill=backdrop)
        _vertical_gradient(
            d, (left, backdrop_top, right, floor_y), _shade(backdrop, 1.15), backdrop, steps=24
        )
        slogan = rng.choice(SLOGANS)
        font = _fit_font(slogan, (right - left) * 0.8, (floor_y - backdrop_top) * 0.14)
        d.text(
            ((left + right) / 2, backdrop_top + (floor_y - backdrop_top) * 0.25),
            slogan,
            font=font,
            fill=(255, 236, 150),
            anchor="mm",
        )
        edge = _shade(self.floor, 0.7)
        edge_bottom = max(floor_y + w * 0.025, self.horizon)
        d.rectangle((left - w * 0.05, floor_y, right + w * 0.05, edge_bottom), fill=edge)
        return left, right

    def whole_stage(self) -> None:
        """From the back of the hall: the stage, the lecturer small at the lectern, heads."""
        rng, w, h = self.rng, self.w, self.h
        floor_y = self.horizon - h * 0.04
        left, right = self.stage(
            floor_y=floor_y, backdrop_top=self.banner_top + self.banner_height + h * 0.04
        )
        x = rng.uniform(left + (right - left) * 0.2, right - (right - left) * 0.2)
        self.lecturer(x, floor_y, scale=0.5 * self.unit)
        seats = [
            Seat(x0, h * (0.74 + 0.1 * row) + rng.uniform(-5, 5), (0.95 + 0.35 * row) * self.unit)
            for row in range(3)
            for x0 in _row(rng, w, 150 * (1 + 0.35 * row) * self.unit)
        ]
        uniform = self.uniform()
        for seat in seats:
            self.back_of_head(seat, uniform)

    def lecturer_close(self) -> None:
        """The model worker at the lectern, close up, a slide on the screen beside."""
        rng, w, h = self.rng, self.w, self.h
        floor_y = self.horizon + h * 0.12
        self.stage(floor_y=floor_y, backdrop_top=self.banner_top + self.banner_height + h * 0.02)
        x = w * rng.choice([rng.uniform(0.22, 0.42), rng.uniform(0.58, 0.78)])
        if rng.random() < 0.7:
            screen_x = w * rng.uniform(0.74, 0.8) if x < w / 2 else w * rng.uniform(0.03, 0.09)
            self.screen(screen_x, h * rng.uniform(0.38, 0.46), w * 0.17, h * 0.2)
        # The head stays clear of the banner: the figure is 420 units from floor to hair.
        largest = (floor_y - self.banner_top - self.banner_height - h * 0.03) / (420 * self.unit)
        self.lecturer(x, floor_y, scale=min(rng.uniform(1.2, 1.6), largest) * self.unit)
        uniform = self.uniform()
        for x0 in _row(rng, w, 260 * self.unit):
            self.back_of_head(Seat(x0, h * 0.9 + rng.uniform(-8, 8), 1.9 * self.unit), uniform)

    def audience(self, seats: list[Seat]) -> None:
        """Pupils facing the camera, row behind row, a chair back showing behind each."""
        rng = self.rng
        uniform = self.uniform()
        chairs = [(150, 28, 36), (40, 60, 120), (120, 70, 40), (70, 70, 74)]
        # A chair the colour of the uniform would swallow the pupils.
        chair = _jitter(rng, rng.choice([c for c in chairs if _far(c, uniform)] or chairs), 10)
        for seat in seats:  # back rows first: the front rows cover them
            s = seat.scale * self.unit
            self.draw.rounded_rectangle(
                (seat.x - 40 * s, seat.top + 10 * s, seat.x + 40 * s, seat.top + 120 * s),
                radius=10 * s,
                fill=_jitter(rng, chair, 4),
            )
            self.pupil(seat, uniform, hand_up=rng.random() < 0.04)

    # --- people --------------------------------------------------------------------------------

    def uniform(self) -> Colour:
        return _jitter(
            self.rng,
            self.rng.choice([(28, 62, 150), (200, 40, 46), (32, 120, 80), (36, 44, 80)]),
            10,
        )

    def pupil(self, seat: Seat, uniform: Colour, *, hand_up: bool) -> None:
        d, rng = self.draw, self.rng
        s, x, top = seat.scale * self.unit, seat.x, seat.top
        skin = _skin(rng)
        hair = _jitter(rng, (26, 22, 20), 8)
        jacket = _jitter(rng, uniform, 6)
        d.rounded_rectangle(
            (x - 38 * s, top + 50 * s, x + 38 * s, top + 130 * s), radius=18 * s, fill=jacket
        )
        d.polygon(
            [(x - 10 * s, top + 50 * s), (x + 10 * s, top + 50 * s), (x, top + 70 * s)],
            fill=(245, 245, 245),
        )
        d.rectangle((x - 7 * s, top + 38 * s, x + 7 * s, top + 54 * s), fill=_shade(skin, 0.92))
        d.ellipse((x - 19 * s, top, x + 19 * s, top + 46 * s), fill=skin)
        long_hair = rng.random() < 0.45
        d.chord(
            (x - 21 * s, top - 3 * s, x + 21 * s, top + (36 if long_hair else 28) * s),
            180,
            360,
            fill=hair,
        )
        if long_hair:
            d.rectangle((x - 21 * s, top + 14 * s, x - 15 * s, top + 44 * s), fill=hair)
            d.rectangle((x + 15 * s, top + 14 * s, x + 21 * s, top + 44 * s), fill=hair)
        if hand_up:  # over the shoulder, so the whole arm shows
            d.line(
                (x + 30 * s, top + 64 * s, x + 44 * s, top - 30 * s),
                fill=_shade(jacket, 0.9),
                width=max(2, int(14 * s)),
            )
            d.ellipse((x + 35 * s, top - 46 * s, x + 53 * s, top - 26 * s), fill=skin)
        if s > 0.6:
            eye = _shade(hair, 0.8)
            for dx in (-7, 7):
                d.ellipse(
                    (x + (dx - 2) * s, top + 22 * s, x + (dx + 2) * s, top + 26 * s), fill=eye
                )
            d.arc((x - 6 * s, top + 28 * s, x + 6 * s, top + 37 * s), 20, 160, fill=(150, 70, 60))

    def back_of_head(self, seat: Seat, uniform: Colour) -> None:
        d, rng = self.draw, self.rng
        s, x, top = seat.scale, seat.x, seat.top
        d.rounded_rectangle(
            (x - 42 * s, top + 48 * s, x + 42 * s, top + 150 * s),
            radius=20 * s,
            fill=_shade(_jitter(rng, uniform, 6), 0.75),
        )
        d.ellipse((x - 20 * s, top, x + 20 * s, top + 48 * s), fill=_jitter(rng, (24, 20, 18), 8))

    def lecturer(self, x: float, floor_y: float, *, scale: float) -> None:
        """A model worker in a dark suit with the big red flower, behind a lectern."""
        d, rng, s = self.draw, self.rng, scale
        skin = _skin(rng)
        suit = _jitter(rng, rng.choice([(34, 38, 52), (52, 56, 64), (40, 50, 80)]), 6)
        hair = _jitter(rng, rng.choice([(30, 26, 24), (90, 90, 92)]), 6)
        lectern_top = floor_y - 230 * s
        top = lectern_top - 190 * s
        # Body, shirt and tie, then the head.
        d.rounded_rectangle(
            (x - 70 * s, top + 80 * s, x + 70 * s, lectern_top + 40 * s), radius=26 * s, fill=suit
        )
        d.polygon(
            [(x - 20 * s, top + 80 * s), (x + 20 * s, top + 80 * s), (x, top + 130 * s)],
            fill=(246, 246, 246),
        )
        d.polygon(
            [(x - 5 * s, top + 86 * s), (x + 5 * s, top + 86 * s), (x, top + 126 * s)],
            fill=(170, 20, 30),
        )
        d.rectangle((x - 12 * s, top + 62 * s, x + 12 * s, top + 84 * s), fill=_shade(skin, 0.9))
        d.ellipse((x - 32 * s, top, x + 32 * s, top + 78 * s), fill=skin)
        d.chord((x - 34 * s, top - 4 * s, x + 34 * s, top + 44 * s), 180, 360, fill=hair)
        for dx in (-12, 12):
            d.ellipse((x + (dx - 3) * s, top + 36 * s, x + (dx + 3) * s, top + 42 * s), fill=hair)
        d.line((x - 9 * s, top + 60 * s, x + 9 * s, top + 60 * s), fill=(150, 70, 60), width=2)
        # The big red flower of an honoured worker, with its ribbon.
        fx, fy = x + 36 * s, top + 120 * s
        for angle in range(0, 360, 45):
            ox, oy = _polar(angle, 12 * s)
            d.ellipse(
                (fx + ox - 11 * s, fy + oy - 11 * s, fx + ox + 11 * s, fy + oy + 11 * s),
                fill=(220, 24, 36),
            )
        d.ellipse((fx - 8 * s, fy - 8 * s, fx + 8 * s, fy + 8 * s), fill=(250, 200, 60))
        d.polygon(
            [
                (fx - 6 * s, fy + 18 * s),
                (fx + 6 * s, fy + 18 * s),
                (fx + 3 * s, fy + 48 * s),
                (fx - 9 * s, fy + 44 * s),
            ],
            fill=(200, 20, 30),
        )
        # Lectern with its emblem, and the microphone.
        wood = _jitter(rng, rng.choice([(122, 66, 40), (96, 52, 34), (150, 30, 34)]), 8)
        d.polygon(
            [
                (x - 110 * s, lectern_top),
                (x + 110 * s, lectern_top),
                (x + 90 * s, floor_y),
                (x - 90 * s, floor_y),
            ],
            fill=wood,
        )
        d.rectangle(
            (x - 118 * s, lectern_top - 12 * s, x + 118 * s, lectern_top), fill=_shade(wood, 0.8)
        )
        d.ellipse(
            (x - 30 * s, lectern_top + 50 * s, x + 30 * s, lectern_top + 110 * s),
            fill=(232, 190, 70),
        )
        d.line(
            (x + 40 * s, lectern_top - 12 * s, x + 14 * s, top + 84 * s),
            fill=(30, 30, 30),
            width=max(2, int(4 * s)),
        )
        d.ellipse((x + 8 * s, top + 76 * s, x + 20 * s, top + 92 * s), fill=(20, 20, 20))
        for side in (-1, 1):  # hands resting on the lectern
            hx = x + side * 62 * s
            d.ellipse(
                (hx - 13 * s, lectern_top - 22 * s, hx + 13 * s, lectern_top - 2 * s), fill=skin
            )

    def screen(self, x: float, y: float, width: float, height: float) -> None:
        d, rng = self.draw, self.rng
        d.rectangle((x - 6, y - 6, x + width + 6, y + height + 6), fill=(40, 40, 44))
        d.rectangle((x, y, x + width, y + height), fill=(236, 240, 246))
        d.rectangle((x, y, x + width, y + height * 0.2), fill=(190, 30, 36))
        title = rng.choice(("我的劳动故事", "匠心筑梦", "平凡岗位 不凡人生", "技能成才"))
        font = _fit_font(title, width * 0.85, height * 0.14)
        d.text((x + width / 2, y + height * 0.1), title, font=font, fill="white", anchor="mm")
        for i in range(4):
            line_y = y + height * (0.34 + 0.15 * i)
            d.rectangle(
                (
                    x + width * 0.1,
                    line_y,
                    x + width * rng.uniform(0.5, 0.9),
                    line_y + height * 0.05,
                ),
                fill=(150, 156, 170),
            )

    def reframe(self, im: Image.Image) -> Image.Image:
        """Zoom in a little from the top edge, off to one side, as another photographer would
        have framed it. Things only move down, away from the banner drawn over the top."""
        w, h = self.w, self.h
        zoom = self.rng.uniform(1.0, 1.3)
        crop_w, crop_h = w / zoom, h / zoom
        left = self.rng.uniform(0, w - crop_w)
        framed = im.resize((w, h), Image.Resampling.BILINEAR, box=(left, 0, left + crop_w, crop_h))
        self.draw = ImageDraw.Draw(framed)
        return framed

    def photographic(self, im: Image.Image) -> Image.Image:
        """Uneven hall lighting, a little lens softness, sensor noise, darker corners. The
        lighting differs with the seed, which also keeps demo photos apart for the hash."""
        w, h = self.w, self.h
        im = im.filter(ImageFilter.GaussianBlur(0.8 * self.unit))
        grain = np.random.default_rng(self.rng.getrandbits(64)).integers(0, 256, (h, w), np.uint8)
        noise = Image.fromarray(grain, "L").convert("RGB")
        im = Image.blend(im, noise, 0.035)
        light = Image.fromarray(_lighting(self.rng), "L")
        vignette = Image.radial_gradient("L").resize((40, 40)).crop((2, 2, 38, 38))
        vignette = vignette.point(lambda v: 255 - v * 60 // 255)
        mask = ImageChops.multiply(
            light.resize((w, h), Image.Resampling.BICUBIC),
            vignette.resize((w, h), Image.Resampling.BILINEAR),
        )
        return Image.composite(im, Image.new("RGB", (w, h), (20, 16, 12)), mask)


# --- small helpers ------------------------------------------------------------------------------


def _lighting(rng: random.Random, amount: float = 0.016) -> np.ndarray:
    """A 32×32 map of soft light and shade: the first 8×8 cosine patterns, each with a random
    sign — the very patterns a perceptual hash reads, so each seed's photos hash apart."""
    grid = (2 * np.arange(32) + 1) * np.pi / 64
    basis = np.cos(np.outer(np.arange(8), grid))  # basis[u, x]
    signs = np.array([[rng.choice((-1.0, 1.0)) for _ in range(8)] for _ in range(8)])
    signs[0, 0] = 0.0
    field = basis.T @ (signs * amount) @ basis  # field[y, x]
    field -= field.max()
    return np.clip(255 * (1 + field), 160, 255).astype(np.uint8)


def _row(rng: random.Random, width: int, pitch: float) -> list[float]:
    start = rng.uniform(0, pitch)
    return [start + i * pitch + rng.uniform(-8, 8) for i in range(int(width / pitch) + 2)]


def _jitter(rng: random.Random, colour: Colour, amount: int) -> Colour:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)


def _far(a: Colour, b: Colour) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 150


def _shade(colour: Colour, factor: float) -> Colour:
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


def _skin(rng: random.Random) -> Colour:
    return _jitter(rng, rng.choice([(238, 200, 170), (226, 184, 150), (212, 170, 134)]), 8)


def _polar(angle: float, radius: float) -> tuple[float, float]:
    return radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))


def _vertical_gradient(draw, box, top: Colour, bottom: Colour, steps: int = 32) -> None:
    x0, y0, x1, y1 = box
    for i in range(steps):
        t = i / (steps - 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.rectangle(
            (x0, y0 + (y1 - y0) * i / steps, x1, y0 + (y1 - y0) * (i + 1) / steps), fill=colour
        )


@lru_cache(maxsize=1)
def cjk_font_face() -> tuple[str, int] | None:
    """The file and face index of a CJK font with Simplified Chinese glyphs, or None."""
    for pattern in FONT_PATTERNS:
        for path in sorted(glob.glob(pattern, recursive=True)):
            for index in range(12):
                try:
                    family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
                except OSError:
                    break
                if " SC" in family or "Simplified" in family or path.endswith(".ttf"):
                    return path, index
    return None


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    face = cjk_font_face()
    if face is not None:
        return ImageFont.truetype(face[0], size, index=face[1])
    return ImageFont.load_default(size=size)  # no CJK font here: boxes, but a picture still


def _fit_font(text: str, max_width: float, max_height: float):
    size = max(8, int(max_height))
    font = _font(size)
    width = font.getlength(text)
    if width > max_width:
        size = max(8, int(size * max_width / width))
        font = _font(size)
    return font


def _exif(taken_at: datetime, rng: random.Random) -> Image.Exif:
    if timezone.is_aware(taken_at):
        taken_at = timezone.localtime(taken_at, timezone.get_default_timezone())
    offset = taken_at.utcoffset()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Laomo"
    exif[ExifTags.Base.Model] = "Demo Camera"
    exif[ExifTags.Base.DateTime] = f"{taken_at:%Y:%m:%d %H:%M:%S}"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = f"{taken_at:%Y:%m:%d %H:%M:%S}"
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        sub[ExifTags.Base.OffsetTimeOriginal] = (
            f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        )
    lat = GPS_CENTRE[0] + rng.uniform(-0.3, 0.3)
    lon = GPS_CENTRE[1] + rng.uniform(-0.3, 0.3)
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: _dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: _dms(lon),
            ExifTags.GPS.GPSMapDatum: "WGS-84",
        }
    )
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return float(degrees), float(minutes), seconds
