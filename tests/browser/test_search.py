"""The 劳模工匠 list's search box (Chinese, pinyin initials) and its filters."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def names_listed(visit) -> list[str]:
    cells = visit.page.locator("main table tbody td[data-label=姓名] a")
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def regions_listed(visit) -> set[str]:
    cells = visit.page.locator("main table tbody td[data-label='所属县（区）']")
    return {text.strip() for text in cells.all_inner_texts()}


def submit(visit):
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name="查询").click()
    visit.assert_healthy()


def test_search_by_pinyin_initials_and_filter_by_county(demo, desktop):
    desktop.login("city-union")
    desktop.go("/people/")
    assert "共 32 条" in desktop.text()

    search = desktop.page.get_by_label("搜索")
    search.fill("hcb")
    submit(desktop)
    assert "q=hcb" in desktop.page.url
    assert names_listed(desktop) == ["何成斌"]
    assert desktop.page.get_by_label("搜索").input_value() == "hcb", "the query stays in the box"
    desktop.shot("search-01-hcb")

    desktop.page.get_by_label("搜索").fill("史晓")
    submit(desktop)
    assert names_listed(desktop) == ["史晓东"]
    desktop.shot("search-02-chinese")

    desktop.page.get_by_label("搜索").fill("")
    desktop.page.get_by_label("所属区划").select_option(label="西吉县")
    submit(desktop)
    listed = names_listed(desktop)
    assert len(listed) == 4
    assert regions_listed(desktop) == {"西吉县"}
    assert "何成斌" not in listed
    desktop.shot("search-03-county-xiji")

    desktop.page.get_by_label("性别").select_option(label="女")
    submit(desktop)
    assert names_listed(desktop) == ["何春花", "杨海燕"]  # genders fit the names
    assert regions_listed(desktop) == {"西吉县"}
    desktop.shot("search-04-county-and-gender")

    desktop.page.get_by_label("搜索").fill("hcb")
    submit(desktop)
    assert names_listed(desktop) == []
    assert "没有符合条件的劳模工匠" in desktop.text()
    desktop.shot("search-05-nothing-found")

    with desktop.page.expect_navigation():
        desktop.page.get_by_role("link", name="重置").click()
    assert len(names_listed(desktop)) == 25, "first page of 32 again"
    assert desktop.page.get_by_label("所属区划").input_value() == ""
    desktop.shot("search-06-reset")


def test_search_stays_within_the_county(demo, desktop):
    desktop.login("yuanzhou-union")
    desktop.go("/people/?q=hcb")
    assert names_listed(desktop) == [], "何成斌 belongs to the city, not to 原州区"
    desktop.page.get_by_label("搜索").fill("mjg")
    submit(desktop)
    assert names_listed(desktop) == ["马金国"]
    options = desktop.page.get_by_label("所属区划").locator("option").all_inner_texts()
    assert options == ["全部", "原州区"]
    desktop.shot("search-07-county-user")
