"""User names without regard to case: `SEC-CASE` and `sec-case` are one account. Neither the
database, the admin nor `laomo create-user` lets both exist; either signs in; and failures under
either count towards the one lockout."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.forms import modelform_factory
from django.test import Client

from laomo.accounts.forms import AdminUserCreationForm
from laomo.accounts.models import User
from laomo.core.roles import Role
from laomo.core.testing.factories import PASSWORD, UserFactory

WRONG = "Wrong#2026pw"


@pytest.fixture
def officer(db):
    return UserFactory(username="SEC-CASE", role=Role.REVIEWER)


def _post_login(username, password, ip):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    return client, response


def test_two_names_differing_only_in_case_cannot_both_exist(officer):
    twin = User(username="sec-case", role=Role.REVIEWER)
    with pytest.raises(ValidationError) as caught:
        twin.full_clean(exclude=["password"])
    assert "已有只差大小写的同名账号" in str(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="sec-case", role=Role.REVIEWER)
    assert User.objects.filter(username__iexact="sec-case").count() == 1


@pytest.mark.parametrize("typed", ["SEC-CASE", "sec-case", "Sec-Case"])
def test_either_case_signs_in_to_the_one_account(officer, typed):
    client, response = _post_login(typed, PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_failures_under_either_case_share_one_lockout(officer):
    """Five failures, alternating the case, each from another address (so that no address is
    locked): the account is locked, whichever case comes next."""
    for number, typed in enumerate(["SEC-CASE", "sec-case", "Sec-Case", "sec-CASE"], start=1):
        assert _post_login(typed, WRONG, f"10.0.1.{number}")[1].status_code == 200
    assert _post_login("sec-case", WRONG, "10.0.1.5")[1].status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"sec-case"}
    for typed in ("SEC-CASE", "sec-case"):
        client, response = _post_login(typed, PASSWORD, "10.0.2.1")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session


def test_create_user_refuses_a_name_differing_only_in_case(officer):
    with pytest.raises(CommandError, match="已有账号 SEC-CASE，与 sec-case 只差大小写"):
        call_command(
            "create_user", "sec-case", "--role", Role.REVIEWER, "--password", "Gy-lecture@2026"
        )
    assert list(User.objects.values_list("username", flat=True)) == ["SEC-CASE"]
    # The name as it is updates the account.
    call_command(
        "create_user",
        "SEC-CASE",
        "--role",
        Role.REVIEWER,
        "--password",
        "Gy-lecture@2026",
        "--name",
        "安全员",
        stdout=io.StringIO(),
    )
    assert User.objects.get().display_name == "安全员"


def test_the_admin_refuses_a_name_differing_only_in_case(officer):
    # As the admin builds it: the form's model is the project's user.
    form_class = modelform_factory(User, form=AdminUserCreationForm, fields=("username",))
    form = form_class(
        data={
            "username": "Sec-Case",
            "password1": "Gy-lecture@2026",
            "password2": "Gy-lecture@2026",
            "usable_password": "true",
        }
    )
    assert not form.is_valid()
    assert form.errors["username"] == ["已有账号 SEC-CASE：用户名不区分大小写，请换一个。"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_existing_names_differing_only_in_case():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0004_api_token_expiry")]
    latest = executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            for name in ("Wang", "wang"):
                cursor.execute(
                    "INSERT INTO accounts_user (password, is_superuser, username, first_name,"
                    " last_name, email, is_staff, is_active, date_joined, role, display_name,"
                    " must_change_password) VALUES ('', %s, %s, '', '', '', %s, %s,"
                    " CURRENT_TIMESTAMP, '', '', %s)",
                    [False, name, False, True, False],
                )
        executor = MigrationExecutor(connection)
        with pytest.raises(RuntimeError, match="只差大小写：Wang、wang"):
            executor.migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_user WHERE username = 'wang'")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.filter(username__iexact="WANG").count() == 1
