"""Importing a 花名册 through the page: check, preview, confirm; and a bad file refused whole."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CITY_GROUP = "固原市“劳模工匠进校园”行动宣讲团"

# A supplement to the city group's eight members, numbered on from them.
GOOD_ROWS = [
    [9, "王建国", "男", "固原市第五中学物理教师", "市劳动模范", "13995040001", ""],
    [
        10,
        "李 梅",
        "女",
        "固原市供电公司变电运维班班长",
        "2019年自治区劳动模范、市先进工作者",
        "0954-2031234",
        "新增",
    ],
]
BAD_ROWS = [
    [1, "赵志远", "男", "固原市第三中学教师", "市先进工作者", "13995040011", ""],
    [2, "钱秀英", "未知", "固原市妇幼保健院护士长", "", "13995040012", ""],
    [3, "孙立新", "男", "固原市自来水公司技师", "", "12345", ""],
    [4, "", "女", "固原市第一小学教师", "", "13995040014", ""],
]


def counts():
    from laomo.audit.models import AuditEntry
    from laomo.people.models import Honour, Membership, Person

    return {
        "people": Person.objects.unrestricted().count(),
        "honours": Honour.objects.count(),
        "members": Membership.objects.count(),
        "imports": AuditEntry.objects.unrestricted().filter(action="import").count(),
    }


def upload(visit, path, group=CITY_GROUP):
    page = visit.page
    visit.go("/people/import/")
    page.get_by_label("花名册文件").set_input_files(str(path))
    page.get_by_label("导入到宣讲团").select_option(label=group)
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()
    visit.assert_healthy()


def test_import_a_roster_into_a_group(demo, desktop, roster_file):
    from laomo.people.models import LectureGroup, Person

    good = roster_file("新成员花名册.xlsx", GOOD_ROWS)
    before = counts()
    desktop.login("city-union")
    desktop.go("/people/import/")
    desktop.shot("import-01-empty")

    upload(desktop, good)
    preview = desktop.page.locator("#import-preview")
    preview.wait_for()
    text = preview.inner_text()
    assert "检查通过" in text
    assert "新成员花名册.xlsx" in text
    assert "新增2人" in text
    assert "王建国" in text
    assert "李梅" in text, "the aligning space in 李 梅 is dropped"
    assert CITY_GROUP in text
    desktop.shot("import-02-preview")
    assert counts() == before, "the check writes nothing"

    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="确认导入").click()
    desktop.assert_healthy()
    group = LectureGroup.objects.get(name=CITY_GROUP)
    assert desktop.page.url.endswith(group.get_absolute_url())
    assert "导入完成" in desktop.page.locator(".lm-messages").inner_text()
    roster = desktop.page.locator("main table tbody")
    rows = roster.locator("tr")
    assert rows.count() == 10
    assert "王建国" in rows.nth(8).inner_text()
    assert "李梅" in rows.nth(9).inner_text()
    assert "139****0001" in rows.nth(8).inner_text()
    desktop.shot("import-03-done-group-roster")

    after = counts()
    assert after == {
        "people": before["people"] + 2,
        "honours": before["honours"] + 3,
        "members": before["members"] + 2,
        "imports": before["imports"] + 1,
    }
    li = Person.objects.unrestricted().get(name="李梅")
    assert (li.phone, li.region.name, li.note) == ("0954-2031234", "固原市", "新增")


def test_a_bad_roster_is_refused_whole_with_the_rows_named(demo, desktop, roster_file):
    bad = roster_file("有误的花名册.xlsx", BAD_ROWS)
    before = counts()
    desktop.login("city-union")
    upload(desktop, bad)

    alert = desktop.page.locator("#import-errors")
    alert.wait_for()
    assert "未导入任何数据" in alert.inner_text()
    assert desktop.page.get_by_role("button", name="确认导入").count() == 0
    problems = desktop.page.locator("table.lm-errors tbody tr")
    found = [problems.nth(i).inner_text() for i in range(problems.count())]
    assert len(found) == 3, found
    by_row = {line.split("\t")[0]: line for line in found}
    assert set(by_row) == {"第4行", "第5行", "第6行"}
    assert "性别" in by_row["第4行"]
    assert "未知" in by_row["第4行"]
    assert "联系电话" in by_row["第5行"]
    assert "姓名" in by_row["第6行"]
    desktop.shot("import-04-errors")

    assert counts() == before, "nothing half-written"
    from laomo.people.models import Person

    assert not Person.objects.unrestricted().filter(name="赵志远").exists()


def test_a_supplement_numbered_from_one_goes_after_the_existing_members(demo, desktop, roster_file):
    rows = [[1, *GOOD_ROWS[0][1:]], [2, *GOOD_ROWS[1][1:]]]
    desktop.login("city-union")
    upload(desktop, roster_file("补充花名册.xlsx", rows))
    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="确认导入").click()
    names = desktop.page.locator("main table tbody tr td[data-label=姓名]").all_inner_texts()
    assert [name.split()[0] for name in names[-2:]] == ["王建国", "李梅"], names
