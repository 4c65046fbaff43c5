"""Every refusal leaves an audit entry (越权访问 and the others), counted per caller and address."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory

from laomo.audit.middleware import RefusalMiddleware
from laomo.audit.models import AuditEntry, Refusal
from laomo.audit.services import record_refusal, verify
from laomo.core import requests
from laomo.core.scoping import Scope, get_object_for_scope
from laomo.people.models import Person


def _denied(**filters):
    return AuditEntry.objects.unrestricted().filter(outcome="denied", **filters)


def test_an_object_outside_the_scope_is_recorded_one_that_does_not_exist_is_not(world, login):
    user = world.user("county_union_a")
    client = login(user)
    other = world.b.person
    assert client.get(other.get_absolute_url()).status_code == 404
    entry = _denied(action=AuditEntry.Action.ACCESS_DENIED).get()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        user,
        "people.person",
        str(other.pk),
    )
    assert entry.data["kind"] == Refusal.SCOPE
    assert entry.data["path"] == other.get_absolute_url()
    # Filed in the caller's county, and naming the other county's person by number only.
    assert entry.region_path == world.a.region.path
    assert other.name not in entry.object_repr
    assert "类别：范围以外的对象" in entry.details
    assert "请求的操作：查看" in entry.details  # not the code's word for it

    missing = Person.objects.unrestricted().order_by("-pk").first().pk + 100
    assert client.get(f"/people/{missing}/").status_code == 404
    assert _denied().count() == 1
    assert entry.window.count == 1  # "does not exist" was not counted either
    assert verify().ok


def test_county_officials_see_their_own_callers_refusals_the_city_sees_all(world, login):
    login(world.user("county_union_a")).get(world.b.person.get_absolute_url())
    Client().logout()
    entry = _denied().get()
    b_client = Client()
    b_client.force_login(world.user("county_union_b"))
    assert entry not in b_client.get("/audit/").context["object_list"]
    city = Client()
    city.force_login(world.user("city_union"))
    found = city.get("/audit/", {"action": "access_denied"}).context["object_list"]
    assert list(found) == [entry]


def test_a_hundred_refusals_in_the_window_leave_one_entry_counting_a_hundred(world):
    user = world.user("county_union_a")
    token = requests._current_ip.set("10.9.8.7")
    try:
        for _ in range(100):
            record_refusal(user, Refusal.SCOPE, obj=world.b.person)
        record_refusal(user, Refusal.UPLOAD, detail="x.svg")  # another kind: its own entry
    finally:
        requests._current_ip.reset(token)
    record_refusal(user, Refusal.SCOPE, obj=world.b.person)  # another address: its own entry
    scope_entries = _denied(action=AuditEntry.Action.ACCESS_DENIED).order_by("pk")
    assert [(e.ip, e.window.count) for e in scope_entries] == [("10.9.8.7", 100), (None, 1)]
    assert _denied(action=AuditEntry.Action.UPLOAD_REFUSED).get().window.count == 1


def test_a_role_without_the_permission_and_a_method_not_allowed_are_recorded(world, login):
    client = login(world.user("school_a"))
    assert client.get("/people/import/").status_code == 404
    permission = _denied().get()
    assert permission.data["kind"] == Refusal.PERMISSION
    assert permission.data["reason"] == "roster.import"
    assert "缺少的权限：导入花名册" in permission.details
    assert client.put(f"/notices/{world.b.person.pk}/").status_code == 405
    method = _denied(data__kind=Refusal.METHOD).get()
    assert method.data["http_method"] == "PUT"


def test_a_forged_form_without_its_csrf_token_is_recorded(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("city_union"))
    assert client.post("/people/import/", {}).status_code == 403
    entry = _denied().get()
    assert entry.data["kind"] == Refusal.PERMISSION
    assert entry.actor == world.user("city_union")


def test_a_refused_roster_names_the_file_and_why(world, login):
    client = login(world.user("county_union_a"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("宏.xlsm", b"")
    response = client.post("/people/import/", {"file": upload, "group": world.a.group.pk})
    assert response.status_code == 400
    entry = _denied(action=AuditEntry.Action.UPLOAD_REFUSED).get()
    assert entry.data["filename"] == "宏.xlsm"
    assert "0字节" in entry.data["reason"]
    assert entry.actor == world.user("county_union_a")


def test_a_refusal_inside_a_transaction_that_rolls_back_is_kept(world):
    """The 404 rolls back the view's transaction; the refusal is written after it."""
    user = world.user("county_union_a")

    def view(request):
        with transaction.atomic():
            get_object_for_scope(Person.objects, Scope.for_user(user), pk=world.b.person.pk)
        return HttpResponse()

    def respond(request):
        try:
            return view(request)
        except Http404:
            return HttpResponse(status=404)

    request = RequestFactory().get("/people/x/")
    request.user = user
    assert RefusalMiddleware(respond)(request).status_code == 404
    assert _denied().get().actor == user


def test_lifting_a_lockout_is_recorded_by_every_command(world):
    call_command("axes_reset_username", "county_union_a")
    call_command("axes_reset_ip", "10.1.1.1")
    call_command("axes_reset_ip_username", "10.1.1.2", "nobody")
    call_command("axes_reset")
    entries = AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.LOCKOUT_RESET)
    assert list(entries.order_by("pk").values_list("object_repr", flat=True)) == [
        "county_union_a",
        "10.1.1.1",
        "nobody",
        "全部账号和地址",
    ]
    first = entries.order_by("pk").first()
    assert first.object_id == str(world.user("county_union_a").pk)
    assert first.actor_name == "命令行"


@pytest.mark.parametrize("bulk", [False, True])
def test_lifting_a_lockout_in_the_admin_is_recorded_with_who_did_it(world, bulk):
    from axes.models import AccessAttempt

    from laomo.core.testing.factories import UserFactory

    attempt = AccessAttempt.objects.create(
        username="county_union_a", ip_address="10.3.3.3", failures_since_start=5
    )
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    if bulk:
        response = client.post(
            "/admin/axes/accessattempt/",
            {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
        )
    else:
        response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.unrestricted().get(action=AuditEntry.Action.LOCKOUT_RESET)
    assert (entry.actor, entry.data["ips"], entry.data["deleted"]) == (root, "10.3.3.3", 1)


def test_the_audit_page_sums_up_the_weeks_refusals_for_the_readers_region(world, login):
    a_user, b_user = world.user("county_union_a"), world.user("county_union_b")
    for _ in range(7):
        record_refusal(a_user, Refusal.SCOPE, obj=world.b.person)
    record_refusal(b_user, Refusal.UPLOAD, detail="x.svg")
    city = login(world.user("city_union")).get("/audit/")
    summary = city.context["refusals"]
    assert summary.total == 8
    assert dict(summary.by_kind) == {"越权访问（范围以外的对象）": 7, "文件被拒绝": 1}
    assert summary.by_actor[0] == (str(a_user), 7)
    assert "近7天的拒绝事件：共8次" in city.content.decode()
    county_a = Client()
    county_a.force_login(a_user)
    assert county_a.get("/audit/").context["refusals"].total == 7  # its own county's only


def test_the_log_shows_how_many_times_a_refusal_came(world, login):
    user = world.user("county_union_a")
    for _ in range(3):
        record_refusal(user, Refusal.SCOPE, obj=world.b.person)
    entry = _denied().get()
    assert "同一时段共3次" in entry.details
    page = login(world.user("city_union")).get("/audit/", {"action": "access_denied"})
    assert "同一时段共3次" in page.content.decode()


def test_every_permission_a_refusal_may_name_has_a_chinese_name():
    from laomo.core.roles import PERMISSION_NAMES, PERMISSIONS

    granted = set().union(*PERMISSIONS.values())
    assert granted <= set(PERMISSION_NAMES)
