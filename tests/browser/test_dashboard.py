"""The dashboards over the whole demo, on an office screen and on a phone: the city's, a county's
own and a lecturer's. Every chart draws (a canvas inside its container, no console error), the
pages fit a 375 px phone, and a figure — a number in a table and a bar of a chart — opens the list
of exactly what it counts. Full-page screenshots are kept in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

USERS = ("city-union", "yuanzhou-union")


def watch_console(visit) -> list[str]:
    """Console errors and uncaught exceptions of the tab (the browser's own request for a
    favicon, which the site does not have, aside)."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    visit.page.on("console", on_console)
    visit.page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def assert_charts_drawn(visit, what: str) -> int:
    """Every chart container holds a drawn canvas (or svg) of some size."""
    containers = visit.page.locator(".lm-chart")
    count = containers.count()
    assert count, f"{what}: no chart"
    visit.page.wait_for_function(
        """() => [...document.querySelectorAll('.lm-chart')].every(el => {
                const c = el.querySelector('canvas, svg');
                return c && c.getBoundingClientRect().width > 100
                    && c.getBoundingClientRect().height > 100;
            })"""
    )
    return count


def listed_count(visit) -> int:
    """The "共 N 条" under a list."""
    found = re.search(r"共 (\d+) 条", visit.text())
    assert found, f"no count on {visit.page.url}"
    return int(found.group(1))


def open_dashboard(visit, errors, path: str, name: str) -> None:
    visit.go(path)
    charts = assert_charts_drawn(visit, path)
    visit.assert_fits(path)
    visit.shot(name)
    assert not errors, f"{path}: console errors {errors}"
    assert charts >= 1


def test_the_dashboards_over_the_demo(demo_talks, desktop, phone):
    errors = {visit.device: watch_console(visit) for visit in (desktop, phone)}
    for username in USERS:
        for visit in (desktop, phone):
            visit.switch_user(username)
            assert visit.nav_links().get("统计") == "/oversight/"
            open_dashboard(visit, errors[visit.device], "/oversight/", f"dashboard-{username}")
            assert visit.page.locator(".lm-chart").count() == 5
            open_dashboard(
                visit, errors[visit.device], "/oversight/coverage/", f"coverage-{username}"
            )
            visit.go("/oversight/lecturers/")
            visit.assert_fits("lecturers")
            visit.shot(f"lecturers-{username}")
        desktop.go("/oversight/coverage/")
        text = desktop.text()
        assert "尚未覆盖的学校" in text
        if username == "yuanzhou-union":
            assert "西吉县" not in text, "a county sees its own schools only"
            desktop.go("/oversight/")
            quota = desktop.page.locator("#quota-table").inner_text()
            assert "原州区" in quota
            assert "西吉县" not in quota, "a county sees its own row"
            assert "全市" not in quota

    for visit in (desktop, phone):
        visit.switch_user("lecturer-hcb")
        assert visit.nav_links().get("我的统计") == "/me/dashboard/"
        open_dashboard(visit, errors[visit.device], "/me/dashboard/", "dashboard-lecturer-hcb")
    assert int(desktop.page.locator("#own-talks").inner_text()) >= 1


def test_a_figure_and_a_bar_open_the_list_they_count(demo_talks, desktop):
    errors = watch_console(desktop)
    desktop.login("city-union")
    desktop.go("/oversight/")
    assert_charts_drawn(desktop, "dashboard")

    # A number in the quota table: the city's accepted talks of the year.
    link = desktop.page.locator("#quota-table tbody tr").first.locator("a[data-figure=accepted]")
    figure = int(link.inner_text())
    with desktop.page.expect_navigation():
        link.click()
    assert "/talks/" in desktop.page.url
    assert listed_count(desktop) == figure
    desktop.shot("dashboard-city-union-clicked-figure")

    # A bar of the month chart: the busiest month's accepted talks.
    desktop.go("/oversight/")
    assert_charts_drawn(desktop, "dashboard")
    point = desktop.page.evaluate(
        """() => {
            const el = document.querySelector('[data-chart=chart-months]');
            el.scrollIntoView({block: 'center', behavior: 'instant'});
            const chart = echarts.getInstanceByDom(el);
            const data = chart.getOption().series[0].data;
            let best = 0;
            data.forEach((d, i) => { if (d.value > data[best].value) best = i; });
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [best, data[best].value / 2]);
            const box = el.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y, value: data[best].value, top: box.top};
        }"""
    )
    assert point["value"] > 0
    desktop.page.mouse.click(point["x"], point["y"])
    desktop.page.wait_for_url(re.compile(r"/talks/\?"))
    assert "stage=accepted" in desktop.page.url
    assert listed_count(desktop) == point["value"]

    # A lecturer's load: the busiest one's talks of the year.
    desktop.go("/oversight/")
    busiest = desktop.page.locator("#busiest a").first
    load = int(busiest.inner_text())
    with desktop.page.expect_navigation():
        busiest.click()
    assert "/oversight/lecturers/" in desktop.page.url
    assert listed_count(desktop) == load
    desktop.shot("lecturer-talks-city-union")
    assert not errors, errors
