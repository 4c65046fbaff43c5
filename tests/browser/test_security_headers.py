"""Pages that are not the app's own templates also run under the Content-Security-Policy: the
API's interactive documentation (Swagger UI, served locally by django-ninja) and Django's admin.
Every visit fails on any refusal the browser reports (see conftest.Visit.assert_healthy)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_api_docs_render_under_the_policy(demo, desktop):
    desktop.login("city-union")
    desktop.go("/api/v1/docs")
    desktop.page.locator(".swagger-ui .info").wait_for()
    desktop.page.locator(".opblock").first.wait_for()
    desktop.assert_healthy()
    desktop.shot("api-docs")


def test_admin_works_under_the_policy(demo, desktop):
    from django.utils import timezone

    from laomo.accounts.models import User

    # Its own password, just set (an administrator's would have to be changed first).
    User.objects.create_superuser(
        "root", password="Root@2026-admin", password_changed_at=timezone.now()
    )
    # The admin's own sign-in form leads to the site's (no way around the second factor).
    desktop.go("/admin/login/")
    desktop.page.get_by_label("用户名").fill("root")
    desktop.page.get_by_label("密码").fill("Root@2026-admin")
    with desktop.page.expect_navigation():
        desktop.page.locator("form [type=submit]").first.click()
    desktop.go("/admin/accounts/user/")
    desktop.page.locator("#result_list").wait_for()
    desktop.assert_healthy()
    desktop.shot("admin-users")
