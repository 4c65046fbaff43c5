"""Signing in on a phone with a second factor or a recovery code, a city official resetting a
lost one, and what five wrong passwords lead to."""

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
    codes = phone.page.locator("#recovery-codes li")
    assert codes.count() == 10
    assert "只显示这一次" in phone.text()
    phone.assert_fits("recovery codes")
    phone.shot("two-factor-recovery-codes")

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


def test_a_recovery_code_signs_in_and_the_city_resets_a_lost_second_factor(demo, phone, desktop):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from laomo.accounts import services
    from laomo.accounts.models import User

    county = User.objects.get(username="yuanzhou-union")
    TOTPDevice.objects.create(user=county, name="身份验证器", confirmed=True)
    code = services.new_recovery_codes(county, acting_user=county)[0]

    phone.go("/login/")
    phone.page.get_by_label("用户名").fill("yuanzhou-union")
    phone.page.get_by_label("密码").fill("Laomo@2026")
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="登录").tap()
    phone.page.get_by_label("动态口令或恢复码").fill(code.upper())
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="登录").tap()
    phone.assert_healthy()
    assert "还剩9个" in phone.page.content()
    phone.go("/account/two-factor/")
    assert "还有 9 个未用的恢复码" in phone.text()
    phone.assert_fits("two-factor page")
    phone.shot("two-factor-enabled")

    desktop.login("city-union")
    desktop.go("/accounts/two-factor-reset/")
    assert "yuanzhou-union" in desktop.page.locator("#enrolled").inner_text()
    desktop.shot("two-factor-reset")
    desktop.page.get_by_label("账号").select_option(label="yuanzhou-union（原州区总工会）")
    desktop.page.get_by_label("原因").fill("手机丢失，本人来电申请")
    desktop.page.on("dialog", lambda dialog: dialog.accept())
    with desktop.page.expect_navigation():
        desktop.page.get_by_role("button", name="重置").click()
    desktop.assert_healthy()
    assert "已重置yuanzhou-union的两步验证" in desktop.page.content()
    assert not services.has_second_factor(county)


def test_five_wrong_passwords_show_the_lockout_page(demo, desktop):
    for attempt in range(5):
        desktop.go("/login/")
        desktop.page.get_by_label("用户名").fill("yuanzhou-union")
        desktop.page.get_by_label("密码").fill(f"Wrong#{attempt}pass")
        with desktop.page.expect_navigation():
            desktop.page.get_by_role("button", name="登录").click()
    assert "该账号或您当前的网络地址已被锁定30分钟" in desktop.text()
    desktop.shot("locked-out")
