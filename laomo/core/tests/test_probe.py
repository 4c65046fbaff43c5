"""The scope probe (`laomo probe-scope`, `laomo.core.probe`): every role asks every URL that
names an object, and every API operation, about another city's and a sibling county's objects;
all are refused, nothing is written, and a leak, a write or a new page would be seen."""

import io
import sys
import types

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.urls import path

from laomo import urls as laomo_urls
from laomo.core import probe
from laomo.core.roles import CITY_ROLES, Role
from laomo.people.models import Person


def test_every_role_is_refused_everywhere_and_nothing_is_written(db):
    figures, problems, targets = probe.run_probe()
    assert not problems, problems
    assert [f.role for f in figures] == list(Role.values)
    # Every URL pattern with an object id, and every API operation naming one, was asked.
    routes = [r for r in probe.url_routes() if r[2]]
    assert len(routes) >= 60
    assert targets >= len(routes)
    for f in figures:
        places = 1 if f.role in CITY_ROLES else 2
        assert f.requests == targets * places, f.role
        assert (f.leaks, f.errors, f.writes, f.unexpected) == (0, 0, 0, 0), f.problems
        assert f.statuses[404] >= len(routes), f.role
        # Every list, search and API list, with its filters set to outside objects.
        assert f.lists == len(probe.list_targets()) * places >= 40, f.role
    # Control: the sibling county is the city's to see, and the same ids reach its objects.
    for f in figures:
        if f.role in CITY_ROLES:
            assert f.controls >= 30, f.role
    text = probe.table(figures)
    assert "泄露" in text
    assert "合计" in text


def test_the_outside_objects_share_their_places_id(db):
    """What makes the probe independent of what each URL argument names."""
    with probe.probe_settings():
        world = probe.build_world()
    for side in world.sides.values():
        assert {obj.pk for obj in side.objects.values()} == {side.pk}
        assert len(side.objects) >= 12
    assert world.sides[probe.OTHER_CITY].objects["region"].parent.code == "990200"
    assert world.sides[probe.SIBLING].objects["region"].parent == world.home_city


def _leaky(request, pk):
    """A page that forgot its scope: shows any model worker."""
    return HttpResponse(Person.objects.unrestricted().get(pk=pk).name)


def _writer(request, pk):
    """A page that writes before it refuses."""
    Person.objects.unrestricted().filter(pk=pk).update(note="探查")
    raise Http404


def test_a_new_leaking_or_writing_page_is_caught(db, settings):
    """URLs are taken from the resolver: a page added without anyone telling the probe is asked
    too, and its leak and its write are counted."""
    urlconf = types.ModuleType("laomo_probe_test_urls")
    urlconf.urlpatterns = [
        *laomo_urls.urlpatterns,
        path("people/<int:pk>/leaky/", _leaky, name="probe-leaky"),
        path("people/<int:pk>/writer/", _writer, name="probe-writer"),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        settings.ROOT_URLCONF = urlconf.__name__
        figures, _problems, _targets = probe.run_probe(["county_union"], lists=False)
    finally:
        del sys.modules[urlconf.__name__]
    [f] = figures
    # GET and POST of each new page, about each of the two outside counties.
    assert f.leaks == 4
    assert f.writes == 4
    assert f.errors == 0
    leaks = [line for line in f.problems if "范围以外的对象未被拒绝" in line]
    assert all("/leaky/" in line for line in leaks)
    assert {line.split("：")[0].split(" ")[1] for line in leaks} == {
        f"/people/{probe.FOREIGN_ID}/leaky/（外市）",
        f"/people/{probe.FOREIGN_ID + 1}/leaky/（邻县）",
    }
    assert all("/writer/" in line for line in f.problems if "数据库有改动" in line)


def _telling(request, pk):
    """A page that refuses, naming whose record it refused."""
    person = Person.objects.unrestricted().filter(pk=pk).first()
    return HttpResponseNotFound(f"没有权限查看{person.name if person else ''}")


def test_a_refusal_naming_the_object_is_a_leak(db, settings):
    """A 404 that says whose record it refused still tells."""
    urlconf = types.ModuleType("laomo_probe_telling_urls")
    urlconf.urlpatterns = [
        *laomo_urls.urlpatterns,
        path("people/<int:pk>/telling/", _telling, name="probe-telling"),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        settings.ROOT_URLCONF = urlconf.__name__
        figures, _problems, _targets = probe.run_probe(["reviewer"], lists=False)
    finally:
        del sys.modules[urlconf.__name__]
    [f] = figures
    assert f.leaks == 4
    assert all("/telling/" in line and "拒绝时显示了" in line for line in f.problems)


def _everyone(request):
    """A list that forgot its scope. (Schools: the probe searches lists for an outside model
    worker's name, and a search box shows what was typed, so a model worker's name alone in a
    list answering that search does not count; a school's does.)"""
    from laomo.schools.models import School

    return HttpResponse("、".join(School.objects.unrestricted().values_list("name", flat=True)))


def test_a_new_list_showing_outside_objects_is_caught(db, settings):
    urlconf = types.ModuleType("laomo_probe_list_urls")
    urlconf.urlpatterns = [
        *laomo_urls.urlpatterns,
        path("schools/everyone/", _everyone, name="probe-everyone"),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        settings.ROOT_URLCONF = urlconf.__name__
        figures, _problems, _targets = probe.run_probe(["county_education"])
    finally:
        del sys.modules[urlconf.__name__]
    [f] = figures
    assert f.leaks == 2  # about the other city's county and the sibling county
    assert all("/schools/everyone/" in line and "列表显示了" in line for line in f.problems)


def test_the_command_prints_the_figures(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("probe_scope", "--here", "--role", "reviewer", stdout=out, stderr=err)
    text = out.getvalue()
    assert "评审专家（reviewer）" in text
    assert "没有泄露、没有 500、没有写入" in text
    assert err.getvalue() == ""


def test_the_command_fails_on_a_leak(db, settings):
    urlconf = types.ModuleType("laomo_probe_command_urls")
    urlconf.urlpatterns = [
        *laomo_urls.urlpatterns,
        path("people/<int:pk>/leaky/", _leaky, name="probe-leaky"),
    ]
    sys.modules[urlconf.__name__] = urlconf
    try:
        settings.ROOT_URLCONF = urlconf.__name__
        err = io.StringIO()
        with pytest.raises(CommandError, match="区划隔离探查发现 4 个问题"):
            call_command(
                "probe_scope", "--here", "--role", "school", stdout=io.StringIO(), stderr=err
            )
    finally:
        del sys.modules[urlconf.__name__]
    assert "/leaky/" in err.getvalue()
