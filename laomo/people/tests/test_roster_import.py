"""Importing the official 花名册: the seed-002 roster in every format, layouts people really
make, all-or-nothing with every bad row reported, and matching people without crossing a county."""

import re

import pytest

from laomo.core.scoping import Scope
from laomo.core.testing.factories import (
    HonourFactory,
    LectureGroupFactory,
    MembershipFactory,
    PersonFactory,
)
from laomo.core.text import mask_phone
from laomo.people.models import Honour, Membership, Person
from laomo.people.roster import RosterExporter, import_roster
from laomo.people.tests.rosterfiles import (
    HEADERS,
    SEED_PEOPLE,
    SEED_ROWS,
    TITLE,
    csv_bytes,
    import_count,
    members,
    read_xlsx,
    snapshot,
    xlsx,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _seed_as_numbers():
    """As Excel stores what people type: mobiles become numbers, the landline stays text."""
    rows = []
    for row in SEED_ROWS:
        row = list(row)
        if row[5].isdigit():
            row[5] = int(row[5])
        rows.append(row)
    return rows


SEED_FILES = {
    "xlsx-text": lambda: xlsx(SEED_ROWS),
    "xlsx-numbers": lambda: xlsx(_seed_as_numbers()),
    "csv-utf8": lambda: csv_bytes(SEED_ROWS),
    "csv-utf8-bom": lambda: csv_bytes(SEED_ROWS, encoding="utf-8-sig"),
    "csv-gbk": lambda: csv_bytes(SEED_ROWS, encoding="gbk"),
}


def _assert_seed_group(group):
    people = members(group)
    assert [p.name for p in people] == [name for name, *_rest in SEED_PEOPLE]
    for person, (name, gender, unit, honours, phone) in zip(people, SEED_PEOPLE, strict=True):
        assert (person.name, person.gender, person.unit, person.post, person.phone) == (
            name,
            gender,
            unit,
            "",
            phone,
        )
        assert person.region == group.region
        assert [(h.title, h.year) for h in person.honours.all()] == [(t, None) for t in honours]
    positions = list(
        Membership.objects.filter(group=group).order_by("position").values_list("position", flat=1)
    )
    assert positions == list(range(1, 9))
    levels = dict(Honour.objects.values_list("title", "level").distinct())
    assert levels == {
        "自治区五一劳动奖章": "regional",
        "自治区劳动模范": "regional",
        "自治区先进工作者": "regional",
        "市先进工作者": "city",
        "先进工作者": "",
    }


@pytest.mark.parametrize("full_phones", [True, False], ids=["full-phones", "masked-phones"])
@pytest.mark.parametrize("kind", SEED_FILES)
def test_seed_roster_imports_exports_and_reimports_unchanged(seed_group, kind, full_phones):
    data = SEED_FILES[kind]()

    report = import_roster(data, filename=f"花名册.{kind}", group=seed_group)

    assert report.ok, [str(e) for e in report.errors]
    assert report.applied
    assert report.warnings == []
    assert (report.rows, len(report.created), report.unchanged) == (8, 8, 0)
    assert (report.honours_added, report.members_added) == (8, 8)
    assert Person.objects.unrestricted().count() == 8
    _assert_seed_group(seed_group)
    assert (
        Person.objects.unrestricted()
        .get(name="何成斌")
        .search_text.startswith("何成斌 hechengbin hcb")
    )
    assert import_count() == 1

    exported = RosterExporter(seed_group, full_phones=full_phones).render()
    sheet = read_xlsx(exported)
    assert sheet[0][0] == f"{seed_group.name}成员花名册" == TITLE
    assert sheet[1] == HEADERS
    assert len(sheet) == 10
    for number, (row, (name, gender, unit, honours, phone)) in enumerate(
        zip(sheet[2:], SEED_PEOPLE, strict=True), start=1
    ):
        shown = phone if full_phones else mask_phone(phone)
        assert row[:6] == [number, name, gender, unit, "、".join(honours), shown]
        assert row[6] in (None, "")

    before = snapshot()
    for again in (exported, data):
        report = import_roster(again, filename="再导入.xlsx", group=seed_group)
        assert report.ok, [str(e) for e in report.errors]
        assert (report.created, report.updated, report.unchanged) == ([], [], 8)
        assert (report.honours_added, report.members_added) == (0, 0)
        assert snapshot() == before


def test_seed_roster_matches_a_person_already_registered(world):
    """何成斌 is already in the register with his phone: he is matched, not duplicated."""
    group = LectureGroupFactory(name="固原市“劳模工匠进校园”宣讲团", region=world.city)
    report = import_roster(xlsx(SEED_ROWS), group=group)
    assert report.ok
    assert len(report.created) == 7
    assert report.unchanged == 0
    assert report.updated == ["何成斌"]  # the unit was not recorded before
    assert members(group)[0] == world.city_person
    assert Person.objects.unrestricted().filter(name="何成斌").count() == 1


def test_dry_run_reports_and_writes_nothing(seed_group):
    before = snapshot()
    report = import_roster(xlsx(SEED_ROWS), group=seed_group, dry_run=True)
    assert report.ok
    assert not report.applied
    assert len(report.created) == 8
    assert report.members_added == 8
    assert snapshot() == before
    assert import_count() == 0


# Layouts people make ----------------------------------------------------------------------------


def test_columns_in_any_order_extra_column_ignored_full_width_and_many_honours(seed_group):
    headers = ["姓  名", "联系电话", "性别", "民族", "备注", "获得荣誉", "工作单位及职务"]
    rows = [
        [
            "王 建 军",
            "１３９０９５４０１０１",
            "男",
            "回族",
            "２０２３年新增",
            "2019年自治区劳动模范、全国五一劳动奖章，市先进工作者；2015年度自治区先进工作者",
            "固原市供电公司（变电运维）高级技师",
        ],
        ["李秀兰", "139 0954 0102", "女性", "汉族", "", "", "原州区人民医院"],
    ]
    report = import_roster(xlsx(rows, title=None, headers=headers), group=seed_group)

    assert report.ok, [str(e) for e in report.errors]
    assert len(report.warnings) == 1
    assert "D列" in report.warnings[0]
    assert "民族" in report.warnings[0]
    assert "已忽略" in report.warnings[0]
    wang, li = members(seed_group)
    assert (wang.name, wang.phone, wang.gender, wang.ethnicity) == (
        "王建军",
        "13909540101",
        "男",
        "",
    )
    assert wang.unit == "固原市供电公司（变电运维）高级技师"  # Chinese punctuation kept as typed
    assert wang.note == "2023年新增"
    assert list(wang.honours.order_by("id").values_list("year", "title", "level")) == [
        (2019, "自治区劳动模范", "regional"),
        (None, "全国五一劳动奖章", "national"),
        (None, "市先进工作者", "city"),
        (2015, "自治区先进工作者", "regional"),
    ]
    assert (li.name, li.phone, li.gender, li.honours.count()) == ("李秀兰", "13909540102", "女", 0)


@pytest.mark.parametrize("phone", [13909540101, 13909540101.0])
def test_phone_as_a_number_cell(seed_group, phone):
    report = import_roster(xlsx([[1, "王建军", "男", "单位", "", phone, ""]]), group=seed_group)
    assert report.ok, [str(e) for e in report.errors]
    assert members(seed_group)[0].phone == "13909540101"


def test_header_aliases_and_blank_rows_above_the_title(seed_group):
    rows = [[None], [None], [TITLE], ["编号", "名字", "性别", "单位", "荣誉", "手机号", "备注"]]
    rows += [[1, "王建军", "男", "单位", "", "13909540101", ""], [None], [2, "李秀兰", "男"]]
    rows += [[3, "张志强", "男", "单位", "", "1390954", ""]]
    report = import_roster(xlsx(rows, title=None, headers=None), group=seed_group)
    assert not report.ok
    # Rows keep the numbers Excel shows, blank rows and all.
    assert [(e.row, e.column) for e in report.errors] == [(8, "F列（联系电话）")]


def test_roster_without_phone_column_imports(seed_group):
    report = import_roster(
        csv_bytes([["王建军", "男"]], title=None, headers=["姓名", "性别"]), group=seed_group
    )
    assert report.ok, [str(e) for e in report.errors]
    assert members(seed_group)[0].phone == ""


def test_header_without_gender_is_refused(seed_group):
    report = import_roster(csv_bytes([["王建军", "x"]], headers=["姓名", "单位"]), group=seed_group)
    assert not report.ok
    assert "缺少必需的列" in report.errors[0].message
    assert "性别" in report.errors[0].message


def test_file_without_header_is_refused(seed_group):
    report = import_roster(csv_bytes([["a", "b"]], headers=["甲", "乙"]), group=seed_group)
    assert not report.ok
    assert "未找到表头" in report.errors[0].message


# All or nothing --------------------------------------------------------------------------------


def _bad_rows(world):
    a = world.a.person
    return [
        [1, a.name, "男", "改过的单位", "", a.phone, ""],  # row 3: good, would update
        [2, "王建军", "男", "单位", "", "1234567", ""],  # row 4: bad phone
        [3, "李秀兰", "未知", "单位", "", "13909549999", ""],  # row 5: bad gender
        [4, "", "男", "单位", "", "13909549998", ""],  # row 6: empty name
        [5, "张志强", "男", "单位", "", "13909549997", ""],  # row 7: good
        [6, "张志强", "男", "单位", "", "13909549997", ""],  # row 8: same as row 7
        [7, "马玉梅", "女", "单" * 201, "", "13909549996", ""],  # row 9: unit too long
        [8, "刘文华", "女", "单位", "", "13909549995", "备" * 201],  # row 10: note too long
        [9, "杨海燕", "女", "单位", "荣" * 101, "13909549994", ""],  # row 11: honour too long
        [10, "杨海燕", "女", "单位", "", "13909549993", ""],  # row 12: good
    ]


EXPECTED_BAD = [
    (4, "F列（联系电话）", "1234567"),
    (5, "C列（性别）", "未知"),
    (6, "B列（姓名）", "姓名不能为空"),
    (8, "B列（姓名）", "第7行"),
    (9, "D列（工作单位及职务）", "200"),
    (10, "G列（备注）", "200"),
    (11, "E列（获得荣誉）", "100"),
]


def test_any_bad_row_and_nothing_is_written(world):
    before = snapshot()
    report = import_roster(xlsx(_bad_rows(world)), group=world.a.group)

    assert not report.ok
    assert not report.applied
    assert snapshot() == before
    assert import_count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(r, c) for r, c, _m in EXPECTED_BAD]
    for error, (row, column, fragment) in zip(report.errors, EXPECTED_BAD, strict=True):
        assert fragment in error.message
        assert CJK.search(error.message)
        assert str(error).startswith(f"第{row}行 {column}：")


def test_bad_rows_in_csv_name_the_line_and_column(world):
    report = import_roster(csv_bytes(_bad_rows(world)), group=world.a.group)
    assert [(e.row, e.column) for e in report.errors][:2] == [
        (4, "第6列（联系电话）"),
        (5, "第3列（性别）"),
    ]


def _main(monkeypatch):
    """The real `laomo` console entry point. Django closes every connection when a command ends;
    that would end the test's own transaction on PostgreSQL, so it is left open here."""
    from laomo.__main__ import main

    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    return main


def test_cli_exits_non_zero_and_prints_every_bad_row(world, tmp_path, capsys, monkeypatch):
    main = _main(monkeypatch)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(_bad_rows(world)))
    before = snapshot()

    with pytest.raises(SystemExit) as exit_info:
        main(["laomo", "import-roster", str(path), "--group", world.a.group.name])

    assert exit_info.value.code not in (0, None)
    err = capsys.readouterr().err
    for row, column, fragment in EXPECTED_BAD:
        line = next(line for line in err.splitlines() if line.startswith(f"第{row}行 {column}："))
        assert fragment in line
    assert "未导入任何数据" in err
    assert snapshot() == before


def test_cli_reports_file_errors(world, tmp_path, capsys, monkeypatch):
    main = _main(monkeypatch)

    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        main(["laomo", "import-roster", str(path), "--group", world.a.group.name])
    assert exit_info.value.code == 1
    assert "0字节" in capsys.readouterr().err


# Matching ---------------------------------------------------------------------------------------


def test_person_without_phone_matched_by_name_within_region(world):
    existing = PersonFactory(name="王建军", region=world.a.region, phone="", unit="旧单位")
    PersonFactory(name="王建军", region=world.b.region, phone="")  # another county: not a match
    rows = [[1, "王建军", "男", "新单位", "自治区劳动模范", "", ""]]

    report = import_roster(xlsx(rows), group=world.a.group)

    assert report.ok, [str(e) for e in report.errors]
    assert report.updated == ["王建军"]
    assert report.created == []
    existing.refresh_from_db()
    assert existing.unit == "新单位"
    assert existing.honours.get().title == "自治区劳动模范"
    assert world.a.group.memberships.filter(person=existing).exists()
    assert Person.history.filter(id=existing.pk).count() == 2


def test_two_people_of_the_same_name_need_a_phone(world):
    PersonFactory(name="王建军", region=world.a.region, phone="")
    PersonFactory(name="王建军", region=world.a.region, phone="")
    before = snapshot()

    report = import_roster(xlsx([[1, "王建军", "男", "单位", "", "", ""]]), group=world.a.group)

    assert not report.ok
    (error,) = report.errors
    assert error.row == 3
    assert "请填写联系电话" in error.message
    assert "2位同名" in error.message
    assert snapshot() == before


def test_two_rows_that_are_the_same_person_are_an_error_not_a_crash(world):
    """One row names him by phone, the next by name alone: both are world.a.person."""
    a = world.a.person
    a.phone = ""
    a.save()
    rows = [[1, a.name, "男", "单位", "", "13909541111", ""], [2, a.name, "男", "单位", "", "", ""]]
    group = LectureGroupFactory(region=world.a.region)
    before = snapshot()

    report = import_roster(xlsx(rows), group=group)

    assert not report.ok
    assert [e.row for e in report.errors] == [4]
    assert "第3行" in report.errors[0].message
    assert snapshot() == before


def test_person_with_unnormalised_phone_on_record_is_still_matched(world):
    a = world.a.person
    Person.objects.unrestricted().filter(pk=a.pk).update(phone="139-0954-0001")
    report = import_roster(
        xlsx([[1, a.name, "男", "", "", "13909540001", ""]]), group=a.memberships.get().group
    )
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == []


def test_member_without_phone_of_another_region_round_trips(world):
    """A county person without a phone in the city group: export then import changes nothing."""
    person = PersonFactory(name="马金国", region=world.a.region, phone="", unit="寨科乡")
    MembershipFactory(group=world.city_group, person=person, position=2)
    before = snapshot()
    report = import_roster(RosterExporter(world.city_group).render(), group=world.city_group)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == []
    assert snapshot() == before


def test_county_scope_never_matches_or_changes_another_county(world):
    b = world.b.person
    HonourFactory(person=b, title="市先进工作者", level="city")
    scope = Scope.for_user(world.user("county_union_a"))
    rows = [
        [1, b.name, "女", "改写的单位", "全国劳动模范", b.phone, "改写"],
        [2, world.b.person.name + "二", "男", "单位", "", "", ""],
    ]
    before_b = list(Person.objects.unrestricted().filter(pk=b.pk).values())
    b_honours = list(b.honours.values())
    b_history = Person.history.filter(id=b.pk).count()

    report = import_roster(
        xlsx(rows),
        group=world.a.group,
        scope=scope,
        acting_user=world.user("county_union_a"),
    )

    assert report.ok, [str(e) for e in report.errors]
    assert sorted(report.created) == sorted([b.name, b.name + "二"])
    assert list(Person.objects.unrestricted().filter(pk=b.pk).values()) == before_b
    assert list(b.honours.values()) == b_honours
    assert Person.history.filter(id=b.pk).count() == b_history
    twin = Person.objects.unrestricted().get(name=b.name, region=world.a.region)
    assert twin.phone == b.phone
    assert twin.honours.get().title == "全国劳动模范"
    assert not world.b.group.memberships.exclude(person=b).exists()
    assert not Membership.objects.filter(person=b, group=world.a.group).exists()


def test_city_scope_does_match_across_counties(world):
    """The control for the test above: the same row from the city matches B's person."""
    b = world.b.person
    report = import_roster(
        xlsx([[1, b.name, "男", b.unit, "", b.phone, ""]]),
        group=world.city_group,
        scope=Scope.for_user(world.user("city_union")),
    )
    assert report.ok
    assert report.created == []
    assert world.city_group.memberships.filter(person=b).exists()


def test_county_scope_may_not_import_into_another_countys_group(world):
    before = snapshot()
    for group, region in ((world.b.group, None), (None, world.b.region), (world.city_group, None)):
        report = import_roster(
            xlsx(SEED_ROWS),
            group=group,
            region=region,
            scope=Scope.for_user(world.user("county_union_a")),
        )
        assert not report.ok
        assert "无权" in report.errors[0].message
    assert snapshot() == before


@pytest.mark.parametrize("who", ["school_a", "lecturer_a", "reviewer"])
def test_roles_without_import_permission_are_refused(world, who):
    before = snapshot()
    report = import_roster(
        xlsx([[1, "王建军", "男", "单位", "", "", ""]]),
        group=world.a.group,
        scope=Scope.for_user(world.user(who)),
    )
    assert not report.ok
    assert "无权" in report.errors[0].message
    assert snapshot() == before


def test_import_without_group_or_region_is_refused(city):
    report = import_roster(xlsx(SEED_ROWS))
    assert not report.ok
    assert "区划" in report.errors[0].message


def test_honour_year_outside_what_the_register_holds_is_a_row_error(seed_group):
    rows = [[1, "王建军", "男", "单位", "1949年全国劳动模范、先进工作者", "13909540101", ""]]
    report = import_roster(xlsx(rows), group=seed_group)
    assert [(e.row, e.column) for e in report.errors] == [(3, "E列（获得荣誉）")]
    assert "1950" in report.errors[0].message
    assert not Honour.objects.exists()
