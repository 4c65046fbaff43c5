"""本校: a school contact's page of their own school and its talks, in place of the registry."""

from __future__ import annotations

from django.urls import reverse

from laomo.outreach.tests.conftest import plan  # noqa: F401 -- the fixture


def test_a_school_contact_sees_their_school_and_its_talks(world, login, plan):  # noqa: F811
    own = plan(world.user("county_union_a"), title="原州一小的宣讲", school=world.a.school).talk
    plan(
        world.user("county_union_a"),
        title="一中的宣讲",
        school=world.a.other_school,
        hours=(14, 15),
    )
    plan(world.user("county_union_b"), title="西吉的宣讲", lecturers=[world.b.person])
    client = login(world.user("school_a"))
    response = client.get(reverse("schools:my-school"))
    assert response.status_code == 200
    content = response.content.decode()
    assert world.a.school.name in content
    assert [talk.pk for talk in response.context["talks"]] == [own.pk]
    assert "原州一小的宣讲" in content
    assert "一中的宣讲" not in content
    assert "西吉的宣讲" not in content
    # The menu offers 本校, not the registry's school list.
    assert f'href="{reverse("schools:my-school")}">本校</a>' in content
    assert f'href="{reverse("schools:school-list")}"' not in content
    # Any other school is, for them, not there.
    for school in (world.a.other_school, world.b.school):
        response = client.get(reverse("schools:school-detail", args=[school.pk]))
        assert response.status_code == 404
        assert school.name not in response.content.decode()


def test_only_a_school_contact_has_a_school_of_their_own(world, login):
    for key in ("county_union_a", "city_union", "lecturer_a", "reviewer"):
        response = login(world.user(key)).get(reverse("schools:my-school"))
        assert response.status_code == 404


def test_an_official_sees_the_talks_held_at_a_school_of_their_region(world, login, plan):  # noqa: F811
    plan(world.user("county_union_a"), title="原州一小的宣讲", school=world.a.school)
    content = login(world.user("county_union_a")).get(
        reverse("schools:school-detail", args=[world.a.school.pk])
    )
    assert "原州一小的宣讲" in content.content.decode()
    assert 'href="/schools/"' in content.content.decode()
