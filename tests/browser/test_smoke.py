import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_opens_the_chinese_home_page_on_a_phone(phone):
    phone.goto("/")
    assert phone.locator("h1").first.inner_text() == "有事来协商"
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    # Phone-first: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The menu opens from the toggler and leads to the login page.
    phone.get_by_role("button", name="菜单").click()
    assert phone.get_by_role("link", name="工作人员登录").is_visible()


def test_staff_log_in_and_reach_the_back_office(desktop, office):
    desktop.goto("/accounts/login/")
    desktop.get_by_label("用户名").fill("office1")
    desktop.get_by_label("密码").fill("Correct-Horse-42")
    desktop.get_by_role("button", name="登录").click()
    desktop.wait_for_url("**/staff/")
    assert desktop.locator("h1").inner_text().startswith("工作台")
    assert desktop.get_by_text("待分办").is_visible()


def test_a_wrong_password_gets_a_clear_chinese_error(desktop, office):
    desktop.goto("/accounts/login/")
    desktop.get_by_label("用户名").fill("office1")
    desktop.get_by_label("密码").fill("not-the-password")
    desktop.get_by_role("button", name="登录").click()
    assert desktop.get_by_text("请输入一个正确的").is_visible()
    assert desktop.get_by_label("用户名").input_value() == "office1"
