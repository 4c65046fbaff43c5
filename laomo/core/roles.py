"""The roles of DESIGN.md and what each may do.

A permission here says what kind of thing a role may do; *which* objects it may do it to is the
business of each model's scoped queryset (see `laomo.core.scoping`).
"""

from django.db import models


class Role(models.TextChoices):
    CITY_UNION = "city_union", "市总工会宣教部"
    CITY_EDUCATION = "city_education", "市教育体育局"
    COUNTY_UNION = "county_union", "县（区）总工会"
    COUNTY_EDUCATION = "county_education", "县（区）教育体育局"
    SCHOOL = "school", "学校联络人"
    LECTURER = "lecturer", "劳模工匠"
    REVIEWER = "reviewer", "评审专家"


CITY_ROLES = frozenset({Role.CITY_UNION, Role.CITY_EDUCATION})
COUNTY_ROLES = frozenset({Role.COUNTY_UNION, Role.COUNTY_EDUCATION})
OFFICIAL_ROLES = CITY_ROLES | COUNTY_ROLES

_OFFICIAL = {
    "regions.view",
    "organisations.view",
    "schools.view",
    "people.view",
    "people.change",
    "people.reveal_phone",
    "groups.view",
    "groups.change",
    "roster.import",
    "roster.export",
    "audit.view",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    # The union runs the programme; the education bureau owns the school list (DESIGN.md).
    Role.CITY_UNION: frozenset(_OFFICIAL | {"organisations.change"}),
    Role.CITY_EDUCATION: frozenset(_OFFICIAL | {"organisations.change", "schools.change"}),
    Role.COUNTY_UNION: frozenset(_OFFICIAL),
    Role.COUNTY_EDUCATION: frozenset(_OFFICIAL | {"schools.change"}),
    Role.SCHOOL: frozenset({"schools.view"}),
    Role.LECTURER: frozenset({"people.view", "people.change_own", "groups.view"}),
    Role.REVIEWER: frozenset(),
}


def permissions_of(role: str | None) -> frozenset[str]:
    return PERMISSIONS.get(role, frozenset()) if role else frozenset()
