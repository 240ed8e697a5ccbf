"""A leader reads the dashboard: charts drawn in the browser, the town switched; a resident reads /stats/."""

import pytest

from tests.overview.test_dashboard import YEAR, build_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Correct-Horse-42")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _chart(page, canvas_id):
    """What Chart.js drew on the canvas: its labels, its first data set, and whether any pixel is painted."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = window.Chart && window.Chart.getChart(canvas);
            if (!chart) { return null; }
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = false;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted = true; break; } }
            return {labels: chart.data.labels, data: chart.data.datasets[0].data, painted: painted};
        }""",
        canvas_id,
    )


def test_a_leader_switches_the_dashboard_to_a_town(desktop, leader, county, town_a, town_b, village_a):
    build_year(county, town_a, town_b, village_a)
    errors = []
    desktop.on("pageerror", lambda error: errors.append(str(error)))
    desktop.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " (event) => window.__violations.push(event.violatedDirective));"
    )
    _login(desktop, "leader1")
    with desktop.expect_navigation():
        desktop.get_by_role("link", name="统计", exact=True).click()
    assert desktop.url.endswith("/staff/dashboard/")
    desktop.wait_for_function("() => document.querySelectorAll('.dashboard-charts canvas[data-drawn]').length === 3")
    county_chart = _chart(desktop, "chart-consultations")
    assert county_chart["labels"] == ["甲镇", "乙镇"]
    assert county_chart["data"] == [2, 1]
    assert county_chart["painted"]
    assert _chart(desktop, "chart-sources")["data"] == [1, 3, 1]
    assert desktop.locator("td[data-figure=meetings_held]").inner_text() == "4"
    # Its two towns, the county's own row and the total they add up to.
    assert desktop.locator("tr[data-town]:not([data-town=county]):not([data-town=total])").count() == 2
    assert desktop.locator("tr[data-town=county]").count() == 1 and desktop.locator("tr[data-town=total]").count() == 1

    desktop.locator("#id_town").select_option(label="甲镇")
    with desktop.expect_navigation():
        desktop.locator("main form button[type=submit]").click()
    assert f"town={town_a.pk}" in desktop.url
    desktop.wait_for_function("() => document.querySelectorAll('.dashboard-charts canvas[data-drawn]').length === 3")
    town_chart = _chart(desktop, "chart-consultations")
    assert town_chart["labels"] == ["甲镇"]
    assert town_chart["data"] == [2]
    assert town_chart["painted"]
    assert _chart(desktop, "chart-sources")["data"] == [1, 2, 1]
    assert desktop.locator("td[data-figure=meetings_held]").inner_text() == "2"
    assert desktop.locator("td[data-figure=satisfaction_rate]").inner_text() == "57.1%"
    assert desktop.locator("tr[data-town]").count() == 0
    assert desktop.locator("[data-scope-name]").inner_text() == "甲镇"
    assert errors == []
    assert desktop.evaluate("window.__violations") == []  # the charts keep to the content security policy
    assert "script-src 'self'" in desktop.request.get(desktop.url).headers["content-security-policy"]

    # Printed, the filters and the navigation go and the tables stay.
    desktop.emulate_media(media="print")
    assert not desktop.locator("main form").is_visible()
    assert not desktop.locator(".staff-header").is_visible()
    assert desktop.locator("table.figures-table").first.is_visible()


def test_a_resident_reads_the_statistics_on_a_phone_with_the_keyboard(phone, county, town_a, town_b, village_a):
    build_year(county, town_a, town_b, village_a)
    phone.goto("/stats/")
    assert phone.locator("[data-figure=meetings_held]").inner_text() == "4"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    year = phone.get_by_label("年度")
    year.focus()
    assert year.evaluate("el => el === document.activeElement")
    year.select_option(str(YEAR))
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.type") == "submit"
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert f"year={YEAR}" in phone.url
    csv = phone.request.get(phone.locator("a[href$='.csv']").get_attribute("href"))
    assert csv.ok and csv.body().startswith(b"\xef\xbb\xbf")


def test_the_charts_start_only_after_the_page_is_painted(phone, leader, county, town_a, town_b, village_a):
    """#18: the tables show at once; Chart.js is fetched after the first paint, and each chart drawn in an idle moment
    once it is on the screen."""
    build_year(county, town_a, town_b, village_a)
    _login(phone, "leader1")
    phone.goto("/staff/dashboard/")
    phone.wait_for_function("() => document.getElementById('chart-consultations').dataset.drawn === 'true'")
    # A chart below the fold is drawn once the reader scrolls to it.
    phone.locator("#chart-outcomes").scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelectorAll('.dashboard-charts canvas[data-drawn]').length === 3")
    timing = phone.evaluate(
        """() => {
            const paint = performance.getEntriesByName("first-contentful-paint")[0];
            const chart = performance.getEntriesByType("resource").find((entry) => entry.name.includes("chart.umd"));
            const blocking = [...document.scripts].filter((s) => s.src && !s.defer && !s.async).map((s) => s.src);
            return {paint: paint.startTime, chart: chart.startTime, blocking: blocking.join(" ")};
        }"""
    )
    assert timing["chart"] > timing["paint"]
    assert "chart" not in timing["blocking"] and "dashboard" not in timing["blocking"]
    assert phone.locator("td[data-figure=meetings_held]").inner_text() == "4"
