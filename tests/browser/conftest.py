from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _context(browser, live_server, **kwargs):
    return browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)


@pytest.fixture
def phone(browser, live_server):
    """A resident's phone: a small touch screen."""
    context = _context(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context = _context(browser, live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
