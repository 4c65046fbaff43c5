"""Demo data: 固原市, its counties and development zone, made-up schools, the city lecture group of
seed 002's roster, a small county group for each county, one login per role (and one union login
for every county), and a year and a half of talks (`laomo.outreach.demo`).

Everything made up is marked `is_demo`. Phone numbers are made up. Loading twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from laomo.accounts.models import User
from laomo.core.roles import Role
from laomo.core.text import honour_level_of, split_honours
from laomo.outreach.demo import TalkSummary, seed_talks
from laomo.people.models import Honour, LectureGroup, Membership, Person
from laomo.regions.models import Organisation, Region
from laomo.schools.models import School

DEMO_PASSWORD = "Laomo@2026"  # noqa: S105 - printed for everyone on purpose: demo only

PROVINCE = ("640000", "宁夏回族自治区")
CITY = ("640400", "固原市")
COUNTIES = [
    ("640402", "原州区"),
    ("640422", "西吉县"),
    ("640423", "隆德县"),
    ("640424", "泾源县"),
    ("640425", "彭阳县"),
]
# Development zones are not in GB/T 2260; 统计用区划代码 numbers them x71, x72 … under the city.
ZONE = ("640471", "固原经济技术开发区")

# Seed 002, 附: 固原市"劳模工匠进校园"宣讲团成员花名册 — names, units and honours as printed.
# The phone numbers are made up; the last column says which county a member belongs to.
CITY_GROUP_NAME = "固原市“劳模工匠进校园”行动宣讲团"
CITY_ROSTER = [
    ("何成斌", "男", "固原市公安局交通警察分局副大队长", "自治区五一劳动奖章", "13909540101", None),
    ("伏璧辉", "男", "固原市交通运输综合执法支队", "自治区劳动模范", "13909540102", None),
    ("马金国", "男", "原州区寨科乡副乡长", "先进工作者", "13909540103", "640402"),
    (
        "史晓东",
        "男",
        "固原市人民医院老年综合医学科，固原市人民医院第一批援鄂临时党支部书记",
        "自治区先进工作者",
        "13909540104",
        None,
    ),
    ("李强", "男", "固原市人民医院神经内科副主任医师", "先进工作者", "0954-2080105", None),
    ("张小玲", "女", "固原市第二中学高级教师", "市先进工作者", "13909540106", None),
    ("马国霞", "女", "原州区三营镇中心小学教师", "先进工作者", "13909540107", "640402"),
    ("马金莲", "女", "固原市民盟副主任", "自治区劳动模范", "13909540108", None),
]
CITY_TOPICS = {
    "何成斌": "交通安全与职业坚守\n平凡岗位上的劳模精神",
    "史晓东": "援鄂抗疫中的医者担当",
    "张小玲": "从教三十年：教书育人的匠心",
    "马金莲": "劳动创造幸福",
}

SURNAMES = "马王李张刘杨田海何周苏冯罗丁虎白"
# Given names with the gender they are given to here: a demo person's gender is that of the
# name, never a guess from their position in a list.
GIVEN = [
    ("建军", "男"),
    ("秀兰", "女"),
    ("玉梅", "女"),
    ("志强", "男"),
    ("文华", "男"),
    ("海燕", "女"),
    ("国庆", "男"),
    ("红霞", "女"),
    ("永福", "男"),
    ("丽娟", "女"),
    ("学军", "男"),
    ("春花", "女"),
    ("明德", "男"),
    ("桂英", "女"),
    ("小龙", "男"),
]
POSTS = [
    ("{county}供电公司", "高级技师"),
    ("{county}人民医院", "主任护师"),
    ("{county}农业技术推广中心", "高级农艺师"),
    ("{county}第一中学", "高级教师"),
    ("{county}建筑工程公司", "钢筋工班组长"),
    ("{county}马铃薯种植合作社", "理事长"),
]
COUNTY_HONOURS = [
    "{county}劳动模范",
    "市先进工作者",
    "自治区五一劳动奖章",
    "{county}优秀技能人才",
    "市劳动模范",
]

# Schools: a plausible, made-up list for each county covering every stage, public and private.
SCHOOL_PATTERNS = [
    ("{short}第一小学", School.Stage.PRIMARY, School.Ownership.PUBLIC),
    ("{short}第二小学", School.Stage.PRIMARY, School.Ownership.PUBLIC),
    ("{short}城关第三小学", School.Stage.PRIMARY, School.Ownership.PUBLIC),
    ("{short}东关小学", School.Stage.PRIMARY, School.Ownership.PUBLIC),
    ("{short}第二中学", School.Stage.JUNIOR, School.Ownership.PUBLIC),
    ("{short}实验中学", School.Stage.JUNIOR, School.Ownership.PUBLIC),
    ("{short}回民中学", School.Stage.NINE_YEAR, School.Ownership.PUBLIC),
    ("{short}第一中学", School.Stage.COMPLETE, School.Ownership.PUBLIC),
    ("{short}高级中学", School.Stage.SENIOR, School.Ownership.PUBLIC),
    ("{short}职业中学", School.Stage.VOCATIONAL, School.Ownership.PUBLIC),
    ("{short}特殊教育学校", School.Stage.SPECIAL, School.Ownership.PUBLIC),
    ("{short}育才学校", School.Stage.NINE_YEAR, School.Ownership.PRIVATE),
    ("{short}博文小学", School.Stage.PRIMARY, School.Ownership.PRIVATE),
    ("{short}启明高级中学", School.Stage.SENIOR, School.Ownership.PRIVATE),
]
ZONE_SCHOOLS = [
    ("开发区第一小学", School.Stage.PRIMARY, School.Ownership.PUBLIC),
    ("开发区实验学校", School.Stage.NINE_YEAR, School.Ownership.PUBLIC),
    ("开发区华英民办学校", School.Stage.NINE_YEAR, School.Ownership.PRIVATE),
]
STAGE_SIZES = {
    School.Stage.PRIMARY: (300, 1800),
    School.Stage.JUNIOR: (400, 1500),
    School.Stage.NINE_YEAR: (500, 2200),
    School.Stage.COMPLETE: (1500, 4000),
    School.Stage.SENIOR: (900, 3000),
    School.Stage.VOCATIONAL: (600, 2500),
    School.Stage.SPECIAL: (60, 200),
}


@dataclass
class Login:
    username: str
    role: str
    where: str


@dataclass
class Seeded:
    logins: list[Login]
    talks: TalkSummary | None = None


def _upsert(model, defaults=None, **lookup):
    """get_or_create that saves an existing row only when something differs, so that a second
    run writes no history."""
    manager = getattr(model.objects, "unrestricted", None)
    queryset = manager() if manager else model.objects.all()
    obj = queryset.filter(**lookup).first()
    defaults = defaults or {}
    if obj is None:
        obj = model(**lookup, **defaults)
        obj.save()
        return obj, True
    if any(getattr(obj, name) != value for name, value in defaults.items()):
        for name, value in defaults.items():
            setattr(obj, name, value)
        obj.save()
    return obj, False


@transaction.atomic
def seed(*, talks: bool = True, now=None) -> Seeded:
    """Load the demo city; with `talks`, also its talks, reports and photos (some seconds),
    dated from `now` (the present by default)."""
    rng = random.Random(20231012)  # noqa: S311 - repeatable demo sizes, not secrets
    province, _ = _upsert(
        Region,
        code=PROVINCE[0],
        defaults={"name": PROVINCE[1], "level": Region.Level.PROVINCE, "parent": None},
    )
    city, _ = _upsert(
        Region,
        code=CITY[0],
        defaults={"name": CITY[1], "level": Region.Level.CITY, "parent": province},
    )
    counties = []
    for code, name in COUNTIES:
        region, _ = _upsert(
            Region, code=code, defaults={"name": name, "level": Region.Level.COUNTY, "parent": city}
        )
        counties.append(region)
    zone, _ = _upsert(
        Region,
        code=ZONE[0],
        defaults={
            "name": ZONE[1],
            "level": Region.Level.ZONE,
            "parent": city,
            "is_standard": False,
        },
    )

    def organisation(name, kind, region):
        org, _ = _upsert(
            Organisation, region=region, name=name, defaults={"kind": kind, "is_demo": True}
        )
        return org

    city_union = organisation("固原市总工会", Organisation.Kind.UNION, city)
    city_edu = organisation("固原市教育体育局", Organisation.Kind.EDUCATION, city)
    organisation("固原市工人文化宫", Organisation.Kind.PRACTICE_BASE, city)
    organisation("固原市劳模工匠创新工作室（示范）", Organisation.Kind.PRACTICE_BASE, city)
    county_orgs = {}
    for region in counties:
        county_orgs[region.code] = (
            organisation(f"{region.name}总工会", Organisation.Kind.UNION, region),
            organisation(f"{region.name}教育体育局", Organisation.Kind.EDUCATION, region),
        )
    county_orgs[zone.code] = (organisation("开发区总工会", Organisation.Kind.UNION, zone),)

    schools: dict[str, list[School]] = {}
    for region in [*counties, zone]:
        patterns = ZONE_SCHOOLS if region == zone else SCHOOL_PATTERNS
        schools[region.code] = []
        for pattern, stage, ownership in patterns:
            low, high = STAGE_SIZES[stage]
            name = pattern.format(short=region.name)
            school, _ = _upsert(
                School,
                region=region,
                name=name,
                defaults={
                    "stage": stage,
                    "ownership": ownership,
                    "student_count": rng.randrange(low, high, 10),
                    "is_demo": True,
                },
            )
            schools[region.code].append(school)

    city_group, _ = _upsert(
        LectureGroup,
        region=city,
        name=CITY_GROUP_NAME,
        defaults={"batch": 1, "formed_on": date(2023, 10, 12), "is_demo": True},
    )
    city_group.organisers.set([city_union, city_edu])
    by_code = {region.code: region for region in counties}
    people: dict[str, Person] = {}
    for position, (name, gender, unit, honours, phone, county) in enumerate(CITY_ROSTER, start=1):
        person = _person(
            name, gender, unit, phone, by_code.get(county, city), honours, CITY_TOPICS.get(name, "")
        )
        _upsert(Membership, group=city_group, person=person, defaults={"position": position})
        people[name] = person

    for index, region in enumerate([*counties, zone]):
        orgs = county_orgs[region.code]
        group_name = f"{region.name}“劳模工匠进校园”行动宣讲团"
        group, _ = _upsert(
            LectureGroup,
            region=region,
            name=group_name,
            defaults={"batch": 1, "formed_on": date(2023, 11, 1 + index), "is_demo": True},
        )
        group.organisers.set(orgs)
        for position in range(1, 5):
            seed_index = index * 4 + position
            given, gender = GIVEN[(seed_index * 7) % len(GIVEN)]
            name = SURNAMES[seed_index % len(SURNAMES)] + given
            unit, post = POSTS[(seed_index * 5) % len(POSTS)]
            honour = COUNTY_HONOURS[seed_index % len(COUNTY_HONOURS)].format(county=region.name)
            person = _person(
                name,
                gender,
                unit.format(county=region.name if region != zone else "开发区") + post,
                f"139{region.code[2:6]}{seed_index:04d}",
                region,
                honour,
                "",
            )
            _upsert(Membership, group=group, person=person, defaults={"position": position})

    logins = _logins(city, counties, zone, schools, people)
    return Seeded(logins, seed_talks(now=now) if talks else None)


def _person(name, gender, unit, phone, region, honours, topics) -> Person:
    person = Person.objects.unrestricted().filter(name=name, region=region, is_demo=True).first()
    person = person or Person(name=name, region=region, is_demo=True)
    changed = (person.gender, person.unit, person.phone, person.topics) != (
        gender,
        unit,
        phone,
        topics,
    )
    person.gender, person.unit, person.phone, person.topics = (
        gender,
        unit,
        phone,
        topics or person.topics,
    )
    if person.pk is None or changed:
        person.save()
    for year, title in split_honours(honours):
        Honour.objects.get_or_create(
            person=person, title=title, year=year, defaults={"level": honour_level_of(title)}
        )
    return person


def _logins(city, counties, zone, schools, people) -> list[Login]:
    yuanzhou, xiji, longde, jingyuan, pengyang = counties
    school = schools[yuanzhou.code][0]
    accounts = [
        ("city-union", Role.CITY_UNION, {"region": city}, "固原市总工会宣教部", city.name),
        ("city-edu", Role.CITY_EDUCATION, {"region": city}, "固原市教育体育局", city.name),
        ("yuanzhou-union", Role.COUNTY_UNION, {"region": yuanzhou}, "原州区总工会", yuanzhou.name),
        (
            "yuanzhou-edu",
            Role.COUNTY_EDUCATION,
            {"region": yuanzhou},
            "原州区教育体育局",
            yuanzhou.name,
        ),
        ("xiji-union", Role.COUNTY_UNION, {"region": xiji}, "西吉县总工会", xiji.name),
        ("longde-union", Role.COUNTY_UNION, {"region": longde}, "隆德县总工会", longde.name),
        ("jingyuan-union", Role.COUNTY_UNION, {"region": jingyuan}, "泾源县总工会", jingyuan.name),
        ("pengyang-union", Role.COUNTY_UNION, {"region": pengyang}, "彭阳县总工会", pengyang.name),
        ("kaifaqu-union", Role.COUNTY_UNION, {"region": zone}, "开发区总工会", zone.name),
        ("school-yz", Role.SCHOOL, {"school": school}, f"{school.name}联络人", school.name),
        ("lecturer-hcb", Role.LECTURER, {"person": people["何成斌"]}, "何成斌", "何成斌（本人）"),
        ("reviewer", Role.REVIEWER, {}, "评审专家（演示）", "—"),
    ]
    logins = []
    for username, role, where, display_name, label in accounts:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.display_name = display_name
        user.region = where.get("region")
        user.school = where.get("school")
        user.person = where.get("person")
        user.is_active = True
        user.is_demo = True
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        # The demo's published password counts as the user's own, set today: the accounts work
        # straight after `scripts/run.sh`, without the first-sign-in change or the 90-day expiry.
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.full_clean(exclude=["password"])
        user.save()
        logins.append(Login(username, Role(role).label, label))
    return logins
