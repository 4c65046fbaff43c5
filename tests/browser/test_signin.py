"""Signing in on a phone with a second factor, and what five wrong passwords lead to."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest

pytestmark = pytest.mark.browser


def _code(secret: str, steps_ahead: int = 0) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(b32decode(secret.replace(" ", "")))  # 20 bytes: 32 characters, no padding
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_second_factor_set_up_and_used_on_a_phone(demo, phone):
    phone.login("city-union")
    phone.go("/account/password/")
    with phone.page.expect_navigation():
        phone.page.get_by_role("link", name="两步验证（动态口令）设置").tap()
    phone.assert_fits("two-factor set-up")
    phone.shot("two-factor-setup")
    assert phone.page.get_by_alt_text("动态口令设置二维码").is_visible()
    secret = phone.page.locator("code.user-select-all").inner_text()

    phone.page.get_by_label("动态口令").fill(_code(secret))
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="确认启用").tap()
    assert "已启用动态口令" in phone.text()

    phone.page.context.clear_cookies()
    phone.go("/login/")
    phone.page.get_by_label("用户名").fill("city-union")
    phone.page.get_by_label("密码").fill("Laomo@2026")
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="登录").tap()
    assert phone.page.url.endswith("/login/code/")
    phone.assert_fits("code page")
    phone.shot("login-code")
    phone.page.get_by_label("动态口令").fill(_code(secret, steps_ahead=1))
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="登录").tap()
    phone.assert_healthy()
    assert not phone.page.url.rstrip("/").endswith(("/login", "/login/code"))
    assert "退出" in phone.page.content()


def test_five_wrong_passwords_show_the_lockout_page(demo, desktop):
    for attempt in range(5):
        desktop.go("/login/")
        desktop.page.get_by_label("用户名").fill("yuanzhou-union")
        desktop.page.get_by_label("密码").fill(f"Wrong#{attempt}pass")
        with desktop.page.expect_navigation():
            desktop.page.get_by_role("button", name="登录").click()
    assert "该账号或您当前的网络地址已被锁定30分钟" in desktop.text()
    desktop.shot("locked-out")
