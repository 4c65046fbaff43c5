"""Every demo login, through the login page: its own home, every page its menu offers, a record
from every list, and only what its region, school or person lets it see."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

pytestmark = pytest.mark.browser

SLUGS = {
    "宣讲活动": "talks",
    "活动日历": "calendar",
    "我的日程": "schedule",
    "劳模工匠": "people",
    "宣讲团": "groups",
    "学校": "schools",
    "本校": "my-school",
    "组织机构": "organisations",
    "行政区划": "regions",
    "导入花名册": "import",
    "年度行动配置": "programme",
    "审计日志": "audit",
    "重置两步验证": "two-factor-reset",
    "我的档案": "me",
    "统计": "oversight",
    "半年报": "halfyear",
    "我的统计": "my-figures",
}
OFFICIAL_MENU = ["宣讲活动", "活动日历", "劳模工匠", "宣讲团", "学校", "统计", "半年报"]
COUNTY_MORE = ["组织机构", "行政区划", "导入花名册", "审计日志"]
CITY_MORE = ["组织机构", "行政区划", "导入花名册", "年度行动配置", "审计日志", "重置两步验证"]


@dataclass
class Expect:
    """What one login should see: its menu (and what its "更多" holds), its home page, and text
    per menu page."""

    menu: list[str]
    home: list[str]
    more: list[str] = field(default_factory=list)
    shows: dict[str, list[str]] = field(default_factory=dict)
    hides: dict[str, list[str]] = field(default_factory=dict)


CITY_SHOWS = {
    "学校": ["原州区第一小学", "西吉县第一小学"],
    "劳模工匠": ["何成斌", "139****0101"],
    "宣讲团": ["固原市“劳模工匠进校园”行动宣讲团", "西吉县“劳模工匠进校园”行动宣讲团"],
    "行政区划": ["640400", "640402", "640422", "640471"],
    "组织机构": ["固原市总工会", "西吉县总工会"],
}


def county(name: str, other: str, *, people: list[str], home: str) -> Expect:
    return Expect(
        menu=OFFICIAL_MENU,
        more=COUNTY_MORE,
        home=[home, "学校", "14", "劳模工匠", "宣讲团"],
        shows={
            "学校": [f"{name}第一小学", f"{name}特殊教育学校"],
            "劳模工匠": people,
            "宣讲团": [f"{name}“劳模工匠进校园”行动宣讲团"],
            "行政区划": [name],
            "组织机构": [f"{name}总工会"],
            "导入花名册": [f"{name}“劳模工匠进校园”行动宣讲团"],
        },
        hides={
            "学校": [other, "固原经济技术开发区"],
            "劳模工匠": [other, "何成斌"],
            "宣讲团": [other, "固原市“劳模工匠进校园”"],
            "行政区划": [other],
            "组织机构": [other, "固原市总工会"],
            "导入花名册": [other],
        },
    )


ROLES = {
    "city-union": Expect(
        menu=OFFICIAL_MENU,
        more=CITY_MORE,
        home=["固原市总工会宣教部", "学校", "73", "劳模工匠", "32", "宣讲团", "7"],
        shows=CITY_SHOWS,
    ),
    "city-edu": Expect(
        menu=OFFICIAL_MENU,
        more=CITY_MORE,
        home=["固原市教育体育局", "73", "32"],
        shows=CITY_SHOWS,
    ),
    "yuanzhou-union": county("原州区", "西吉县", people=["马金国", "马国霞"], home="原州区总工会"),
    "yuanzhou-edu": county("原州区", "西吉县", people=["马金国"], home="原州区教育体育局"),
    "xiji-union": county("西吉县", "原州区", people=["杨海燕"], home="西吉县总工会"),
    "school-yz": Expect(
        # 本校 in place of the registry's school list: the school and the talks held there.
        menu=["宣讲活动", "活动日历", "本校"],
        home=["原州区第一小学联络人", "学校", "1"],
        shows={"本校": ["原州区第一小学", "在本校举办的宣讲活动", "邀请劳模工匠"]},
        hides={"本校": ["原州区第二小学", "西吉县", "新增学校"]},
    ),
    "lecturer-hcb": Expect(
        menu=["宣讲活动", "活动日历", "我的日程", "我的统计", "我的档案", "宣讲团"],
        home=["您好，何成斌", "我的档案"],
        shows={
            "我的档案": ["何成斌", "13909540101", "自治区五一劳动奖章", "更新我的信息"],
            "宣讲团": ["固原市“劳模工匠进校园”行动宣讲团"],
        },
        hides={"我的档案": ["****"], "宣讲团": ["原州区“劳模工匠进校园”", "新建宣讲团"]},
    ),
    "reviewer": Expect(
        menu=[],
        home=["评审专家（演示）", "目前没有分配给您的评审任务"],
    ),
}


def _first_record_link(visit):
    """The first record linked from the list's table, if any."""
    links = visit.page.locator("main table tbody a")
    return links.first.get_attribute("href") if links.count() else None


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_sees_its_own_pages(demo, desktop, username):
    expect = ROLES[username]
    desktop.login(username)
    assert desktop.page.url.rstrip("/") == desktop.base_url
    home = desktop.text()
    for text in expect.home:
        assert text in home, f"{username} home lacks {text!r}"
    desktop.shot(f"{username}-00-home")

    menu = desktop.nav_links()
    assert list(menu) == expect.menu
    more = desktop.more_links()
    assert list(more) == expect.more
    if more:
        toggle = desktop.page.locator("#lm-nav .dropdown-toggle", has_text="更多")
        assert not desktop.page.get_by_role("link", name=expect.more[0]).is_visible()
        toggle.click()
        for label in expect.more:
            assert desktop.page.get_by_role("link", name=label, exact=True).is_visible(), label
        desktop.shot(f"{username}-00-more")

    for index, (label, href) in enumerate({**menu, **more}.items(), start=1):
        slug = SLUGS[label]
        desktop.go(href)
        body = desktop.text()
        assert desktop.page.locator("main h1").count() >= 1, f"{username} {label}: no heading"
        for text in expect.shows.get(label, []):
            assert text in body, f"{username} {label} lacks {text!r}"
        for text in expect.hides.get(label, []):
            assert text not in body, f"{username} {label} shows {text!r}"
        desktop.shot(f"{username}-{index:02d}-{slug}")

        detail = _first_record_link(desktop)
        if detail is None:
            continue
        desktop.go(detail)
        heading = desktop.page.locator("main h1").first.inner_text()
        assert heading.strip(), f"{username}: {detail} has an empty heading"
        desktop.shot(f"{username}-{index:02d}-{slug}-detail")


def test_county_user_cannot_open_another_countys_records(demo, desktop):
    from laomo.people.models import Person
    from laomo.schools.models import School

    xiji_school = School.objects.get(name="西吉县第一小学")
    xiji_person = Person.objects.filter(region__name="西吉县").first()
    desktop.login("yuanzhou-union")
    for path in (xiji_school.get_absolute_url(), xiji_person.get_absolute_url()):
        response = desktop.page.goto(desktop.url(path))
        assert response.status == 404
        assert "未找到该页面" in desktop.text()
        assert "西吉县" not in desktop.text()
    desktop.shot("yuanzhou-union-404-other-county")


def test_wrong_password_is_refused_in_chinese(demo, desktop):
    desktop.go("/login/")
    desktop.page.get_by_label("用户名").fill("city-union")
    desktop.page.get_by_label("密码").fill("wrong-password")
    desktop.page.get_by_role("button", name="登录").click()
    desktop.page.wait_for_load_state()
    assert "用户名或密码不正确" in desktop.text()
    assert "/login/" in desktop.page.url
    desktop.shot("login-refused")


def test_every_figure_opens_the_list_it_counts(demo, desktop):
    """The figures on the home page and on the city's and a county's page link to lists; each
    opens cleanly and lists as many rows as the figure says."""
    desktop.login("city-union")
    pages = ["/"]
    desktop.go("/regions/")
    pages += desktop.page.locator("main table tbody td[data-label=名称] a").evaluate_all(
        "links => links.slice(0, 2).map(a => a.getAttribute('href'))"
    )
    for path in pages:
        desktop.go(path)
        cards = desktop.page.locator("main a.lm-stat")
        figures = [
            (cards.nth(i).get_attribute("href"), cards.nth(i).locator(".fs-3").inner_text())
            for i in range(cards.count())
            if cards.nth(i).locator(".fs-3").count()
        ]
        for href, figure in figures:
            desktop.go(href)
            body = desktop.text()
            assert "选择一个有效的选项" not in body, f"{path} → {href}: invalid filter"
            assert f"共 {figure} 条" in body, f"{path} says {figure}, {href} lists otherwise"


def test_the_login_page_carries_the_platforms_name(demo, desktop):
    desktop.go("/login/")
    assert desktop.page.locator(".navbar-brand").inner_text().strip() == "劳模工匠进校园工作平台"
    assert desktop.page.title() == "登录 · 劳模工匠进校园工作平台"
