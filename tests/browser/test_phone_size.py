"""The pages on a phone (375×812, touch): nothing wider than the screen, the menu behind the
toggler."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

WIDTH = 375


def assert_fits(visit, what: str):
    assert visit.page.viewport_size["width"] == WIDTH
    visit.assert_fits(what)


def visit_on_phone(visit, path: str, name: str):
    visit.go(path)
    assert_fits(visit, path)
    visit.shot(name)


def test_login_and_menu_on_a_phone(demo, phone):
    phone.go("/login/")
    assert_fits(phone, "login")
    phone.shot("login")
    phone.login("city-union")
    assert_fits(phone, "home")

    toggler = phone.page.locator(".navbar-toggler")
    menu = phone.page.locator("#lm-nav")
    assert toggler.is_visible()
    assert not menu.is_visible()
    assert not phone.page.get_by_role("link", name="劳模工匠", exact=True).first.is_visible()
    phone.shot("city-union-home")

    toggler.tap()
    phone.page.locator("#lm-nav.show").wait_for()
    phone.page.wait_for_function(
        "!document.querySelector('#lm-nav').classList.contains('collapsing')"
    )
    assert toggler.get_attribute("aria-expanded") == "true"
    for label in ("宣讲活动", "活动日历", "劳模工匠", "宣讲团", "学校", "更多", "退出"):
        assert menu.get_by_text(label, exact=True).is_visible(), label
    assert not menu.get_by_text("导入花名册", exact=True).is_visible(), "behind 更多"
    assert_fits(phone, "open menu")
    phone.shot("city-union-menu-open")

    menu.get_by_text("更多", exact=True).tap()
    for label in ("组织机构", "行政区划", "导入花名册", "年度行动配置", "审计日志"):
        assert menu.get_by_text(label, exact=True).is_visible(), label
    assert_fits(phone, "open 更多")
    phone.shot("city-union-menu-more")

    with phone.page.expect_navigation():
        menu.get_by_role("link", name="劳模工匠").tap()
    assert phone.page.url.endswith("/people/")


def test_registry_pages_on_a_phone(demo, phone):
    from laomo.people.models import LectureGroup, Person
    from laomo.schools.models import School

    person = Person.objects.unrestricted().get(name="史晓东")
    group = LectureGroup.objects.unrestricted().get(region__code="640400")
    school = School.objects.unrestricted().get(name="原州区第一小学")
    phone.login("city-union")

    visit_on_phone(phone, "/people/", "city-union-people")
    first = phone.page.locator("main table tbody tr").first
    assert first.locator("td[data-label=姓名]").is_visible()
    assert phone.page.locator("main table thead").is_hidden(), "rows are stacked as cards"

    visit_on_phone(phone, person.get_absolute_url(), "city-union-person")
    assert "139****0104" in phone.text()
    phone.page.locator(f"#phone-{person.pk}").get_by_role("button", name="查看").tap()
    phone.page.locator(".lm-phone", has_text="13909540104").wait_for()
    assert_fits(phone, "revealed phone")

    visit_on_phone(phone, group.get_absolute_url(), "city-union-group")
    visit_on_phone(phone, "/groups/", "city-union-groups")
    visit_on_phone(phone, "/schools/", "city-union-schools")
    visit_on_phone(phone, school.get_absolute_url(), "city-union-school")
    visit_on_phone(phone, "/regions/", "city-union-regions")
    visit_on_phone(phone, f"/people/{person.pk}/edit/", "city-union-person-edit")
    visit_on_phone(phone, f"/people/{person.pk}/history/", "city-union-person-history")
    visit_on_phone(phone, "/audit/", "city-union-audit")


def test_import_page_on_a_phone(demo, phone, roster_file):
    phone.login("city-union")
    visit_on_phone(phone, "/people/import/", "city-union-import")

    page = phone.page
    bad = roster_file("花名册.xlsx", [[1, "孙立新", "男", "固原市自来水公司技师", "", "12345", ""]])
    page.get_by_label("花名册文件").set_input_files(str(bad))
    page.get_by_label("导入到宣讲团").select_option(index=1)
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").tap()
    page.locator("table.lm-errors").wait_for()
    assert "第3行" in page.locator("table.lm-errors").inner_text()
    assert_fits(phone, "import errors")
    phone.shot("city-union-import-errors")


@pytest.mark.parametrize(
    ("username", "path", "expected"),
    [
        ("school-yz", "/schools/", "原州区第一小学"),
        ("lecturer-hcb", "/me/", "13909540101"),
        ("reviewer", "/", "目前没有分配给您的评审任务"),
    ],
)
def test_other_roles_on_a_phone(demo, phone, username, path, expected):
    phone.login(username)
    visit_on_phone(phone, path, f"{username}-{path.strip('/') or 'home'}")
    assert expected in phone.text()
