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
    "talks.view",
    "talks.change",
    "talks.report",
    "talks.export",
    # The quota, coverage and lecturer figures of their own region (002 一、三(一)3).
    "oversight.view",
}

# What each permission lets a role do, as the audit log names it when a role without it asks.
PERMISSION_NAMES: dict[str, str] = {
    "regions.view": "查看行政区划",
    "organisations.view": "查看组织机构",
    "organisations.change": "修改组织机构",
    "schools.view": "查看学校",
    "schools.change": "修改学校",
    "people.view": "查看劳模工匠",
    "people.change": "修改劳模工匠",
    "people.change_own": "修改本人档案",
    "people.reveal_phone": "查看完整电话",
    "groups.view": "查看宣讲团",
    "groups.change": "修改宣讲团",
    "roster.import": "导入花名册",
    "roster.export": "导出花名册",
    "audit.view": "查看审计日志",
    "audit.export": "导出审计日志",
    "talks.view": "查看宣讲活动",
    "talks.change": "安排、修改宣讲活动",
    "talks.report": "报送活动资料",
    "talks.export": "导出台账",
    "talks.invite": "邀请宣讲员",
    "talks.respond": "答复邀请",
    "talks.review": "验收活动资料",
    "talks.consent": "同意公开展示",
    "lecturers.directory": "查看宣讲员名录",
    "oversight.view": "查看统计",
    "programme.change": "修改年度行动配置",
    "accounts.reset_second_factor": "重置两步验证",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    # The union runs the programme; the education bureau owns the school list (DESIGN.md).
    # Reports go to the city union's 宣教部 and the city education bureau, who accept or return
    # them (002 四(六)); both also keep the year's programme settings.
    # The city's two offices also search the whole audit log and export it (等保2.0 审计), and
    # reset the second factor of an account in the city whose phone is lost.
    Role.CITY_UNION: frozenset(
        _OFFICIAL
        | {
            "organisations.change",
            "talks.review",
            "programme.change",
            "audit.export",
            "accounts.reset_second_factor",
        }
    ),
    Role.CITY_EDUCATION: frozenset(
        _OFFICIAL
        | {
            "organisations.change",
            "schools.change",
            "talks.review",
            "programme.change",
            "audit.export",
            "accounts.reset_second_factor",
        }
    ),
    Role.COUNTY_UNION: frozenset(_OFFICIAL),
    Role.COUNTY_EDUCATION: frozenset(_OFFICIAL | {"schools.change"}),
    # A school invites lecturers on its own (002 三(二)) and files the report of talks it hosts;
    # to invite, it sees the lecturers of its county's and the city's groups (names, units,
    # honours, topics; phones masked).
    # It alone says whether the photos of a talk it hosted, its pupils in them, may be shown on
    # the public showcase.
    Role.SCHOOL: frozenset(
        {
            "schools.view",
            "talks.view",
            "talks.invite",
            "talks.report",
            "talks.consent",
            "lecturers.directory",
        }
    ),
    Role.LECTURER: frozenset(
        {"people.view", "people.change_own", "groups.view", "talks.view", "talks.respond"}
    ),
    Role.REVIEWER: frozenset(),
}


def permissions_of(role: str | None) -> frozenset[str]:
    return PERMISSIONS.get(role, frozenset()) if role else frozenset()
