"""A small city for tests: a city with two counties (A and B) and a development zone; in each
county a union, a bureau, schools, people and a group; the city's own group; one account per
role, and the same roles in county B, so every test can ask "and from the other county?"."""

from __future__ import annotations

from dataclasses import dataclass, field

from laomo.core.roles import Role
from laomo.core.testing.factories import (
    HonourFactory,
    LectureGroupFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
)
from laomo.regions.models import Organisation, Region


@dataclass
class Side:
    """One county's objects."""

    region: Region
    union: Organisation
    school: object
    other_school: object
    person: object
    group: object


@dataclass
class World:
    province: Region
    city: Region
    a: Side
    b: Side
    zone: Region
    city_person: object
    city_group: object
    users: dict = field(default_factory=dict)

    def user(self, key):
        return self.users[key]


def _side(city, code, name, phone_prefix) -> Side:
    region = RegionFactory(code=code, name=name, level=Region.Level.COUNTY, parent=city)
    union = OrganisationFactory(name=f"{name}总工会", region=region)
    OrganisationFactory(name=f"{name}教育体育局", region=region, kind=Organisation.Kind.EDUCATION)
    school = SchoolFactory(name=f"{name}第一小学", region=region)
    other_school = SchoolFactory(name=f"{name}第一中学", region=region, stage="junior")
    person = PersonFactory(name=f"{name[0]}劳模", region=region, phone=f"{phone_prefix}0001")
    HonourFactory(person=person, title=f"{name}劳动模范", level="county")
    group = LectureGroupFactory(name=f"{name}宣讲团", region=region)
    group.organisers.add(union)
    MembershipFactory(group=group, person=person, position=1)
    return Side(region, union, school, other_school, person, group)


def build_world() -> World:
    province = RegionFactory(code="640000", name="宁夏回族自治区", level=Region.Level.PROVINCE)
    city = RegionFactory(code="640400", name="固原市", level=Region.Level.CITY, parent=province)
    a = _side(city, "640402", "原州区", "1390954")
    b = _side(city, "640422", "西吉县", "1380954")
    zone = RegionFactory(
        code="640471",
        name="固原经济技术开发区",
        level=Region.Level.ZONE,
        parent=city,
        is_standard=False,
    )
    city_person = PersonFactory(name="何成斌", region=city, phone="18395069051")
    city_group = LectureGroupFactory(name="固原市宣讲团", region=city)
    MembershipFactory(group=city_group, person=city_person, position=1)
    world = World(province, city, a, b, zone, city_person, city_group)
    world.users = {
        "city_union": UserFactory(username="city_union", role=Role.CITY_UNION, region=city),
        "city_education": UserFactory(
            username="city_education", role=Role.CITY_EDUCATION, region=city
        ),
        "county_union_a": UserFactory(
            username="county_union_a", role=Role.COUNTY_UNION, region=a.region
        ),
        "county_education_a": UserFactory(
            username="county_education_a", role=Role.COUNTY_EDUCATION, region=a.region
        ),
        "county_union_b": UserFactory(
            username="county_union_b", role=Role.COUNTY_UNION, region=b.region
        ),
        "county_education_b": UserFactory(
            username="county_education_b", role=Role.COUNTY_EDUCATION, region=b.region
        ),
        "school_a": UserFactory(username="school_a", role=Role.SCHOOL, school=a.school),
        "school_b": UserFactory(username="school_b", role=Role.SCHOOL, school=b.school),
        "lecturer_a": UserFactory(username="lecturer_a", role=Role.LECTURER, person=a.person),
        "reviewer": UserFactory(username="reviewer", role=Role.REVIEWER),
    }
    return world
