"""Issue #6 end to end: a meeting's suggestion is handed to a unit, handled, accepted, published and rated."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from outcomes.models import OutcomeItem, SatisfactionResponse
from sessions.models import RecordItem
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory
from tests.outcomes.survey_helpers import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUGGESTION = "建议一期更换村口主干道路灯,夜间照明覆盖学校路段"


def _login(page, username):
    page.goto("/accounts/login/", wait_until="networkidle")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Correct-Horse-42")
    _go(page, page.get_by_role("button", name="登录"))


def _go(page, control, tap=False):
    """Click (or tap) a control that loads a new page, and wait until the page and its images have settled.

    With SQLite the live server shares the test's in-memory connection, so no request may still be running
    when the test reads the database or sends the next request.
    """
    with page.expect_navigation():
        control.tap() if tap else control.click()
    page.wait_for_load_state("networkidle")


def _status_message(page):
    return page.locator(".messages [role=status]")


def test_a_suggestion_is_handed_over_handled_published_and_rated(
    desktop, phone, tmp_path, office, unit_user, unit, town_a, village_a
):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    start = timezone.now() - timedelta(days=3)
    meeting = MeetingFactory(
        title="村口路灯改造协商会",
        platform=platform,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status="recorded",
    )
    meeting.topics.add(TopicFactory(town=town_a, village=village_a, title="村口路灯改造", status="accepted"))
    record_item = RecordItem.objects.create(meeting=meeting, kind="suggestion", text=SUGGESTION)
    # Another unit's item of the same meeting: the unit must not see it.
    other = OutcomeFactory(meeting=meeting, unit=UnitFactory(name="县交通运输局"), text="另一单位的事项:修补桥面")
    deadline = timezone.localdate() + timedelta(days=20)
    photo = tmp_path / "lamp.jpg"
    Image.new("RGB", (640, 480), (40, 90, 160)).save(photo, format="JPEG")

    # 1. Office staff hand the suggestion over from the meeting's page.
    _login(desktop, "office1")
    desktop.goto(f"/staff/outcomes/meeting/{meeting.pk}/", wait_until="networkidle")
    row = desktop.locator(f"[data-record-item='{record_item.pk}']")
    assert row.get_by_text(SUGGESTION).is_visible()
    _go(desktop, row.get_by_role("link", name="交办"))
    assert desktop.url.endswith(f"/staff/outcomes/new/?record_item={record_item.pk}")
    assert desktop.get_by_role("heading", name="交办事项").is_visible()
    assert desktop.get_by_label("项目").input_value() == SUGGESTION
    desktop.get_by_label("承办单位").select_option(label=unit.name)
    desktop.get_by_label("联系人").fill("李工")
    desktop.get_by_label("联系电话").fill("0571-88886666")
    desktop.get_by_label("办理时限").fill(deadline.isoformat())
    _go(desktop, desktop.get_by_role("button", name="交办", exact=True))
    assert desktop.url.endswith(f"/staff/outcomes/meeting/{meeting.pk}/")
    assert _status_message(desktop).inner_text().endswith(f"」已交办给{unit.name}。")
    item = OutcomeItem.objects.get(record_item=record_item)
    assert (item.unit, item.contact_name, item.deadline, item.town) == (unit, "李工", deadline, town_a)
    handed = desktop.locator(f"[data-record-item='{record_item.pk}']")
    assert handed.get_by_text(unit.name).is_visible()
    assert handed.locator("[data-status]").inner_text() == "已交办"

    # 2. The unit logs in and finds its own item only.
    desktop.context.clear_cookies()
    _login(desktop, "unit1")
    assert desktop.url.endswith("/unit/items/")
    assert desktop.get_by_role("heading", name=f"我的办理事项 · {unit.name}").is_visible()
    assert desktop.locator(f"[data-item='{item.pk}']").is_visible()
    assert desktop.locator(f"[data-item='{other.pk}']").count() == 0
    assert desktop.get_by_text("另一单位的事项").count() == 0
    assert desktop.locator("[data-count]").get_attribute("data-count") == "1"
    _go(desktop, desktop.get_by_role("link", name=SUGGESTION))
    assert desktop.get_by_role("heading", name=f"协商成果事项 {item.pk}").is_visible()
    assert desktop.locator("[data-item-text]").inner_text() == SUGGESTION
    assert desktop.locator("dd [data-status]").inner_text() == "已交办"

    # It reports progress with a date, a text and a photo.
    progress_on = timezone.localdate() - timedelta(days=1)
    desktop.get_by_label("日期").fill(progress_on.isoformat())
    desktop.get_by_role("textbox", name="办理进展").fill("已完成主干道12盏路灯的更换。")
    desktop.get_by_label("照片").set_input_files(photo)
    _go(desktop, desktop.get_by_role("button", name="报送进展"))
    assert _status_message(desktop).inner_text() == f"成果事项 {item.pk} 的进展已报送。"
    update = desktop.locator("[data-progress]")
    assert update.get_by_text("已完成主干道12盏路灯的更换。").is_visible()
    assert update.locator("time").inner_text() == progress_on.isoformat()
    assert update.get_by_role("img", name="照片 1").count() == 1
    assert desktop.locator("dd [data-status]").inner_text() == "推进中"

    # Then gives the final answer: implemented.
    desktop.get_by_label("已落实").check()
    desktop.get_by_role("textbox", name="办理答复").fill("主干道路灯已全部更换并通电,夜间照明覆盖学校路段。")
    _go(desktop, desktop.get_by_role("button", name="报送答复"))
    assert _status_message(desktop).count() == 0  # said once, by the item's page itself
    assert "您的答复「已落实」已报送政协办公室" in desktop.locator("[data-answered]").inner_text()
    assert desktop.locator("dd [data-status]").inner_text() == "已答复待确认"
    assert desktop.get_by_role("button", name="报送答复").count() == 0

    # 3. The office logs in again, accepts the answer and publishes the result.
    desktop.context.clear_cookies()
    _login(desktop, "office1")
    desktop.goto(f"/staff/outcomes/{item.pk}/", wait_until="networkidle")
    assert desktop.get_by_role("heading", name="承办单位的答复待审核").is_visible()
    _go(desktop, desktop.get_by_role("button", name="接受为“已落实”"))
    assert _status_message(desktop).inner_text().endswith("」的答复已接受。")
    assert desktop.locator("h1 + p [data-status]").inner_text() == "已落实"
    _go(desktop, desktop.get_by_role("link", name="公示办理结果"))
    assert desktop.get_by_role("heading", name="确认公示办理结果？").is_visible()
    _go(desktop, desktop.get_by_role("button", name="公示办理结果"))
    assert _status_message(desktop).inner_text().endswith("」的办理结果已公示，群众现在可以评价。")
    assert desktop.locator("h1 + p").get_by_text("已公布").is_visible()

    # 4. A resident on a phone opens the result and rates it.
    phone.goto(f"/outcomes/{item.pk}/", wait_until="networkidle")
    assert phone.get_by_role("heading", name=SUGGESTION).is_visible()
    assert phone.locator("article [data-status]").first.inner_text() == "已落实"
    assert phone.get_by_text("主干道路灯已全部更换并通电").is_visible()
    assert phone.get_by_text("已完成主干道12盏路灯的更换。").is_visible()
    _go(phone, phone.get_by_role("link", name="我来评价"), tap=True)
    assert phone.url.endswith(f"/outcomes/{item.pk}/survey/")
    assert phone.get_by_role("heading", name="我来评价").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Step 1: the mobile, to which the code is sent; step 2: the code from the SMS and the answer.
    phone.locator("#id_phone").fill("139 1234 5678")
    _go(phone, phone.locator("main form[data-step=phone] button[type=submit]"), tap=True)
    assert "139****5678" in phone.locator(".survey-code-sent").inner_text()
    phone.locator("#id_code").fill(last_code("13912345678"))
    satisfied = phone.get_by_label("满意", exact=True)
    satisfied.tap()
    assert satisfied.is_checked()
    _go(phone, phone.get_by_role("button", name="提交评价"), tap=True)
    assert phone.url.endswith(f"/outcomes/{item.pk}/survey/thanks/")
    assert phone.get_by_role("heading", name="谢谢，您的评价已记录").is_visible()
    assert phone.locator("[data-rate]").inner_text() == "100.0%"

    # Answering again from the same phone replaces the first answer (the latest counts, once).
    phone.goto(f"/outcomes/{item.pk}/survey/", wait_until="networkidle")
    phone.locator("#id_phone").fill("13912345678")
    _go(phone, phone.locator("main form[data-step=phone] button[type=submit]"), tap=True)
    phone.locator("#id_code").fill(last_code("13912345678"))
    phone.get_by_label("非常满意").focus()
    phone.keyboard.press("Space")
    assert phone.get_by_label("非常满意").is_checked()
    _go(phone, phone.get_by_role("button", name="提交评价"), tap=True)
    assert phone.locator(".survey-changed").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    answers = SatisfactionResponse.objects.filter(item=item).values_list("rating", "verified")
    assert list(answers) == [(5, True)]

    # 5. The public page shows the rate, and the list shows the item.
    phone.goto(f"/outcomes/{item.pk}/", wait_until="networkidle")
    assert phone.locator(".rate-figure").inner_text() == "100.0%"
    assert phone.get_by_text("1 人评价，其中 1 人满意").is_visible()
    phone.goto("/outcomes/", wait_until="networkidle")
    assert phone.get_by_role("heading", name="成果公示").is_visible()
    listed = phone.locator(f"[data-outcome='{item.pk}']")
    assert listed.get_by_role("link", name=re.compile("^建议一期更换村口主干道路灯")).is_visible()
    assert listed.get_by_text("已落实").is_visible()
    assert listed.locator("[data-rate]").inner_text() == "满意率 100.0%（1 人评价）"
    assert phone.locator(f"[data-outcome='{other.pk}']").count() == 0
