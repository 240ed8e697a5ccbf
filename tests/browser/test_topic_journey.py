import re

import pytest

from consult_portal.sms import LocmemBackend
from tests.topics.conftest import jpeg_with_gps
from topics.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_suggests_tracks_and_learns_why_a_topic_was_declined(
    phone, desktop, office, town_a, village_a, village_b
):
    # The resident, on a phone, with no account.
    phone.goto("/")
    phone.get_by_role("link", name="我要出题").first.click()
    phone.get_by_label("标题").fill("村口路灯坏了")
    phone.locator("#id_description").fill("村口到学校的路灯坏了三个月,晚上孩子放学很不安全。")
    phone.locator("input[name=category][value=livelihood]").check()
    phone.locator("#id_town").select_option(label="甲镇")
    # The village list follows the town: another town's villages cannot be chosen.
    assert phone.locator("#id_village option", has_text="乙一村").is_disabled()
    assert phone.locator("#id_village option", has_text="甲一村").is_enabled()
    phone.locator("#id_village").select_option(label="甲一村")
    phone.locator("#id_photos").set_input_files(
        files=[{"name": "road.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    phone.get_by_label("手机号码", exact=True).fill("13812345678")
    phone.locator("#id_consent").check()
    phone.get_by_role("button", name="提交议题").click()

    phone.wait_for_url(re.compile(r"/topics/receipt/"))
    code = phone.locator(".tracking-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code)
    assert phone.locator(".qr svg").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    topic = Topic.objects.get(tracking_code=code)
    assert topic.photos.count() == 1

    # Later the resident looks the code up, typed in lower case.
    phone.goto("/topics/track/")
    phone.get_by_label("查询码").fill(code.lower())
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(f"**/topics/track/{code}/")
    assert phone.locator("[data-status]").inner_text() == "已提交"

    # Office staff decline it with a reason.
    desktop.goto("/accounts/login/")
    desktop.get_by_label("用户名").fill("office1")
    desktop.get_by_label("密码").fill("Correct-Horse-42")
    desktop.get_by_role("button", name="登录").click()
    desktop.wait_for_url("**/staff/")
    desktop.goto("/staff/topics/")
    desktop.get_by_role("link", name="村口路灯坏了").click()
    desktop.locator("[data-bs-target='#action-decline']").click()
    desktop.locator("#action-decline.collapse.show").wait_for()  # opened, not still sliding: the button stays put
    desktop.locator("#id_decline-public_note").fill("该路段已列入县道路改造计划,年内完成,无需协商。")
    with desktop.expect_navigation():
        desktop.locator("#action-decline button[type=submit]").click()
    assert desktop.url.endswith(f"/staff/topics/{topic.pk}/")
    assert desktop.locator("[data-status]").first.inner_text() == "未采纳"

    # The resident's page shows the reason, and an SMS told them.
    phone.reload()
    assert phone.locator("[data-status]").inner_text() == "未采纳"
    assert "该路段已列入县道路改造计划" in phone.get_by_role("status").inner_text()
    texts = [text for number, text in LocmemBackend.outbox if number == "13812345678"]
    assert any("未采纳" in text and code in text for text in texts)
