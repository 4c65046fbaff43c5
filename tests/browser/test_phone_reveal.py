"""Phone numbers are masked; 查看 (HTMX) shows one in full and leaves an audit entry."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CITY_GROUP = "固原市“劳模工匠进校园”行动宣讲团"


def reveals_of(person):
    from laomo.audit.models import AuditEntry

    return AuditEntry.objects.unrestricted().filter(
        action="reveal_phone", object_type="people.person", object_id=str(person.pk)
    )


def test_reveal_a_phone_on_the_person_page(demo, desktop):
    from laomo.people.models import Person

    person = Person.objects.unrestricted().get(name="何成斌")
    desktop.login("city-union")
    desktop.go(person.get_absolute_url())
    phone = desktop.page.locator(f"#phone-{person.pk}")
    assert "139****0101" in phone.inner_text()
    assert "13909540101" not in desktop.page.content()
    assert not reveals_of(person).exists()
    desktop.shot("phone-01-person-masked")

    url_before = desktop.page.url
    with desktop.page.expect_response(lambda r: r.url.endswith(f"/people/{person.pk}/phone/")):
        phone.get_by_role("button", name="查看").click()
    revealed = desktop.page.locator(".lm-phone", has_text="13909540101")
    revealed.wait_for()
    assert desktop.page.url == url_before, "revealed in place, without leaving the page"
    assert desktop.page.locator(f"#phone-{person.pk}").count() == 0
    desktop.assert_healthy()
    desktop.shot("phone-02-person-revealed")

    entry = reveals_of(person).get()
    assert entry.actor.username == "city-union"
    assert entry.object_repr == "何成斌"

    desktop.go(f"/people/{person.pk}/history/")
    assert "查看完整电话" in desktop.text()
    desktop.shot("phone-03-person-history")


def test_reveal_a_phone_on_a_group_roster(demo, desktop):
    from laomo.people.models import LectureGroup, Person

    group = LectureGroup.objects.unrestricted().get(name=CITY_GROUP)
    person = Person.objects.unrestricted().get(name="伏璧辉")
    desktop.login("city-union")
    desktop.go(group.get_absolute_url())
    row = desktop.page.locator("main table tbody tr", has_text="伏璧辉")
    assert "139****0102" in row.inner_text()
    desktop.shot("phone-04-group-masked")
    row.get_by_role("button", name="查看").click()
    row.locator(".lm-phone", has_text="13909540102").wait_for()
    desktop.assert_healthy()
    other = desktop.page.locator("main table tbody tr", has_text="何成斌")
    assert "139****0101" in other.inner_text(), "only the one number asked for is shown"
    desktop.shot("phone-05-group-revealed")
    assert reveals_of(person).count() == 1

    desktop.go("/audit/")
    first = desktop.page.locator("main table tbody tr").first.inner_text()
    assert "查看完整电话" in first
    assert "伏璧辉" in first
    desktop.shot("phone-06-audit-log")
