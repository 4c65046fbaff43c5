"""A realistic synthetic programme at the scale of a city, a province or the whole country.

Regions under a country root (GB/T 2260-shaped codes), a union and an education bureau in every
city and county, practice bases, schools of every stage and ownership, model workers with their
honours, lecture groups and memberships, five years of talks at every level and in every status
with their lecturers, reports, audience counts and photo records (metadata only: no files), and
the accounts that look at it all.

Rows are written as tuples through `laomo.scale.loader`, bypassing `save()`, so every column that
`save()` or a service would derive is computed here:
- `Region.path`, from the codes above it;
- `Talk.starts_on`, the date in Asia/Shanghai of `starts_at` (talks at 07:30 local time fall on
  the previous day in UTC, so this is exercised every day);
- `Person.search_text` and `School.search_text`, as `refresh_search_text()` and `School.save()`
  write them (pinyin keys are computed once per distinct name);
- `ReportPhoto.band0..3`, from its `phash`; `date_mismatch`, from `taken_at` and the talk's day;
- `School.reached_on`, at the end, by `laomo.schools.services.recount_reached()`.

django-simple-history keeps no rows for generated data (its tables are left alone): the history
of a record starts with its first real change. No notifications or audit entries are written.

Everything is drawn from one seeded random generator, relative to `today`: the same seed and the
same day give the same data. Talks run from 1 January four years before `today`'s year to two
months after `today`; those before `today` have happened (held, reported, accepted, returned or
cancelled), those from `today` on are planned or confirmed (or cancelled).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from laomo.accounts.models import User
from laomo.core.roles import Role
from laomo.core.text import pinyin_keys
from laomo.outreach.choices import (
    BookingStatus,
    Form,
    Level,
    OnlinePlatform,
    Place,
    ReportStatus,
    Status,
    Venue,
)
from laomo.outreach.models import Booking, ReportPhoto, Talk, TalkReport
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Organisation, Region
from laomo.scale import names
from laomo.scale.loader import Loader
from laomo.scale.presets import PRESETS, Preset
from laomo.schools.models import School
from laomo.schools.services import recount_reached

LOCAL = ZoneInfo(settings.TIME_ZONE)
COUNTRY = ("100000", "全国")  # not in GB/T 2260; the code 全国 is commonly given
CHUNK = 20_000  # talks generated and written per round

# Time slots of a school day (local time), disjoint: a lecturer in two slots is never in two
# places at once. The first starts before 08:00, i.e. on the previous day in UTC.
SLOTS = [
    ((7, 30), (8, 15)),
    ((8, 40), (10, 0)),
    ((10, 20), (11, 50)),
    ((14, 30), (16, 0)),
    ((16, 20), (17, 30)),
    ((19, 30), (20, 45)),
]
SCHOOL_SLOTS = [0, 1, 1, 2, 2, 3, 3, 4]
MONTH_WEIGHTS = [0.6, 0.25, 1.2, 1.3, 1.5, 1.1, 0.45, 0.3, 1.4, 1.2, 1.1, 0.9]
YEAR_RAMP = [0.55, 0.75, 1.0, 1.15, 1.3, 1.3]

STAGE_WEIGHTS = {
    School.Stage.PRIMARY: 0.52,
    School.Stage.JUNIOR: 0.2,
    School.Stage.NINE_YEAR: 0.1,
    School.Stage.SENIOR: 0.06,
    School.Stage.COMPLETE: 0.04,
    School.Stage.VOCATIONAL: 0.06,
    School.Stage.SPECIAL: 0.02,
}
PRIVATE_SHARE = {
    School.Stage.PRIMARY: 0.08,
    School.Stage.JUNIOR: 0.12,
    School.Stage.NINE_YEAR: 0.2,
    School.Stage.SENIOR: 0.25,
    School.Stage.COMPLETE: 0.1,
    School.Stage.VOCATIONAL: 0.35,
    School.Stage.SPECIAL: 0.02,
}
STAGE_SIZES = {
    School.Stage.PRIMARY: (120, 1800),
    School.Stage.JUNIOR: (300, 1500),
    School.Stage.NINE_YEAR: (300, 2200),
    School.Stage.SENIOR: (900, 3000),
    School.Stage.COMPLETE: (1500, 4000),
    School.Stage.VOCATIONAL: (600, 2500),
    School.Stage.SPECIAL: (60, 200),
}


@dataclass
class RegionRow:
    id: int
    code: str
    name: str
    level: str
    parent: RegionRow | None
    path: str
    short: str = ""
    province: str = ""


@dataclass
class CountyInfo:
    region: RegionRow
    city: CityInfo
    weight: float
    union: int = 0
    education: int = 0
    bases: list[int] = field(default_factory=list)
    schools: list[int] = field(default_factory=list)  # indices into Generator.schools
    school_cum: list[float] = field(default_factory=list)
    pool: list[int] = field(default_factory=list)  # person indices of the county's group
    pool_cum: list[float] = field(default_factory=list)
    account: int | None = None

    @property
    def is_zone(self) -> bool:
        return self.region.level == Region.Level.ZONE


@dataclass
class CityInfo:
    region: RegionRow
    counties: list[CountyInfo] = field(default_factory=list)
    union: int = 0
    education: int = 0
    bases: list[int] = field(default_factory=list)
    pool: list[int] = field(default_factory=list)
    pool_cum: list[float] = field(default_factory=list)
    account: int | None = None


@dataclass
class SchoolRow:
    id: int
    county: CountyInfo
    name: str
    stage: str
    student_count: int


@dataclass
class PersonRow:
    id: int
    name: str
    region_id: int


@dataclass
class Accounts:
    password: str
    national: str
    cities: list[str]
    counties: list[str]


@dataclass
class Summary:
    preset: str
    seed: int
    today: date
    counts: dict[str, int]
    stages: list[tuple[str, float]]
    accounts: Accounts
    elapsed: float
    writes: dict[str, tuple[int, float]]  # table -> (rows, seconds spent writing them)


class ScaleError(RuntimeError):
    """The database cannot take generated data (it holds talks, say)."""


def generate(
    preset: str | Preset,
    *,
    seed: int = 20231012,
    today: date | None = None,
    password: str | None = None,
    force: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> Summary:
    """Fill the default database with the preset's programme; see the module's docstring.

    Refuses when the database already holds talks, unless `force`, which first empties the whole
    database (Django's flush: every table, accounts included)."""
    preset = PRESETS[preset] if isinstance(preset, str) else preset
    if Talk.objects.unrestricted().exists() and not force:
        raise ScaleError("数据库中已有宣讲活动；如确需清空后重新生成，请加 --force")
    generator = Generator(
        preset, seed=seed, today=today or date.today(), password=password, log=log
    )
    return generator.run(force=force)


class Generator:
    def __init__(self, preset: Preset, *, seed: int, today: date, password, log):
        self.preset = preset
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), LOCAL)
        self.password = password or f"Lm-{secrets.token_urlsafe(9)}"
        self.log = log
        self.stages: list[tuple[str, float]] = []
        self.counts: dict[str, int] = {}
        self.cities: list[CityInfo] = []
        self.counties: list[CountyInfo] = []
        self.schools: list[SchoolRow] = []
        self.people: list[PersonRow] = []
        self.regions: list[RegionRow] = []
        self.loader: Loader
        self.pinyin = functools.lru_cache(maxsize=None)(pinyin_keys)
        self.stamp = self.now - timedelta(days=365 * 5)  # created_at of the registry
        self.national_user = ""
        self.city_users: list[str] = []
        self.county_users: list[str] = []

    # Running -----------------------------------------------------------------------------------

    def run(self, *, force: bool) -> Summary:
        started = time.perf_counter()
        # Foreign keys are checked once at the end (loader.finish); SQLite can only switch its
        # row-by-row checks off outside a transaction.
        disabled = connection.disable_constraint_checking()
        try:
            if force:
                self._stage("清空数据库（flush）", self._wipe)
            with transaction.atomic():
                if connection.vendor not in ("sqlite", "postgresql"):
                    raise ScaleError(
                        f"规模数据只能写入 SQLite 或 PostgreSQL，当前数据库为 {connection.vendor}"
                    )
                self.loader = Loader(connection)
                self.loader.begin()
                self.loader.defer_indexes(
                    School,
                    Person,
                    Honour,
                    Membership,
                    Talk,
                    Talk.organisers.through,
                    Booking,
                    TalkReport,
                    ReportPhoto,
                )
                self._stage("行政区划", self._regions)
                self._stage("组织机构", self._organisations)
                self._stage("学校（含拼音检索）", self._schools)
                self._stage("劳模工匠、荣誉、宣讲团（含拼音检索）", self._people)
                self._stage("账号", self._accounts)
                self._stage("宣讲活动、邀请、报送、照片", self._talks)
                self._stage("重建索引、检查外键", self.loader.finish)
                # Statistics before the recount: without them PostgreSQL plans its correlated
                # subquery as a scan of all talks per school (measured: over ten minutes).
                self._stage("统计信息（ANALYZE）", self._analyze)
                self._stage("学校覆盖日期（recount_reached）", self._reached)
                self._stage("学校统计信息（ANALYZE）", lambda: self._analyze(School))
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # Outside any transaction, as VACUUM must be (the command's case; a test's
                # transaction skips it): it marks the freshly written pages all-visible, so that
                # counts read the indexes alone, as they do once autovacuum has passed over a
                # database in use.
                self._stage("整理表（VACUUM）", self._vacuum)
        finally:
            if disabled:
                connection.enable_constraint_checking()
        return Summary(
            preset=self.preset.name,
            seed=self.seed,
            today=self.today,
            counts=self.counts,
            stages=self.stages,
            accounts=Accounts(
                self.password, self.national_user, self.city_users, self.county_users
            ),
            elapsed=time.perf_counter() - started,
            writes={
                table: (rows, self.loader.write_seconds[table])
                for table, rows in self.loader.rows_written.items()
            },
        )

    def _stage(self, label: str, step: Callable[[], None]) -> None:
        started = time.perf_counter()
        step()
        elapsed = time.perf_counter() - started
        self.stages.append((label, elapsed))
        self.log(f"  {label}: {elapsed:.1f} s")

    def _count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # Wiping ------------------------------------------------------------------------------------

    @staticmethod
    def _wipe() -> None:
        """--force: the whole database emptied first (Django's flush), accounts included."""
        call_command("flush", interactive=False, verbosity=0)

    # Regions -----------------------------------------------------------------------------------

    def _regions(self) -> None:
        rng = self.rng
        country = self._region(COUNTRY[0], COUNTRY[1], Region.Level.COUNTRY, None)
        plan: list[tuple[RegionRow, list[tuple[str, str, list[tuple[str, str]]]]]] = []
        provinces = (
            names.PROVINCES if self.preset.scope == "national" else [("64", "宁夏回族自治区")]
        )
        synthetic = _SyntheticNames(rng)
        synthetic_cities = self.preset.cities - len(names.NINGXIA)
        other_provinces = [p for p in provinces if p[0] != "64"]
        city_counts = _spread(
            synthetic_cities - sum(1 for p in other_provinces if p[0] in names.MUNICIPALITIES),
            [p for p in other_provinces if p[0] not in names.MUNICIPALITIES],
            rng,
        )
        synthetic_counties = self.preset.county_units - 23
        for prefix, province_name in provinces:
            province = self._region(f"{prefix}0000", province_name, Region.Level.PROVINCE, country)
            province.province = province_name
            cities: list[tuple[str, str, list[tuple[str, str]]]] = []
            if prefix == "64":
                chosen = names.NINGXIA
                if self.preset.scope == "city":
                    chosen = [city for city in names.NINGXIA if city[0] == "640400"]
                for code, city_name, counties in chosen:
                    units = list(counties)
                    if code in names.NINGXIA_ZONES:
                        units.append(names.NINGXIA_ZONES[code])
                    cities.append((code, city_name, units))
            elif prefix in names.MUNICIPALITIES:
                cities.append((f"{prefix}0100", province_name, []))
            else:
                for number in range(1, city_counts[prefix] + 1):
                    cities.append((f"{prefix}{number:02d}00", synthetic.city(), []))
            plan.append((province, cities))

        if synthetic_counties > 0:
            synthetic_city_codes = [
                code for _p, cities in plan for code, _n, units in cities if not units
            ]
            per_city = _spread_counts(synthetic_counties, len(synthetic_city_codes), rng, low=3)
            sizes = dict(zip(synthetic_city_codes, per_city, strict=True))
        else:
            sizes = {}

        for province, cities in plan:
            for code, city_name, units in cities:
                city = self._region(code, city_name, Region.Level.CITY, province)
                city.province = province.name
                info = CityInfo(city)
                self.cities.append(info)
                if not units:
                    units = synthetic.counties(code, city_name, sizes[code])
                for county_code, county_name in units:
                    level = Region.Level.ZONE if county_code[4] == "7" else Region.Level.COUNTY
                    county = self._region(county_code, county_name, level, city)
                    county.province = province.name
                    weight = rng.lognormvariate(0, 0.45) * (0.12 if level == "zone" else 1.0)
                    county_info = CountyInfo(county, info, weight)
                    info.counties.append(county_info)
                    self.counties.append(county_info)
        first = self.loader.reserve(Region, len(self.regions))
        for offset, region in enumerate(self.regions):
            region.id = first + offset
        self.loader.insert(
            Region,
            ["id", "code", "name", "level", "parent_id", "path", "is_standard"],
            (
                (
                    r.id,
                    r.code,
                    r.name,
                    r.level,
                    r.parent.id if r.parent else None,
                    r.path,
                    r.level != Region.Level.ZONE and r.level != Region.Level.COUNTRY,
                )
                for r in self.regions
            ),
        )
        self._count("regions", len(self.regions))
        self._count("cities", len(self.cities))
        self._count("county_units", len(self.counties))

    def _region(self, code: str, name: str, level: str, parent: RegionRow | None) -> RegionRow:
        path = (parent.path if parent else "/") + f"{code}/"
        region = RegionRow(0, code, name, level, parent, path, short=_short(name))
        self.regions.append(region)
        return region

    # Organisations -----------------------------------------------------------------------------

    def _organisations(self) -> None:
        rows = []
        first = self.loader.reserve(Organisation, 0)
        next_id = itertools.count(first)

        def add(name: str, kind: str, region: RegionRow, address: str = "") -> int:
            pk = next(next_id)
            rows.append((pk, name, kind, region.id, address))
            return pk

        for city in self.cities:
            name = city.region.name
            city.union = add(f"{name}总工会", Organisation.Kind.UNION, city.region)
            city.education = add(f"{name}教育体育局", Organisation.Kind.EDUCATION, city.region)
            city.bases = [
                add(f"{name}工人文化宫", Organisation.Kind.PRACTICE_BASE, city.region),
                add(f"{name}劳模工匠创新工作室", Organisation.Kind.PRACTICE_BASE, city.region),
            ]
            if self.rng.random() < 0.5:
                city.bases.append(
                    add(f"{name}工匠学院", Organisation.Kind.PRACTICE_BASE, city.region)
                )
            for county in city.counties:
                region = county.region
                county.union = add(f"{region.name}总工会", Organisation.Kind.UNION, region)
                if not county.is_zone:
                    county.education = add(
                        f"{region.name}教育体育局", Organisation.Kind.EDUCATION, region
                    )
                if self.rng.random() < 0.35:
                    county.bases.append(
                        add(
                            f"{region.name}职工爱国主义教育基地",
                            Organisation.Kind.PRACTICE_BASE,
                            region,
                        )
                    )
                if self.rng.random() < 0.15:
                    add(f"{region.name}{self.rng.choice('东西南北')}郊产业园", "enterprise", region)
        self.loader.reserve(Organisation, len(rows))
        stamp = self.stamp
        self.loader.insert(
            Organisation,
            [
                "id",
                "name",
                "kind",
                "region_id",
                "address",
                "created_at",
                "updated_at",
                "archived_at",
                "is_demo",
            ],
            ((*row, stamp, stamp, None, True) for row in rows),
        )
        self._count("organisations", len(rows))

    # Schools -----------------------------------------------------------------------------------

    def _schools(self) -> None:
        rng = self.rng
        total_weight = sum(c.weight for c in self.counties)
        stages = list(STAGE_WEIGHTS)
        stage_cum = list(itertools.accumulate(STAGE_WEIGHTS.values()))
        towns = names.place_names(names.PLACE_FIRST, names.TOWN_SECOND)
        first = self.loader.reserve(School, 0)
        pk = itertools.count(first)
        rows = []
        for county in self.counties:
            n = max(3, round(self.preset.schools * county.weight / total_weight))
            namer = _SchoolNamer(county.region, rng.sample(towns, 40), rng)
            for _ in range(n):
                stage = stages[bisect.bisect(stage_cum, rng.random() * stage_cum[-1])]
                private = rng.random() < PRIVATE_SHARE[stage]
                name = namer.name(stage, private)
                low, high = STAGE_SIZES[stage]
                students = rng.randrange(low, high, 10)
                school = SchoolRow(next(pk), county, name, stage, students)
                county.schools.append(len(self.schools))
                self.schools.append(school)
                code = (
                    "" if rng.random() < 0.1 else f"3{county.region.code}{len(county.schools):03d}"
                )
                archived = self.stamp + timedelta(days=900) if rng.random() < 0.004 else None
                address = f"{county.region.province}{county.city.region.name}{county.region.name}"
                rows.append(
                    (
                        school.id,
                        name,
                        code,
                        county.region.id,
                        stage,
                        "private" if private else "public",
                        students,
                        address,
                        None,
                        " ".join([name.lower(), self.pinyin(name), code]).strip(),
                        self.stamp,
                        archived or self.stamp,
                        archived,
                        True,
                    )
                )
            county.school_cum = list(
                itertools.accumulate(
                    math.sqrt(self.schools[index].student_count) for index in county.schools
                )
            )
        self.loader.reserve(School, len(rows))
        self.loader.insert(
            School,
            [
                "id",
                "name",
                "code",
                "region_id",
                "stage",
                "ownership",
                "student_count",
                "address",
                "reached_on",
                "search_text",
                "created_at",
                "updated_at",
                "archived_at",
                "is_demo",
            ],
            rows,
        )
        self._count("schools", len(rows))

    # People, honours, groups -------------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
        preset = self.preset
        n_city = round(preset.lecturers * preset.city_share)
        total_weight = sum(c.weight for c in self.counties)
        homes: list[tuple[RegionRow, CityInfo, CountyInfo | None]] = []
        city_cum = list(itertools.accumulate(len(c.counties) for c in self.cities))
        for _ in range(n_city):
            city = self.cities[bisect.bisect(city_cum, rng.random() * city_cum[-1])]
            homes.append((city.region, city, None))
        county_cum = list(itertools.accumulate(c.weight for c in self.counties))
        for _ in range(preset.lecturers - n_city):
            county = self.counties[bisect.bisect(county_cum, rng.random() * total_weight)]
            homes.append((county.region, county.city, county))

        first = self.loader.reserve(Person, len(homes))
        person_rows, honour_rows = [], []
        city_members: dict[int, list[int]] = {id(c): [] for c in self.cities}
        county_members: dict[int, list[int]] = {id(c): [] for c in self.counties}
        honour_id = itertools.count(self.loader.reserve(Honour, 0))
        for offset, (region, city, county) in enumerate(homes):
            pk = first + offset
            male = rng.random() < 0.65
            name = _person_name(rng, male)
            unit_pattern, posts = rng.choice(names.UNITS)
            unit = unit_pattern.format(county=region.name)
            post = rng.choice(posts)
            topics = "\n".join(rng.sample(names.TOPICS, rng.choice((0, 1, 1, 2))))
            topic_words = " ".join(line.strip() for line in topics.splitlines() if line.strip())
            search = " ".join(
                part for part in (name, self.pinyin(name), unit, post, topic_words) if part
            ).lower()
            roll = rng.random()
            if roll < 0.05:
                phone = f"0{rng.randrange(300, 999)}-{rng.randrange(2000000, 8999999)}"
            elif roll < 0.08:
                phone = ""
            else:
                phone = f"1{rng.choice(_MOBILE_PREFIXES)}{(pk * 7919) % 10**8:08d}"
            ethnicity = rng.choices(
                ["汉族", "回族", "满族", "蒙古族", "壮族", "土家族", ""],
                weights=[80, 12 if region.province == "宁夏回族自治区" else 3, 2, 1, 1, 1, 2],
            )[0]
            active = rng.random() > 0.05
            archived = (
                self.stamp + timedelta(days=rng.randrange(400, 1500))
                if (rng.random() < 0.01)
                else None
            )
            person_rows.append(
                (
                    pk,
                    name,
                    "男" if male else "女",
                    ethnicity,
                    unit,
                    post,
                    phone,
                    region.id,
                    topics,
                    "",
                    active,
                    search,
                    self.stamp,
                    archived or self.stamp,
                    archived,
                    True,
                )
            )
            self.people.append(PersonRow(pk, name, region.id))
            for level, title, year in _honours(rng, region, city, county, self.today.year):
                honour_rows.append((next(honour_id), pk, title, level, year, ""))
            if not active or archived:
                continue
            index = len(self.people) - 1
            if county is None:
                if rng.random() < 0.9:
                    city_members[id(city)].append(index)
            else:
                if rng.random() < 0.88:
                    county_members[id(county)].append(index)
                if rng.random() < 0.08:
                    city_members[id(city)].append(index)

        self.loader.insert(
            Person,
            [
                "id",
                "name",
                "gender",
                "ethnicity",
                "unit",
                "post",
                "phone",
                "region_id",
                "topics",
                "note",
                "active",
                "search_text",
                "created_at",
                "updated_at",
                "archived_at",
                "is_demo",
            ],
            person_rows,
        )
        self.loader.reserve(Honour, len(honour_rows))
        self.loader.insert(
            Honour, ["id", "person_id", "title", "level", "year", "awarded_by"], honour_rows
        )
        self._count("people", len(person_rows))
        self._count("honours", len(honour_rows))
        self._groups(city_members, county_members)

    def _groups(self, city_members, county_members) -> None:
        rng = self.rng
        group_rows, organiser_rows, member_rows = [], [], []
        group_id = itertools.count(self.loader.reserve(LectureGroup, 0))
        first_year = self.today.year - 4

        def group(region: RegionRow, name: str, batch: int, formed: date, organisers, members):
            pk = next(group_id)
            formed_at = datetime.combine(formed, datetime.min.time(), LOCAL)
            group_rows.append((pk, name, region.id, batch, formed, "", formed_at, formed_at, None))
            for organisation in organisers:
                if organisation:
                    organiser_rows.append((pk, organisation))
            for position, index in enumerate(members, start=1):
                member_rows.append((pk, self.people[index].id, position, formed))

        for city in self.cities:
            members = city_members[id(city)]
            rng.shuffle(members)
            formed = date(first_year, 3, 1) + timedelta(days=rng.randrange(200))
            name = f"{city.region.name}“劳模工匠进校园”行动宣讲团"
            organisers = (city.union, city.education)
            if len(members) > 16:  # a second batch a year and a half later
                cut = max(8, len(members) * 2 // 3)
                group(city.region, name, 1, formed, organisers, members[:cut])
                later = formed + timedelta(days=540)
                group(city.region, f"{name}（第二批）", 2, later, organisers, members[cut:])
            else:
                group(city.region, name, 1, formed, organisers, members)
            city.pool, city.pool_cum = _popularity(members, rng)
            for county in city.counties:
                members = county_members[id(county)]
                rng.shuffle(members)
                formed = date(first_year, 4, 1) + timedelta(days=rng.randrange(300))
                group(
                    county.region,
                    f"{county.region.name}“劳模工匠进校园”行动宣讲团",
                    1,
                    formed,
                    (county.union, county.education),
                    members,
                )
                county.pool, county.pool_cum = _popularity(members, rng)

        self.loader.reserve(LectureGroup, len(group_rows))
        self.loader.insert(
            LectureGroup,
            [
                "id",
                "name",
                "region_id",
                "batch",
                "formed_on",
                "description",
                "created_at",
                "updated_at",
                "archived_at",
                "is_demo",
            ],
            ((*row, True) for row in group_rows),
        )
        through = LectureGroup.organisers.through
        first = self.loader.reserve(through, len(organiser_rows))
        self.loader.insert(
            through,
            ["id", "lecturegroup_id", "organisation_id"],
            ((first + i, *row) for i, row in enumerate(organiser_rows)),
        )
        first = self.loader.reserve(Membership, len(member_rows))
        self.loader.insert(
            Membership,
            ["id", "group_id", "person_id", "position", "joined_on"],
            ((first + i, *row) for i, row in enumerate(member_rows)),
        )
        self._count("groups", len(group_rows))
        self._count("memberships", len(member_rows))

    # Accounts ----------------------------------------------------------------------------------

    def _accounts(self) -> None:
        """One city union account per city, county union accounts (every county, or the largest
        of each city for the national preset), and a national account: role city_union with the
        country's region, for the national dashboard. One password, hashed once."""
        encoded = make_password(self.password)
        country = self.regions[0]
        users = [
            User(
                username="national",
                role=Role.CITY_UNION,
                region_id=country.id,
                display_name="全国总工会（汇总查看）",
            )
        ]
        for city in self.cities:
            users.append(
                User(
                    username=f"city-{city.region.code}",
                    role=Role.CITY_UNION,
                    region_id=city.region.id,
                    display_name=f"{city.region.name}总工会宣教部",
                )
            )
            counties = city.counties
            if self.preset.county_accounts == "largest":
                counties = [max(counties, key=lambda c: len(c.schools))] if counties else []
            for county in counties:
                users.append(
                    User(
                        username=f"county-{county.region.code}",
                        role=Role.COUNTY_UNION,
                        region_id=county.region.id,
                        display_name=f"{county.region.name}总工会",
                    )
                )
        # Synthetic accounts for measuring, not people's: their password counts as just set.
        for user in users:
            user.password = encoded
            user.password_changed_at = timezone.now()
        # The rules every account must meet, checked on one of each kind (all share them).
        country_region = Region.objects.unrestricted().get(pk=country.id)
        users[0].region = country_region
        users[0].full_clean(exclude=["password"])
        User.objects.bulk_create(users, batch_size=1000)
        saved = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for city in self.cities:
            city.account = saved.get(f"city-{city.region.code}")
            for county in city.counties:
                county.account = saved.get(f"county-{county.region.code}")
        self.national_user = "national"
        self.city_users = [f"city-{c.region.code}" for c in self.cities]
        self.county_users = [
            f"county-{c.region.code}" for c in self.counties if c.account is not None
        ]
        self._count("accounts", len(users))

    # Talks -------------------------------------------------------------------------------------

    def _talks(self) -> None:
        plan = _TalkPlanner(self)
        total = self.preset.talks
        done = 0
        while done < total:
            size = min(CHUNK, total - done)
            batch = plan.batch(size)
            for model, fields, rows in batch.tables():
                self.loader.insert(model, fields, rows)
            done += size
        for key, value in plan.counts.items():
            self._count(key, value)

    # Finishing ---------------------------------------------------------------------------------

    def _reached(self) -> None:
        self.counts["schools_reached"] = recount_reached()

    @staticmethod
    def _analyze(model=None) -> None:
        with connection.cursor() as cursor:
            if model is None:
                cursor.execute("ANALYZE")
            else:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')

    @staticmethod
    def _vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


# Talks ------------------------------------------------------------------------------------------

_FORMS_AT_SCHOOL = [
    (Form.FIRST_LESSON, 0.14),
    (Form.CLASS_MEETING, 0.22),
    (Form.SALUTE, 0.34),
    (Form.CRAFT_LESSON, 0.16),
    (Form.PARENT, 0.07),
    (Form.OTHER, 0.02),
    (Form.VIDEO, 0.05),
]
_VENUE_OF = {
    Form.FIRST_LESSON: [Venue.HALL, Venue.HALL, Venue.CLASSROOM],
    Form.CLASS_MEETING: [Venue.CLASSROOM],
    Form.SALUTE: [Venue.HALL, Venue.HALL, Venue.MEETING_ROOM],
    Form.CRAFT_LESSON: [Venue.HALL, Venue.CLASSROOM, Venue.STUDIO],
    Form.PARENT: [Venue.CLASSROOM],
    Form.OTHER: [Venue.HALL, Venue.MEETING_ROOM],
    Form.VIDEO: [Venue.CLASSROOM, Venue.HALL],
}
_PLATFORMS = [value for value, _label in OnlinePlatform.choices]
_MOBILE_PREFIXES = ["39", "38", "37", "36", "35", "59", "58", "88", "87", "86", "89", "99", "77"]


@dataclass
class _Batch:
    talks: list = field(default_factory=list)
    organisers: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    photos: list = field(default_factory=list)

    def tables(self) -> Iterator[tuple]:
        yield Talk, TALK_FIELDS, self.talks
        yield Talk.organisers.through, ["id", "talk_id", "organisation_id"], self.organisers
        yield Booking, BOOKING_FIELDS, self.bookings
        yield TalkReport, REPORT_FIELDS, self.reports
        yield ReportPhoto, PHOTO_FIELDS, self.photos


TALK_FIELDS = [
    "id",
    "title",
    "level",
    "organiser_region_id",
    "region_id",
    "place",
    "school_id",
    "base_id",
    "online_platform",
    "special_name",
    "starts_at",
    "ends_at",
    "starts_on",
    "venue",
    "form",
    "form_other",
    "expected_audience",
    "cost",
    "status",
    "cancel_reason",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
    "archived_at",
    "is_demo",
]
BOOKING_FIELDS = [
    "id",
    "talk_id",
    "person_id",
    "status",
    "reason",
    "responded_at",
    "responded_by_id",
]
REPORT_FIELDS = [
    "id",
    "talk_id",
    "number",
    "students",
    "teachers",
    "others",
    "account",
    "status",
    "submitted_by_id",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "return_reasons",
]
PHOTO_FIELDS = [
    "id",
    "report_id",
    "image",
    "thumbnail",
    "width",
    "height",
    "original_format",
    "original_name",
    "caption",
    "shows_banner",
    "shows_lecturer",
    "shows_audience",
    "taken_at",
    "date_mismatch",
    "phash",
    "band0",
    "band1",
    "band2",
    "band3",
    "duplicate_of_id",
    "position",
]


class _TalkPlanner:
    """Draws talks one by one: when, where, at which level, by whom, and what became of them."""

    def __init__(self, gen: Generator):
        self.gen = gen
        self.rng = gen.rng
        self.loader = gen.loader
        self.counts: dict[str, int] = {}
        first_year = gen.today.year - 4
        self.window = (date(first_year, 1, 1), gen.today + timedelta(days=60))
        self.days, self.day_cum = self._calendar(first_year)
        weekdays = [d for d in self.days if d.weekday() < 5]
        self.weekdays = weekdays
        self.weekday_cum = list(
            itertools.accumulate(self._day_weight(d, first_year) for d in weekdays)
        )
        self.county_cum = list(
            itertools.accumulate(c.weight * len(c.schools) ** 0.5 for c in gen.counties)
        )
        self.busy: dict[int, set[int]] = {}  # person id -> {day ordinal * 8 + slot}
        self.ids = {
            model: itertools.count(self.loader.reserve(model, 0))
            for model in (Talk, Talk.organisers.through, Booking, TalkReport, ReportPhoto)
        }
        self.recent_photos: list[tuple[int, int, int]] = []  # (photo id, talk id, hash)
        # Talks on 31 December and 1 January at 07:30: the local date and the UTC date differ,
        # and so do the years.
        self.forced: list[date] = []
        for year in range(first_year, gen.today.year + 1):
            for day in (date(year, 12, 31), date(year + 1, 1, 1)):
                if self.window[0] <= day <= self.window[1]:
                    self.forced.extend([day, day])
        self.organiser_names: dict[int, str] = {}
        for city in gen.cities:
            self.organiser_names[city.region.id] = (
                f"{city.region.name}总工会、{city.region.name}教育体育局"
            )
            for county in city.counties:
                names_ = [f"{county.region.name}总工会"]
                if county.education:
                    names_.append(f"{county.region.name}教育体育局")
                self.organiser_names[county.region.id] = "、".join(names_)

    def _day_weight(self, day: date, first_year: int) -> float:
        weight = MONTH_WEIGHTS[day.month - 1] * YEAR_RAMP[min(day.year - first_year, 5)]
        if day.weekday() == 5:
            weight *= 0.15
        elif day.weekday() == 6:
            weight *= 0.05
        return weight

    def _calendar(self, first_year: int):
        days = []
        day = self.window[0]
        while day <= self.window[1]:
            days.append(day)
            day += timedelta(days=1)
        return days, list(itertools.accumulate(self._day_weight(d, first_year) for d in days))

    def _take(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # One batch of talks ------------------------------------------------------------------------

    def batch(self, size: int) -> _Batch:
        out = _Batch()
        for _ in range(size):
            self._talk(out)
        return out

    def _talk(self, out: _Batch) -> None:
        rng = self.rng
        gen = self.gen
        county = gen.counties[bisect.bisect(self.county_cum, rng.random() * self.county_cum[-1])]
        city = county.city
        roll = rng.random()
        level = Level.CITY if roll < 0.2 else Level.COUNTY if roll < 0.7 else Level.SCHOOL
        if not county.schools:
            level = Level.CITY
        place = Place.SCHOOL
        if level != Level.SCHOOL:
            roll = rng.random()
            if roll < 0.07 and (city.bases or county.bases):
                place = Place.BASE
            elif roll < 0.12:
                place = Place.ONLINE
        forced_day = self.forced.pop() if self.forced else None
        if forced_day is not None:
            day, slot = forced_day, 0
        elif place == Place.SCHOOL:
            day = self.weekdays[
                bisect.bisect(self.weekday_cum, rng.random() * self.weekday_cum[-1])
            ]
            slot = rng.choice(SCHOOL_SLOTS)
        else:
            day = self.days[bisect.bisect(self.day_cum, rng.random() * self.day_cum[-1])]
            slot = 5 if place == Place.ONLINE and rng.random() < 0.6 else rng.choice(SCHOOL_SLOTS)

        organiser = city.region if level == Level.CITY else county.region
        school = base = None
        platform = ""
        if place == Place.SCHOOL:
            school = gen.schools[
                county.schools[
                    bisect.bisect(county.school_cum, rng.random() * county.school_cum[-1])
                ]
            ]
            region = county.region
        elif place == Place.BASE:
            # Held where the base is if that is a county, else where the organiser is (as
            # the services place it).
            if level == Level.CITY or not county.bases:
                base, region = rng.choice(city.bases), organiser
            else:
                base, region = rng.choice(county.bases), county.region
        else:
            platform = rng.choice(_PLATFORMS)
            region = organiser

        if place == Place.ONLINE:
            form = Form.VIDEO
            venue = Venue.ONLINE
        elif place == Place.BASE:
            form = Form.ON_SITE
            venue = rng.choice([Venue.STUDIO, Venue.MEETING_ROOM, Venue.HALL])
        else:
            form = _weighted(rng, _FORMS_AT_SCHOOL)
            if school.stage == School.Stage.VOCATIONAL and rng.random() < 0.5:
                form = Form.CRAFT_LESSON
            if form == Form.PARENT and level != Level.SCHOOL:
                form = Form.SALUTE
            venue = rng.choice(_VENUE_OF[form])
        (h1, m1), (h2, m2) = SLOTS[slot]
        starts_at = datetime(day.year, day.month, day.day, h1, m1, tzinfo=LOCAL)
        ends_at = datetime(day.year, day.month, day.day, h2, m2, tzinfo=LOCAL)
        if form == Form.CLASS_MEETING:
            ends_at = starts_at + timedelta(minutes=45)

        # Lecturers: from the groups the organiser may book (002 三(一)、三(二)).
        pools = []
        if level == Level.CITY:
            pools = [(city.pool, city.pool_cum)]
        elif level == Level.COUNTY:
            pools = [(county.pool, county.pool_cum)]
            if rng.random() < 0.15 or not county.pool:
                pools = [(city.pool, city.pool_cum)]
        else:
            pools = [(county.pool, county.pool_cum), (city.pool, city.pool_cum)]
            if not county.pool or rng.random() < 0.3:
                pools.reverse()
        wanted = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.83 else 3
        key = day.toordinal() * 8 + slot
        lecturers: list[int] = []
        for pool, cum in pools:
            if not pool:
                continue
            for _attempt in range(wanted * 4):
                if len(lecturers) == wanted:
                    break
                person = gen.people[pool[bisect.bisect(cum, rng.random() * cum[-1])]].id
                busy = self.busy.setdefault(person, set())
                if person in lecturers or key in busy:
                    continue
                busy.add(key)
                lecturers.append(person)
            if lecturers:
                break
        if not lecturers:
            self._take("talks_skipped_no_lecturer")
            return

        talk_id = next(self.ids[Talk])
        status = self._status(starts_at)
        created = min(starts_at - timedelta(days=rng.randrange(5, 45)), self.gen.now)
        created -= timedelta(minutes=rng.randrange(60, 600))
        account = (
            city.account
            if level == Level.CITY
            else county.account
            if level == Level.COUNTY
            else None
        )
        title = rng.choice(names.TALK_TITLES[form])
        audience = self._expected(form, place, school)
        cost = Decimal(0)
        if level != Level.SCHOOL:
            cost = Decimal(rng.randrange(0, 3000, 100))
        updated = created
        reason = rng.choice(names.CANCEL_REASONS) if status == Status.CANCELLED else ""

        # Bookings: who was asked, who answered what.
        responded = created + timedelta(hours=rng.randrange(2, 72))
        responded = min(responded, max(created, self.gen.now - timedelta(minutes=5)))
        booking_status = {
            Status.PLANNED: None,
            Status.CANCELLED: None,
        }.get(status, BookingStatus.CONFIRMED)
        for position, person in enumerate(lecturers):
            if booking_status is None:  # planned or cancelled: some answered, some not yet
                state = (
                    BookingStatus.CONFIRMED
                    if position and rng.random() < 0.5
                    else (BookingStatus.INVITED)
                )
                if status == Status.CANCELLED and rng.random() < 0.5:
                    state = BookingStatus.CONFIRMED
            else:
                state = booking_status
            out.bookings.append(
                (
                    next(self.ids[Booking]),
                    talk_id,
                    person,
                    state,
                    "",
                    responded if state != BookingStatus.INVITED else None,
                    None,
                )
            )
            self._take(f"bookings_{state}")
        if status not in (Status.PLANNED, Status.CANCELLED) and rng.random() < 0.04:
            # Someone was asked first and declined; the talk went ahead with the others.
            spare = self._spare(pools, key, lecturers)
            if spare is not None:
                out.bookings.append(
                    (
                        next(self.ids[Booking]),
                        talk_id,
                        spare,
                        BookingStatus.DECLINED,
                        rng.choice(names.DECLINE_REASONS),
                        responded,
                        None,
                    )
                )
                self._take("bookings_declined")

        if level != Level.SCHOOL:
            for organisation in (
                (city.union, city.education)
                if level == Level.CITY
                else (county.union, county.education)
            ):
                if organisation:
                    out.organisers.append(
                        (next(self.ids[Talk.organisers.through]), talk_id, organisation)
                    )

        decided_by = city.account
        updated = max(
            updated,
            self._reports(
                out,
                talk_id,
                status,
                starts_at,
                ends_at,
                school,
                audience,
                form,
                title,
                level,
                organiser,
                account,
                decided_by,
                lecturers,
            ),
        )
        if status in (Status.CONFIRMED, Status.HELD):
            updated = max(updated, responded)
        archived = None
        if status in (Status.PLANNED, Status.CANCELLED) and rng.random() < 0.01:
            archived = min(created + timedelta(days=2), self.gen.now)
            updated = max(updated, archived)
        out.talks.append(
            (
                talk_id,
                title,
                level,
                organiser.id,
                region.id,
                place,
                school.id if school else None,
                base,
                platform,
                "",
                starts_at,
                ends_at,
                starts_at.date(),  # starts_at is in local time: its date is the local date
                venue,
                form,
                names.FORM_OTHER if form == Form.OTHER else "",
                audience,
                cost,
                status,
                reason,
                "",
                account if level != Level.SCHOOL else None,
                created,
                updated,
                archived,
                True,
            )
        )
        self._take("talks")
        self._take(f"talks_{status}")
        self._take(f"talks_level_{level}")

    def _spare(self, pools, key, taken) -> int | None:
        for pool, cum in pools:
            if len(pool) > len(taken):
                for _ in range(4):
                    person = self.gen.people[
                        pool[bisect.bisect(cum, self.rng.random() * cum[-1])]
                    ].id
                    busy = self.busy.setdefault(person, set())
                    if person not in taken and key not in busy:
                        busy.add(key)
                        return person
        return None

    def _status(self, starts_at: datetime) -> str:
        rng = self.rng
        roll = rng.random()
        if starts_at >= self.gen.now:
            return (
                Status.CANCELLED
                if roll < 0.06
                else Status.PLANNED
                if roll < 0.5
                else (Status.CONFIRMED)
            )
        age = (self.gen.now - starts_at).days
        if age > 60:
            table = [
                (Status.ACCEPTED, 0.875),
                (Status.CANCELLED, 0.05),
                (Status.RETURNED, 0.015),
                (Status.REPORTED, 0.01),
                (Status.HELD, 0.03),
                (Status.CONFIRMED, 0.02),
            ]
        else:
            table = [
                (Status.ACCEPTED, 0.45),
                (Status.REPORTED, 0.2),
                (Status.HELD, 0.12),
                (Status.CONFIRMED, 0.1),
                (Status.RETURNED, 0.07),
                (Status.CANCELLED, 0.06),
            ]
        return _weighted(rng, table)

    def _expected(self, form: str, place: str, school: SchoolRow | None) -> int:
        rng = self.rng
        if form in (Form.CLASS_MEETING, Form.PARENT):
            return rng.randrange(35, 60)
        if place == Place.ONLINE:
            return rng.randrange(100, 3000, 10)
        if place == Place.BASE:
            return rng.randrange(40, 120)
        students = school.student_count if school else 500
        return max(40, min(students, rng.randrange(120, 900, 10)))

    def _reports(
        self,
        out,
        talk_id,
        status,
        starts_at,
        ends_at,
        school,
        expected,
        form,
        title,
        level,
        organiser,
        account,
        decided_by,
        lecturers,
    ) -> datetime:
        """The talk's report submissions: what was filed, when, and what the city decided."""
        rng = self.rng
        if status == Status.ACCEPTED:
            outcomes = (
                [ReportStatus.RETURNED, ReportStatus.ACCEPTED]
                if rng.random() < 0.06
                else [ReportStatus.ACCEPTED]
            )
        elif status == Status.RETURNED:
            outcomes = [ReportStatus.RETURNED] * (2 if rng.random() < 0.1 else 1)
        elif status == Status.REPORTED:
            outcomes = (
                [ReportStatus.RETURNED, ReportStatus.SUBMITTED]
                if rng.random() < 0.2
                else [ReportStatus.SUBMITTED]
            )
        else:
            return starts_at - timedelta(days=1)
        when = ends_at
        organisers = (
            school.name if level == Level.SCHOOL and school else self.organiser_names[organiser.id]
        )
        caption = f"{starts_at.year}年{starts_at.month}月{starts_at.day}日 {organisers} {title}"[
            :200
        ]
        place = school.name if school else "活动现场"
        for number, outcome in enumerate(outcomes, start=1):
            submitted = self._later(when, 6)
            decided = self._later(submitted, 4) if outcome != ReportStatus.SUBMITTED else None
            students = max(25, round(expected * rng.uniform(0.8, 1.05)))
            teachers = max(2, round(students * rng.uniform(0.03, 0.1)))
            others = rng.randrange(0, 8)
            reasons = rng.choice(names.RETURN_REASONS) if outcome == ReportStatus.RETURNED else ""
            report_id = next(self.ids[TalkReport])
            out.reports.append(
                (
                    report_id,
                    talk_id,
                    number,
                    students,
                    teachers,
                    others,
                    rng.choice(names.ACCOUNTS).format(place=place, lecturers="宣讲员"),
                    outcome,
                    account,
                    submitted,
                    decided_by if decided else None,
                    decided,
                    reasons,
                )
            )
            self._take(f"reports_{outcome}")
            self._photos(out, report_id, talk_id, starts_at, caption, reasons)
            when = decided or submitted
        return when

    def _later(self, moment: datetime, typical_days: float) -> datetime:
        """A moment some hours or days after `moment`, and before `now`."""
        room = self.gen.now - moment
        wait = timedelta(days=self.rng.uniform(0.05, typical_days))
        return moment + min(wait, room * self.rng.uniform(0.05, 0.6))

    def _photos(self, out, report_id, talk_id, starts_at, caption, reasons) -> None:
        rng = self.rng
        low, high = self.gen.preset.photos_per_report
        n = rng.randint(low, high)
        wrong_date = reasons == names.RETURN_REASONS[4]
        copied = reasons == names.RETURN_REASONS[3] and self.recent_photos
        for position in range(n):
            photo_id = next(self.ids[ReportPhoto])
            value = rng.getrandbits(64)
            duplicate = None
            if copied and position == n - 1:
                other_id, other_talk, other_value = rng.choice(self.recent_photos)
                if other_talk != talk_id:
                    value = other_value ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64))
                    duplicate = other_id
            taken = starts_at + timedelta(minutes=rng.randrange(3, 80), seconds=rng.randrange(60))
            mismatch = False
            if wrong_date and position == 0:
                taken = starts_at - timedelta(days=rng.randrange(2, 30))
                mismatch = True
            elif rng.random() < 0.03:
                taken = None  # no capture time (sent through WeChat, which strips it)
            if rng.random() < 0.6:
                original = f"mmexport{int(starts_at.timestamp() * 1000) + rng.randrange(10**7)}.jpg"
            else:
                original = f"IMG_{starts_at:%Y%m%d}_{rng.randrange(80000, 180000):06d}.jpg"
            width, height = rng.choice(((1280, 853), (1280, 960), (960, 1280)))
            phash = f"{value:016x}"
            bucket = f"{rng.getrandbits(8):02x}"
            out.photos.append(
                (
                    photo_id,
                    report_id,
                    f"photos/{bucket}/{rng.getrandbits(128):032x}.jpg",
                    f"thumbs/{bucket}/{rng.getrandbits(128):032x}.jpg",
                    width,
                    height,
                    "JPEG" if rng.random() < 0.9 else "HEIF",
                    original,
                    caption,
                    position == 0 or rng.random() < 0.3,
                    position in (0, 1) or rng.random() < 0.3,
                    position >= 1 or rng.random() < 0.3,
                    taken,
                    mismatch,
                    phash,
                    (value >> 48) & 0xFFFF,
                    (value >> 32) & 0xFFFF,
                    (value >> 16) & 0xFFFF,
                    value & 0xFFFF,
                    duplicate,
                    position,
                )
            )
            if rng.random() < 0.02:
                if len(self.recent_photos) < 500:
                    self.recent_photos.append((photo_id, talk_id, value))
                else:
                    self.recent_photos[rng.randrange(500)] = (photo_id, talk_id, value)
        self._take("photos", n)


# Helpers ----------------------------------------------------------------------------------------


def _weighted(rng: random.Random, table) -> str:
    roll = rng.random() * sum(weight for _value, weight in table)
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]


def _popularity(members: list[int], rng: random.Random) -> tuple[list[int], list[float]]:
    """A group's members with cumulative weights: a few are asked again and again, most now and
    then (a Zipf-like spread, as in any real roster)."""
    order = list(members)
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(order))]
    return order, list(itertools.accumulate(weights))


def _short(name: str) -> str:
    """原州区 → 原州, 固原市 → 固原; two-character names stay whole (泾源县 → 泾源)."""
    for suffix in (
        "回族自治区",
        "壮族自治区",
        "维吾尔自治区",
        "自治区",
        "经济技术开发区",
        "市",
        "县",
        "区",
        "省",
    ):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _spread(total: int, provinces, rng: random.Random) -> dict[str, int]:
    counts = _spread_counts(total, len(provinces), rng, low=6)
    return {prefix: n for (prefix, _name), n in zip(provinces, counts, strict=True)}


def _spread_counts(total: int, buckets: int, rng: random.Random, *, low: int) -> list[int]:
    """`total` split into `buckets` uneven parts of at least `low` each."""
    if buckets == 0:
        return []
    weights = [rng.lognormvariate(0, 0.35) for _ in range(buckets)]
    spare = total - low * buckets
    scale = spare / sum(weights)
    counts = [low + int(w * scale) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % buckets] += 1
    return counts


def _person_name(rng: random.Random, male: bool) -> str:
    surname = (
        rng.choice(names.COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(names.SURNAMES)
    )
    pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.75 else "")
    return surname + given


def _honours(rng, region: RegionRow, city: CityInfo, county: CountyInfo | None, this_year: int):
    """One to three honours of different titles and levels; a city-level person none of a
    county's."""
    province = "自治区" if region.province.endswith("自治区") else region.province
    choices = [
        ("national", names.NATIONAL_HONOURS, 0.06),
        ("regional", names.REGIONAL_HONOURS, 0.28),
        ("city", names.CITY_HONOURS, 0.4),
    ]
    if county is not None:
        choices.append(("county", names.COUNTY_HONOURS, 0.3))
    seen = set()
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        level, titles, _weight = _weighted_entry(rng, choices)
        title = rng.choice(titles).format(
            province=province,
            city=city.region.name,
            county=county.region.name if county else "",
        )
        if title in seen:
            continue
        seen.add(title)
        yield level, title, rng.randrange(1995, this_year)


def _weighted_entry(rng, entries):
    roll = rng.random() * sum(entry[-1] for entry in entries)
    for entry in entries:
        roll -= entry[-1]
        if roll < 0:
            return entry
    return entries[-1]


class _SyntheticNames:
    """Made-up city and county names, none used twice in the country."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        pool = names.place_names(names.PLACE_FIRST, names.PLACE_SECOND)
        rng.shuffle(pool)
        self.pool = iter(pool)

    def city(self) -> str:
        return next(self.pool) + "市"

    def counties(self, city_code: str, city_name: str, n: int) -> list[tuple[str, str]]:
        rng = self.rng
        units = []
        has_zone = n >= 5 and rng.random() < 0.3
        regular = n - 1 if has_zone else n
        districts = max(1, round(regular * rng.uniform(0.2, 0.4)))
        cities = round(regular * 0.12) if regular - districts > 3 else 0
        counties = regular - districts - cities
        prefix = city_code[:4]
        for number in range(1, districts + 1):
            units.append((f"{prefix}{number:02d}", next(self.pool) + "区"))
        for number in range(21, 21 + counties):
            units.append((f"{prefix}{number:02d}", next(self.pool) + "县"))
        for number in range(81, 81 + cities):
            units.append((f"{prefix}{number:02d}", next(self.pool) + "市"))
        if has_zone:
            units.append((f"{prefix}71", f"{_short(city_name)}经济技术开发区"))
        return units


class _SchoolNamer:
    """Plausible school names for one county, none used twice in it."""

    def __init__(self, county: RegionRow, towns: list[str], rng: random.Random):
        self.short = county.short
        self.towns = towns
        self.rng = rng
        self.used: set[str] = set()
        self.ordinal: dict[str, int] = {}

    def _numbered(self, kind: str) -> str | None:
        n = self.ordinal.get(kind, 0) + 1
        self.ordinal[kind] = n
        if n > len(names.ORDINALS):
            return None
        return f"{self.short}第{names.ORDINALS[n - 1]}{kind}"

    def name(self, stage: str, private: bool) -> str:
        rng = self.rng
        for _ in range(30):
            town = rng.choice(self.towns)
            word = rng.choice(names.PRIVATE_WORDS if private else names.SCHOOL_WORDS)
            if private:
                kind = {"vocational": "职业技术学校", "special": "特殊教育学校"}.get(
                    stage, {"primary": "小学", "senior": "高级中学"}.get(stage, "学校")
                )
                candidate = f"{self.short}{word}{kind}"
                if candidate in self.used:
                    candidate = f"{self.short}{town}{word}{kind}"
            elif stage == School.Stage.PRIMARY:
                roll = rng.random()
                if roll < 0.15:
                    candidate = self._numbered("小学") or f"{town}镇中心小学"
                elif roll < 0.35:
                    candidate = f"{town}镇中心小学"
                else:
                    village = rng.choice(names.PLACE_FIRST) + rng.choice(names.TOWN_SECOND)
                    candidate = f"{town}镇{village}小学"
            elif stage == School.Stage.JUNIOR:
                candidate = (
                    self._numbered("中学") if rng.random() < 0.4 else None
                ) or f"{town}镇中学"
            elif stage == School.Stage.NINE_YEAR:
                candidate = f"{town}九年制学校" if rng.random() < 0.7 else f"{self.short}{word}学校"
            elif stage == School.Stage.SENIOR:
                candidate = (
                    (f"{self.short}高级中学" if rng.random() < 0.5 else None)
                    or self._numbered("高级中学")
                    or f"{town}高级中学"
                )
            elif stage == School.Stage.COMPLETE:
                candidate = f"{self.short}{word}中学" if rng.random() < 0.5 else f"{town}中学"
            elif stage == School.Stage.VOCATIONAL:
                candidate = rng.choice(
                    [
                        f"{self.short}职业中学",
                        f"{self.short}职业技术学校",
                        f"{self.short}{town}职业学校",
                    ]
                )
            else:
                candidate = (
                    f"{self.short}特殊教育学校" if rng.random() < 0.7 else f"{town}特殊教育学校"
                )
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        fallback = f"{self.short}第{len(self.used) + 1}学校"
        self.used.add(fallback)
        return fallback
