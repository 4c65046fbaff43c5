"""Browser tests: the real pages in Debian's Chromium, driven through Playwright.

One browser for the whole session, a fresh context (cookies, viewport) for every test. Every
page a test opens is checked for server errors and for anything the Content-Security-Policy
refused, and a full-page screenshot of it is kept in test-artifacts/screenshots/ for people to
look at.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM setup of the tests is sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("LAOMO_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}

SERVER_ERROR_TEXT = "系统暂时出错"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; the browser tests need Debian's chromium"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    """Emptied at the start of a run, so that what is there is what this run saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def demo(transactional_db):
    """The demo city of `laomo.core.demo`, as people see it: the logins and their data, without
    the demo talks (which take seconds to load; see `demo_talks`)."""
    from laomo.core import demo

    return demo.seed(talks=False)


@pytest.fixture
def demo_talks(transactional_db):
    """The whole demo, with its year and a half of talks, reports and photos."""
    from laomo.core import demo

    return demo.seed()


ROSTER_HEADERS = ["序号", "姓名", "性别", "工作单位及职务", "获得荣誉", "联系电话", "备注"]


@pytest.fixture
def roster_file(tmp_path):
    """roster_file(name, rows) → an .xlsx as the federation sends it (seed 002): a title row
    above the header 序号, 姓名, 性别, 工作单位及职务, 获得荣誉, 联系电话, 备注."""
    from openpyxl import Workbook

    def make(name: str, rows: list[list]) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.title = "花名册"
        sheet.append(["固原市“劳模工匠进校园”宣讲团成员花名册"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ROSTER_HEADERS))
        sheet.append(ROSTER_HEADERS)
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        book.save(path)
        return path

    return make


@dataclass
class Visit:
    """One browser tab with the habits of these tests: open, check, photograph."""

    page: object
    base_url: str
    shots: Path
    device: str
    server_errors: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)
    missing: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def go(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None
        assert response.status < 500, f"{path}: HTTP {response.status}"
        self.assert_healthy()
        return response

    def assert_healthy(self):
        assert not self.server_errors, f"server errors: {self.server_errors}"
        assert not self.csp_violations, (
            f"refused by the Content-Security-Policy: {self.csp_violations}"
        )
        assert not self.missing, f"a page asked for what is not there: {self.missing}"
        assert SERVER_ERROR_TEXT not in self.page.content(), f"server error on {self.page.url}"

    def shot(self, name: str):
        """A full-page PNG, named `<device>-<name>.png`, one pixel per CSS pixel."""
        safe = re.sub(r"[^\w.-]+", "-", name, flags=re.ASCII).strip("-")
        path = self.shots / f"{self.device}-{safe}.png"
        self.page.screenshot(path=str(path), full_page=True, scale="css")

    def login(self, username: str, password: str | None = None):
        from laomo.core.demo import DEMO_PASSWORD

        self.go("/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password or DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="登录").click()
        self.assert_healthy()
        assert "/login/" not in self.page.url, f"login as {username} failed"
        assert "/account/password/" not in self.page.url, f"{username} must change the password"

    def nav_links(self) -> dict[str, str]:
        """The main navigation's own links (not the "更多" toggle): label → href."""
        return self._links("#lm-nav .navbar-nav a.nav-link:not(.dropdown-toggle)")

    def more_links(self) -> dict[str, str]:
        """The links in the navigation's "更多" menu: label → href."""
        return self._links("#lm-nav .navbar-nav .dropdown-menu a.dropdown-item")

    def _links(self, selector: str) -> dict[str, str]:
        links = self.page.locator(selector)
        return {
            links.nth(i).inner_text().strip(): links.nth(i).get_attribute("href")
            for i in range(links.count())
        }

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def assert_fits(self, what: str = ""):
        """Nothing wider than the viewport: no sideways scrolling (on a phone, above all)."""
        limit = self.page.viewport_size["width"]
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > limit:
            culprits = self.page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 1)
                    .slice(0, 5)
                    .map(e => `${e.tagName}.${e.className} ${(e.innerText || '').slice(0, 30)}`)""",
                limit,
            )
            pytest.fail(
                f"{what or self.page.url}: page is {width}px wide on a {limit}px screen; {culprits}"
            )

    def switch_user(self, username: str):
        """Sign out (forget the session) and sign in as someone else in the same tab."""
        self.page.context.clear_cookies()
        self.login(username)


def _open(browser, live_server, screenshot_dir, device: str, options: dict):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    visit = Visit(page, live_server.url, screenshot_dir, device)

    def on_response(response):
        if response.status >= 500:
            visit.server_errors.append(f"{response.status} {response.url}")
        elif response.status == 404 and response.request.resource_type != "document":
            # A stylesheet, script, image or icon the page names and the server does not have.
            visit.missing.append(response.url)

    def on_console(message):
        # Chromium reports what the Content-Security-Policy refused as console errors.
        if message.type == "error" and "Content Security Policy" in message.text:
            visit.csp_violations.append(f"{page.url}: {message.text}")

    page.on("response", on_response)
    page.on("console", on_console)
    return context, visit


@pytest.fixture
def desktop(browser, live_server, screenshot_dir):
    context, visit = _open(browser, live_server, screenshot_dir, "desktop", DESKTOP)
    yield visit
    context.close()


@pytest.fixture
def phone(browser, live_server, screenshot_dir):
    context, visit = _open(browser, live_server, screenshot_dir, "phone", PHONE)
    yield visit
    context.close()
