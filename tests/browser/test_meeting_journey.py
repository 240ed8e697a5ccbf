from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from icalendar import Calendar

from sessions.models import Meeting, Participant, Research
from tests.factories import MemberFactory, PlatformFactory, TopicFactory, UserFactory
from tests.outcomes.survey_helpers import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Correct-Horse-42")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_a_meeting_from_schedule_to_record(desktop, phone, browser, live_server, liaison_a, town_a, village_a):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a, address="甲一村村委会")
    topic = TopicFactory(town=town_a, village=village_a, title="村口路灯改造", status="accepted")
    member_login = UserFactory(username="member9", role="member")
    member = MemberFactory(user=member_login, name="赵委员")
    start = (timezone.localtime() + timedelta(hours=1)).replace(second=0, microsecond=0)

    # Liaison staff schedule the meeting for the accepted topic and publish the notice.
    _login(desktop, "liaison_a")
    desktop.goto("/staff/meetings/new/")
    desktop.locator("#id_title").fill("村口路灯改造协商会")
    desktop.locator("#id_platform").select_option(label=platform.name)
    desktop.locator("#id_topics").select_option(label=f"{topic.title}")
    desktop.locator("#id_form").select_option("on_site")
    desktop.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    desktop.locator("#id_ends_at").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    desktop.locator("#id_how_to_take_part").fill("村民可直接到场")
    with desktop.expect_navigation():
        desktop.locator("main form button[type=submit]").click()
    meeting = Meeting.objects.get(title="村口路灯改造协商会")
    Participant.objects.create(meeting=meeting, kind="member", member=member)
    Research.objects.create(meeting=meeting, date=timezone.localdate(), kind="visit", findings="走访12户")
    desktop.reload()  # after research, publishing the notice takes one click (不调研不协商)
    with desktop.expect_navigation():
        desktop.locator("[data-action=publish]").click()
    assert desktop.locator("[data-status]").first.get_attribute("data-status") == "published"

    # The member accepts from the workspace, on a phone, and checks in through the QR page.
    _login(phone, "member9")
    phone.goto("/members/me/")
    with phone.expect_navigation():
        phone.locator("[data-invitation] button[value=yes]").click()
    assert phone.locator("[data-invitation] [data-response]").get_attribute("data-response") == "yes"
    # The code the staff show on the day (it changes every day): its address, as a phone's camera reads it.
    desktop.reload()
    shown = desktop.locator("section[aria-labelledby=h-checkin] p.text-break a").get_attribute("href")
    checkin_path = urlsplit(shown).path
    phone.goto(checkin_path)
    with phone.expect_navigation():
        phone.locator("main form button[type=submit]").click()
    assert Participant.objects.get(meeting=meeting, member=member).checked_in_at is not None

    # A resident checks in in two steps, with the code the SMS brings to their phone.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    resident = context.new_page()
    resident.goto(checkin_path)
    resident.locator("#id_name").fill("李大爷")
    resident.locator("#id_phone").fill("139 0000 1111")
    with resident.expect_navigation():
        resident.locator("main form button[type=submit]").first.click()
    resident.locator("#id_code").fill(last_code("13900001111"))
    with resident.expect_navigation():
        resident.locator("main form button[type=submit]").first.click()
    assert "李大爷" in resident.locator("[data-checked-in]").inner_text()
    context.close()
    assert Participant.objects.get(meeting=meeting, name="李大爷").checkin_method == "sms"

    # The notice is public and its calendar file parses.
    phone.goto("/meetings/")
    assert phone.get_by_text("村口路灯改造协商会").first.is_visible()
    ics = phone.request.get(f"{live_server.url}/meetings/{meeting.pk}.ics")
    event = next(c for c in Calendar.from_ical(ics.body()).walk("VEVENT"))
    assert str(event["SUMMARY"]) == "村口路灯改造协商会"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}/")

    # After the meeting, staff mark it held and complete the record.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    desktop.goto(f"/staff/meetings/{meeting.pk}/")
    desktop.locator("[data-bs-target='#action-hold']").click()
    desktop.locator("#action-hold.collapse.show").wait_for()  # opened, not still sliding: the button stays put
    with desktop.expect_navigation():
        desktop.locator("#action-hold button[type=submit]").click()
    desktop.locator("#id_record-summary").fill("各方同意分两期改造路灯")
    desktop.locator("#id_record-suggestions").fill("建议一期更换主干道路灯")
    desktop.locator("#id_record-consensus").fill("由镇政府牵头实施")
    desktop.locator("#id_record-attendance_count").fill("18")
    with desktop.expect_navigation():
        desktop.locator("#action-record button[type=submit]").click()
    assert desktop.locator("[data-status]").first.get_attribute("data-status") == "recorded"
    assert desktop.locator("[data-kind=consensus]").inner_text().endswith("由镇政府牵头实施")
    phone.goto(f"/meetings/{meeting.pk}/")
    assert phone.get_by_text("由镇政府牵头实施").is_visible()
