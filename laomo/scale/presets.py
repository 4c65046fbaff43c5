"""How big each preset is. The figures are targets; the generator reaches them within a few per
cent (schools and talks are drawn per county, so the totals move a little with the seed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    scope: str  # "city" (固原市 alone), "province" (宁夏), "national"
    cities: int
    county_units: int  # counties, districts, county-level cities and development zones
    schools: int
    lecturers: int
    talks: int
    photos_per_report: tuple[int, int]  # inclusive range; the mean sets the photo total
    city_share: float  # of lecturers, those of city-level units (市直单位)
    county_accounts: str  # "all" counties get an account, or the "largest" of each city


PRESETS = {
    "city": Preset(
        name="city",
        label="一个市（固原市）",
        scope="city",
        cities=1,
        county_units=6,
        schools=400,
        lecturers=60,
        talks=420,
        photos_per_report=(3, 6),
        city_share=0.2,
        county_accounts="all",
    ),
    "province": Preset(
        name="province",
        label="一个省（宁夏回族自治区）",
        scope="province",
        cities=5,
        county_units=23,
        schools=3000,
        lecturers=500,
        talks=3500,
        photos_per_report=(3, 6),
        city_share=0.2,
        county_accounts="all",
    ),
    "national": Preset(
        name="national",
        label="全国",
        scope="national",
        cities=330,
        county_units=2850,
        schools=220_000,
        lecturers=100_000,
        talks=500_000,
        photos_per_report=(3, 6),
        city_share=0.2,
        county_accounts="largest",
    ),
}
