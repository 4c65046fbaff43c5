"""Production hardening: `laomo check --deploy` is clean under the documented production
environment, every response carries the security headers, no page needs inline script (the
Content-Security-Policy forbids it), and error pages show no traceback."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "laomo" / "templates"
# Rendered to PDF by WeasyPrint, never served to a browser.
PRINT_TEMPLATES = ("outreach/documents/",)


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment README's deployment section sets (behind nginx, with TLS)."""
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (Playwright's loop), never production's.
        if key
        not in {
            "DEBUG",
            "HTTPS",
            "ALLOWED_HOSTS",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="laomo.settings",
        LAOMO_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        HTTPS="1",
        ALLOWED_HOSTS="laomo.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://laomo.example.gov.cn",
        LAOMO_TRUSTED_PROXY="1",
    )
    env.update(overrides)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # A separate process: the settings are read from the environment when they are imported.
    return subprocess.run(
        [sys.executable, "-m", "laomo", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = check_deploy(production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_does_fail_on_a_development_setting(tmp_path):
    result = check_deploy(production_environment(tmp_path, DEBUG="1"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_the_silenced_check_is_only_the_preload_list():
    # Each silenced check needs its reason beside it in settings.py.
    assert settings.SILENCED_SYSTEM_CHECKS == ["security.W021"]


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().partition(" ")[::2] for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-eval" not in csp
    assert "http:" not in csp
    assert "https:" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_security_headers(world, login):
    anonymous = Client()
    assert_security_headers(anonymous.get("/login/"))
    assert_security_headers(anonymous.get("/healthz"))
    client = login(world.user("city_union"))
    assert_security_headers(client.get("/"))
    assert_security_headers(client.get("/people/?export=xlsx"))
    assert_security_headers(client.get("/no-such-page/"))
    assert_security_headers(client.get("/api/v1/regions"))


def _served_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not name.startswith(PRINT_TEMPLATES):
            yield name, path.read_text()


def test_no_page_template_has_inline_script_or_style_elements():
    """The policy allows scripts and style sheets from the site only; a template that needs
    inline code would break in the browser (and the browser tests fail on any refusal)."""
    problems = []
    for name, text in _served_templates():
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                problems.append(f"{name}: inline {tag}")
        problems += [f"{name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        problems += [f"{name}: javascript: URL" for _ in re.findall(r"javascript:", text)]
        problems += [f"{name}: <style> element" for _ in re.findall(r"<style\b", text)]
    assert not problems


@pytest.mark.django_db
def test_a_server_error_shows_the_plain_page_without_traceback(world, login, monkeypatch):
    from laomo.core import views

    def fail(self, request):
        raise RuntimeError("数据库密码是 hunter2")

    monkeypatch.setattr(views.HomeView, "get", fail)
    client = login(world.user("city_union"))
    client.raise_request_exception = False
    assert settings.DEBUG is False
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时出错" in body
    assert "hunter2" not in body
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    assert_security_headers(response)


@pytest.mark.django_db
def test_not_found_shows_the_plain_page_without_the_url_list(world, login):
    response = login(world.user("city_union")).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "未找到该页面" in body
    assert "URLconf" not in body
    assert "laomo.urls" not in body
