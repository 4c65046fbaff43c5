"""Exporting the 花名册: the official layout, text that must never become a formula, and a
county that must not see another county's members."""

import io
import zipfile

import openpyxl
import pytest

from laomo.core.exporters import write_cell
from laomo.core.scoping import Scope
from laomo.core.testing.factories import HonourFactory, MembershipFactory, PersonFactory
from laomo.people.roster import RosterExporter, import_roster
from laomo.people.tests.rosterfiles import HEADERS, read_xlsx, snapshot

HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://example.com","点击")',
    "+8613909540101",
    "-5",
    "@SUM(A1:A2)",
    "＝1+1",
    "=cmd|' /C calc'!A0",
]


def _sheet(data):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_export_is_the_official_layout(world):
    person = world.city_person
    HonourFactory(person=person, title="自治区五一劳动奖章", level="regional", year=2019)
    HonourFactory(person=person, title="先进工作者", level="")
    person.note = "宣讲骨干"
    person.post = "副大队长"
    person.save()
    exporter = RosterExporter(world.city_group, full_phones=True)

    rows = read_xlsx(exporter.render())

    assert rows[0][0] == "固原市宣讲团成员花名册"
    assert rows[1] == HEADERS
    assert rows[2] == [
        1,
        "何成斌",
        "男",
        "测试单位副大队长",
        "2019年自治区五一劳动奖章、先进工作者",
        "18395069051",
        "宣讲骨干",
    ]
    assert len(rows) == 3
    assert exporter.row_count == 1
    assert exporter.filename == "固原市宣讲团花名册（含完整电话）.xlsx"
    assert exporter.audit_data() == {"phones": "full", "people": [person.pk]}
    masked = RosterExporter(world.city_group)
    assert read_xlsx(masked.render())[2][5] == "183****9051"
    assert masked.filename == "固原市宣讲团花名册.xlsx"
    assert masked.audit_data() == {"phones": "masked"}
    sheet = _sheet(exporter.render())
    assert "A1:G1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A3"


def test_archived_members_are_not_exported(world):
    from django.utils import timezone

    other = PersonFactory(name="马金莲", region=world.city, phone="15809644500")
    MembershipFactory(group=world.city_group, person=other, position=2)
    other.archived_at = timezone.now()
    other.save()
    rows = read_xlsx(RosterExporter(world.city_group).render())
    assert [row[1] for row in rows[2:]] == ["何成斌"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_written_as_text(world, text):
    person = world.city_person
    person.unit = text
    person.note = text
    person.save()

    data = RosterExporter(world.city_group).render()

    sheet = _sheet(data)
    for column in ("D", "G"):
        cell = sheet[f"{column}3"]
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
        assert cell.value == text
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    assert b"<f " not in xml

    before = snapshot()
    report = import_roster(data, group=world.city_group)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == ([], [], 1)
    assert snapshot() == before


def test_ordinary_text_has_no_quote_prefix():
    sheet = openpyxl.Workbook().active
    assert write_cell(sheet, 1, 1, "固原市").quotePrefix is False
    assert write_cell(sheet, 1, 2, 7).data_type == "n"


def test_control_characters_do_not_break_the_export(world):
    person = world.city_person
    person.note = "备注\x0b含控制符\x01"
    person.save()
    rows = read_xlsx(RosterExporter(world.city_group).render())
    assert rows[2][6] == "备注含控制符"


def test_a_county_exports_only_its_own_people(world):
    """County A's group holds a county B person (added by the city): A's export leaves them out."""
    MembershipFactory(group=world.a.group, person=world.b.person, position=2)

    county = RosterExporter(world.a.group, scope=Scope.for_user(world.user("county_union_a")))
    city = RosterExporter(world.a.group, scope=Scope.for_user(world.user("city_union")))

    assert [row[1] for row in read_xlsx(county.render())[2:]] == [world.a.person.name]
    assert [row[1] for row in read_xlsx(city.render())[2:]] == [
        world.a.person.name,
        world.b.person.name,
    ]
    assert world.b.person.phone not in str(read_xlsx(county.render()))
