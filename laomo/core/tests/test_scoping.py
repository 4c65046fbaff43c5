"""The scoping mechanism itself: restrict(), 404s, and the backstop that makes forgetting loud."""

import pytest
from django.http import Http404

from laomo.core.scoping import (
    CHANGE,
    Scope,
    UnscopedQueryError,
    enforcing_scopes,
    get_object_for_scope,
)
from laomo.people.models import LectureGroup, Person
from laomo.regions.models import Region
from laomo.schools.models import School


def scope_of(user):
    return Scope.for_user(user)


def test_county_scope_sees_only_its_county(world):
    scope = scope_of(world.user("county_union_a"))
    people = set(Person.objects.restrict(scope))
    assert people == {world.a.person}
    assert set(School.objects.restrict(scope)) == {world.a.school, world.a.other_school}
    assert set(LectureGroup.objects.restrict(scope)) == {world.a.group}
    assert set(Region.objects.restrict(scope)) == {world.a.region}


def test_city_scope_sees_the_whole_city(world):
    scope = scope_of(world.user("city_union"))
    assert set(Person.objects.restrict(scope)) == {
        world.a.person,
        world.b.person,
        world.city_person,
    }
    assert Region.objects.restrict(scope).count() == 4  # the city, two counties, the zone


def test_school_and_lecturer_scopes(world):
    school = scope_of(world.user("school_a"))
    assert set(School.objects.restrict(school)) == {world.a.school}
    assert not Person.objects.restrict(school).exists()
    lecturer = scope_of(world.user("lecturer_a"))
    assert set(Person.objects.restrict(lecturer)) == {world.a.person}
    assert set(Person.objects.restrict(lecturer, CHANGE)) == {world.a.person}
    assert set(LectureGroup.objects.restrict(lecturer)) == {world.a.group}
    assert not School.objects.restrict(lecturer).exists()


def test_reviewer_and_anonymous_see_nothing(world):
    for scope in (scope_of(world.user("reviewer")), Scope()):
        assert not Person.objects.restrict(scope).exists()
        assert not School.objects.restrict(scope).exists()
        assert not LectureGroup.objects.restrict(scope).exists()
        assert not Region.objects.restrict(scope).exists()


def test_union_may_not_change_schools_but_education_may(world):
    union = scope_of(world.user("county_union_a"))
    education = scope_of(world.user("county_education_a"))
    assert not School.objects.restrict(union, CHANGE).exists()
    assert set(School.objects.restrict(education, CHANGE)) == {world.a.school, world.a.other_school}


def test_get_object_for_scope_answers_404_for_other_county_and_for_nonexistent(world):
    scope = scope_of(world.user("county_union_a"))
    assert get_object_for_scope(Person.objects, scope, pk=world.a.person.pk) == world.a.person
    with pytest.raises(Http404):
        get_object_for_scope(Person.objects, scope, pk=world.b.person.pk)
    with pytest.raises(Http404):
        get_object_for_scope(Person.objects, scope, pk=999_999)
    with pytest.raises(Http404):
        get_object_for_scope(Person.objects, scope, pk="not-a-number")


def test_backstop_raises_on_unrestricted_reads_during_a_request(world):
    scope = scope_of(world.user("city_union"))
    with enforcing_scopes():
        with pytest.raises(UnscopedQueryError):
            list(Person.objects.all())
        with pytest.raises(UnscopedQueryError):
            Person.objects.filter(name="x").count()
        with pytest.raises(UnscopedQueryError):
            Person.objects.exists()
        assert Person.objects.restrict(scope).filter(name=world.a.person.name).count() == 1
        assert Person.objects.unrestricted().count() == 3
        # restrict() survives further chaining
        assert list(Person.objects.restrict(scope).order_by("name").values_list("pk", flat=True))


def test_backstop_is_off_outside_requests(world):
    assert Person.objects.count() == 3
