"""Full phone numbers in bulk (等保2.0 个人信息保护): the roster is exported with masked numbers
unless full ones are asked for on purpose, by a role that may reveal numbers; the audit entry of
a full export names, by id, every person whose number left. A masked roster imports back
unchanged."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from laomo.audit.models import AuditEntry
from laomo.core import roles
from laomo.core.roles import Role
from laomo.core.testing.factories import MembershipFactory, PersonFactory
from laomo.people.models import Person
from laomo.people.roster import import_roster
from laomo.people.tests.rosterfiles import read_xlsx, snapshot, xlsx


def _exports():
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.EXPORT).order_by("id")


@pytest.fixture
def mixed_group(world):
    """County A's group with a member of county B (whom A's officials do not see) and one
    without a phone."""
    group = world.a.group
    MembershipFactory(group=group, person=world.b.person, position=2)
    no_phone = PersonFactory(name="马小红", region=world.a.region, phone="")
    MembershipFactory(group=group, person=no_phone, position=3)
    return group


def test_the_page_exports_masked_numbers_by_default(world, login, mixed_group):
    client = login(world.user("county_union_a"))
    response = client.get(reverse("people:group-roster", args=[mixed_group.pk]))

    assert response.status_code == 200
    rows = read_xlsx(response.content)[2:]
    assert [(row[1], row[5]) for row in rows] == [("原劳模", "139****0001"), ("马小红", None)]
    assert "13909540001" not in str(rows)
    entry = _exports().get()
    assert entry.data["phones"] == "masked"
    assert "people" not in entry.data


def test_full_numbers_on_purpose_name_whose_numbers_left(world, login, mixed_group):
    user = world.user("county_union_a")
    client = login(user)
    page = client.get(mixed_group.get_absolute_url()).content.decode()
    full_url = reverse("people:group-roster", args=[mixed_group.pk]) + "?phones=full"
    assert full_url in page
    assert "导出花名册（含完整电话）" in page

    response = client.get(full_url)

    assert response.status_code == 200
    rows = read_xlsx(response.content)[2:]
    assert [(row[1], row[5]) for row in rows] == [("原劳模", "13909540001"), ("马小红", None)]
    entry = _exports().get()
    assert (entry.actor, entry.object_id) == (user, str(mixed_group.pk))
    # County B's member is not in A's file, and the one without a number gave none away.
    assert entry.data["people"] == [world.a.person.pk]
    assert entry.data["phones"] == "full"
    assert "含完整电话" in entry.data["filename"]


def test_another_county_gets_no_roster_either_way(world, login, mixed_group):
    client = login(world.user("county_union_b"))
    url = reverse("people:group-roster", args=[mixed_group.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?phones=full").status_code == 404
    assert not _exports().exists()


def test_a_role_that_may_not_reveal_numbers_gets_no_full_export(
    world, login, mixed_group, monkeypatch
):
    monkeypatch.setitem(
        roles.PERMISSIONS,
        Role.COUNTY_UNION,
        roles.PERMISSIONS[Role.COUNTY_UNION] - {"people.reveal_phone"},
    )
    client = login(world.user("county_union_a"))
    assert "含完整电话" not in client.get(mixed_group.get_absolute_url()).content.decode()
    url = reverse("people:group-roster", args=[mixed_group.pk])
    assert client.get(url + "?phones=full").status_code == 404
    assert client.get(url).status_code == 200
    assert [entry.data["phones"] for entry in _exports()] == ["masked"]


def test_the_command_masks_unless_asked_and_records_whose_numbers(world, tmp_path, capsys):
    masked, full = tmp_path / "打码.xlsx", tmp_path / "完整.xlsx"
    call_command("export_roster", "--group", world.city_group.name, "-o", str(masked))
    call_command(
        "export_roster", "--group", world.city_group.name, "-o", str(full), "--full-phones"
    )

    out = capsys.readouterr().out
    assert "联系电话已打码" in out
    assert "含完整电话，已逐人记入审计日志" in out
    assert read_xlsx(masked.read_bytes())[2][5] == "183****9051"
    assert read_xlsx(full.read_bytes())[2][5] == "18395069051"
    first, second = _exports()
    assert first.data["phones"] == "masked"
    assert second.data["people"] == [world.city_person.pk]
    assert second.object_id == str(world.city_group.pk)


def test_a_masked_number_that_finds_nobody_or_two_is_refused(world):
    group = world.city_group
    PersonFactory(name="马金莲", region=world.city, phone="15809644500")
    PersonFactory(name="马金莲", region=world.city, phone="15800004500")
    before = snapshot()

    report = import_roster(
        xlsx(
            [
                [1, "何成斌", "男", "测试单位", "", "183****0000", ""],
                [2, "马金莲", "女", "测试单位", "", "158****4500", ""],
            ]
        ),
        group=group,
    )

    assert not report.ok
    messages = [str(problem) for problem in report.errors]
    assert any("“何成斌”的联系电话“183****0000”是打码的号码，系统中没有" in m for m in messages)
    assert any("有2位对得上的同名人员" in m for m in messages)
    assert snapshot() == before


def test_a_masked_number_never_overwrites_the_full_one(world):
    report = import_roster(
        xlsx([[1, "何成斌", "男", "新单位", "", "183****9051", ""]]), group=world.city_group
    )
    assert report.ok, [str(e) for e in report.errors]
    person = Person.objects.unrestricted().get(pk=world.city_person.pk)
    assert (person.phone, person.unit) == ("18395069051", "新单位")
