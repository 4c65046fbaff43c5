"""Editing through the pages: a person's unit, a school archived and restored, and the 变更记录
that shows who changed what."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NEW_UNIT = "固原市公安局交通警察分局"
NEW_POST = "大队长"


def test_edit_a_person_and_see_the_change_recorded(demo, desktop):
    from laomo.people.models import Person

    person = Person.objects.unrestricted().get(name="何成斌")
    old_unit = person.unit
    desktop.login("city-union")
    desktop.go(person.get_absolute_url())
    with desktop.page.expect_navigation():
        desktop.page.locator("main").get_by_role("link", name="编辑").click()
    assert desktop.page.url.endswith(f"/people/{person.pk}/edit/")
    form = desktop.page.locator("form.lm-form")
    assert form.get_by_label("工作单位").input_value() == old_unit
    assert form.get_by_label("联系电话").input_value() == "", "the phone is never put in a form"
    desktop.shot("edit-01-person-form")

    form.get_by_label("工作单位").fill(NEW_UNIT)
    form.get_by_label("职务").fill(NEW_POST)
    with desktop.page.expect_navigation():
        form.get_by_role("button", name="保存").click()
    desktop.assert_healthy()
    assert desktop.page.url.endswith(person.get_absolute_url())
    assert "已保存" in desktop.page.locator(".lm-messages").inner_text()
    body = desktop.text()
    assert NEW_UNIT in body
    assert NEW_POST in body
    assert "139****0101" in body, "an empty phone box keeps the number"
    desktop.shot("edit-02-person-saved")

    person.refresh_from_db()
    assert (person.unit, person.post, person.phone) == (NEW_UNIT, NEW_POST, "13909540101")

    with desktop.page.expect_navigation():
        desktop.page.get_by_role("link", name="变更记录").click()
    changes = desktop.page.locator("main .list-group-item", has_text="工作单位").first
    text = changes.inner_text()
    assert "固原市总工会宣教部" in text, "who"
    assert "修改" in text
    row = changes.locator("tr", has_text="工作单位").inner_text()
    assert old_unit in row
    assert NEW_UNIT in row
    desktop.shot("edit-03-person-history")


def test_archive_and_restore_a_school(demo, desktop):
    from laomo.schools.models import School

    school = School.objects.unrestricted().get(name="原州区第二小学")
    desktop.page.on("dialog", lambda dialog: dialog.accept())
    desktop.login("yuanzhou-edu")
    desktop.go(school.get_absolute_url())
    desktop.shot("edit-04-school")

    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="归档").click()
    desktop.assert_healthy()
    assert "已归档" in desktop.page.locator(".lm-messages").inner_text()
    assert desktop.page.locator("main h1 .badge", has_text="已归档").is_visible()
    assert desktop.page.get_by_role("button", name="恢复").is_visible()
    assert "该学校已于" in desktop.text()
    assert desktop.page.locator("main").get_by_role("link", name="编辑").count() == 0
    desktop.shot("edit-05-school-archived")
    school.refresh_from_db()
    assert school.archived_at is not None

    desktop.go("/schools/")
    assert "原州区第二小学" not in desktop.text()
    desktop.go("/schools/?status=archived")
    assert "原州区第二小学" in desktop.text()
    desktop.shot("edit-06-schools-archived-filter")

    desktop.go(school.get_absolute_url())
    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="恢复").click()
    desktop.assert_healthy()
    assert "已恢复" in desktop.page.locator(".lm-messages").inner_text()
    assert desktop.page.locator("main h1 .badge", has_text="已归档").count() == 0
    school.refresh_from_db()
    assert school.archived_at is None
    desktop.go("/schools/")
    assert "原州区第二小学" in desktop.text()

    desktop.go(f"/schools/{school.pk}/history/")
    events = desktop.page.locator("main .card", has_text="操作日志").inner_text()
    assert "归档" in events
    assert "恢复" in events
    assert "原州区教育体育局" in events
    desktop.shot("edit-07-school-history")


def test_saving_an_unchanged_person_changes_nothing(demo, desktop):
    from laomo.people.models import Person

    person = Person.objects.unrestricted().get(name="何成斌")
    topics = person.topics
    assert "\n" in topics
    desktop.login("city-union")
    desktop.go(f"/people/{person.pk}/edit/")
    with desktop.page.expect_navigation():
        desktop.page.locator("form.lm-form").get_by_role("button", name="保存").click()
    person.refresh_from_db()
    assert person.topics == topics
