import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import PlatformFactory, TopicFactory
from tests.sessions.test_public_meetings import announced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def meeting(town_a, village_a):
    meeting = announced(
        title="村口路灯协商会",
        platform=PlatformFactory(name="甲一村协商议事角", area=village_a, level="village", address="甲一村村委会二楼"),
        starts_at=datetime(2030, 5, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        ends_at=datetime(2030, 5, 1, 11, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        place="村口大榕树下",
        how_to_take_part="欢迎村民直接到场,也可提前到村委会登记发言。" * 3,
    )
    meeting.topics.set([TopicFactory(town=town_a, title="村口路灯坏了")])
    return meeting


def test_it_lets_a_resident_find_the_notice_on_a_phone(phone, meeting):
    phone.goto("/meetings/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name="村口路灯协商会").click()
    phone.wait_for_url(f"**/meetings/{meeting.pk}/")
    assert phone.locator("h1").inner_text() == "村口路灯协商会"
    assert phone.get_by_text("村口路灯坏了").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_it_prints_the_notice_on_one_a4_sheet(desktop, meeting):
    desktop.goto(f"/meetings/{meeting.pk}/print/")
    desktop.emulate_media(media="print")
    assert desktop.locator(".notice-qr svg").is_visible()
    assert desktop.locator(".screen-only").is_hidden()
    assert desktop.locator(".site-footer, .public-header").count() == 0
    pdf = desktop.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
