"""The content security policy holds in a real browser: no page breaks it, no script fails."""

import re

import pytest

from tests.topics.conftest import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs (Playwright's init scripts are not subject to the page's CSP).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _watch(page):
    problems = []
    page.add_init_script(LISTEN)

    def console(message):
        if message.type == "error":
            problems.append(f"console: {message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "response", lambda response: response.status >= 400 and problems.append(f"{response.status}: {response.url}")
    )
    return problems


def _visit(page, problems, url):
    response = page.goto(url)
    assert response.status < 400, f"{url}: {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    problems += [f"{url}: {violation}" for violation in page.evaluate("window.__violations")]


def test_the_public_pages_break_no_policy_and_log_no_error(phone, town_a, village_a):
    problems = _watch(phone)
    for url in ["/", "/topics/suggest/", "/topics/track/", "/meetings/", "/outcomes/", "/stats/"]:
        _visit(phone, problems, url)
    # The form's script (the village list follows the town) runs, and a submission reaches its receipt's QR code.
    _visit(phone, problems, "/topics/suggest/")
    phone.get_by_label("标题").fill("村口路灯坏了")
    phone.locator("#id_description").fill("村口到学校的路灯坏了三个月,晚上孩子放学很不安全。")
    phone.locator("input[name=category][value=livelihood]").check()
    phone.locator("#id_town").select_option(label="甲镇")
    phone.locator("#id_village").select_option(label="甲一村")
    phone.locator("#id_photos").set_input_files(
        files=[{"name": "road.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    phone.get_by_label("手机号码", exact=True).fill("13812345678")
    phone.locator("#id_consent").check()
    phone.get_by_role("button", name="提交议题").click()
    phone.wait_for_url(re.compile(r"/topics/receipt/"))
    assert phone.locator(".qr svg").is_visible()
    problems += [f"receipt: {violation}" for violation in phone.evaluate("window.__violations")]
    phone.get_by_role("button", name="菜单").click()
    assert problems == []


def test_the_staff_pages_break_no_policy_and_log_no_error(desktop, office, town_a):
    problems = _watch(desktop)
    _visit(desktop, problems, "/accounts/login/")
    desktop.get_by_label("用户名").fill("office1")
    desktop.get_by_label("密码").fill("Correct-Horse-42")
    desktop.get_by_role("button", name="登录").click()
    desktop.wait_for_url("**/staff/")
    for url in ["/staff/", "/staff/dashboard/", "/staff/accounts/locked/", "/accounts/password_change/"]:
        _visit(desktop, problems, url)
    assert problems == []
