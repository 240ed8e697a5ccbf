"""Issue #15 in a browser: at each step of the cycle whose notice matters, the people who should be told open their
inbox, find the notice and follow its link to the page to act on; the same step run again adds no second notice."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consult_portal.models import Notification
from consult_portal.sms import LocmemBackend
from outcomes.models import OutcomeItem
from outcomes.services import outcome_return
from sessions.models import RecordItem
from sessions.services import participants_invite
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory, TopicFactory
from topics.models import PlanEntry, Topic
from topics.notices import new_resident_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESIDENT = "13812345678"


def _login(page, username):
    page.goto("/accounts/login/", wait_until="networkidle")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Correct-Horse-42")
    _go(page, page.get_by_role("button", name="登录"))


@pytest.fixture
def signed_in(browser, live_server):
    """`signed_in(username)`: a desktop browser of its own, logged in as that user (one per user, kept)."""
    pages = {}

    def page_of(username):
        if username not in pages:
            context = browser.new_context(
                base_url=live_server.url,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
            )
            pages[username] = context.new_page()
            _login(pages[username], username)
        return pages[username]

    yield page_of
    for page in pages.values():
        page.context.close()


def _go(page, control):
    """Click a control that loads a new page and wait until it settled (the live server shares the test's in-memory
    SQLite connection: no request may still run when the test reads the database)."""
    with page.expect_navigation():
        control.click()
    page.wait_for_load_state("networkidle")


def _open(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _notices(user, kind) -> int:
    return Notification.objects.filter(recipient=user, kind=kind, channel=Notification.Channel.INAPP).count()


def _follow_notice(page, text):
    """Find the unread notice saying `text` in the inbox of the page's user and open it: the page it leads to."""
    _open(page, "/inbox/")
    notice = page.locator("li.list-group-item", has_text=text)
    assert notice.count() == 1
    assert "list-group-item-warning" in notice.get_attribute("class")  # unread
    _go(page, notice.get_by_role("button", name="查看"))
    return page


def _form_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_residents_topic_is_found_by_the_office_and_the_towns_liaison_in_their_inbox(
    phone, signed_in, office, liaison_a, liaison_b, town_a, village_a
):
    # A resident, on a phone, submits a topic on the public form.
    _open(phone, "/topics/suggest/")
    phone.get_by_label("标题").fill("村口路灯坏了")
    phone.locator("#id_description").fill("村口到学校的路灯坏了三个月,晚上孩子放学很不安全。")
    phone.locator("input[name=category][value=livelihood]").check()
    phone.locator("#id_town").select_option(label="甲镇")
    phone.locator("#id_village").select_option(label="甲一村")
    phone.get_by_label("手机号码", exact=True).fill(RESIDENT)
    phone.locator("#id_consent").check()
    _go(phone, phone.get_by_role("button", name="提交议题"))
    assert "/topics/receipt/" in phone.url
    topic = Topic.objects.get(title="村口路灯坏了")

    # The office and town A's liaison each find it in their inbox; its link opens the topic.
    for user in (office, liaison_a):
        page = _follow_notice(signed_in(user.username), "甲镇群众新议题：村口路灯坏了")
        assert page.url.endswith(f"/staff/topics/{topic.pk}/")
        assert page.get_by_role("heading", name="村口路灯坏了").first.is_visible()
        assert Notification.objects.get(recipient=user, kind="topic_new", channel="inapp").read_at is not None
    # Town B's liaison is not told.
    assert _notices(liaison_b, "topic_new") == 0

    # The same topic told again queues nothing more.
    assert new_resident_topic(topic) == 0
    assert (_notices(office, "topic_new"), _notices(liaison_a, "topic_new")) == (1, 1)


def test_an_invited_member_finds_the_invitation_then_the_move_and_a_repeated_step_adds_nothing(
    signed_in, office, member_user, village_a
):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    start = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(
        title="村口路灯协商会", platform=platform, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    MemberFactory(name="王律师")

    # Office staff invite the member by typing the name.
    staff = signed_in("office1")
    _open(staff, f"/staff/meetings/{meeting.pk}/")
    staff.get_by_role("button", name="邀请委员").click()
    box = staff.locator("#id_members-ts-control")
    box.wait_for(state="visible")
    box.click()
    staff.keyboard.type("张委员")
    staff.locator(".ts-dropdown .option.active", has_text="张委员").wait_for()
    staff.keyboard.press("Enter")
    # Tab leaves the box (and closes its list) for the button, which Enter presses.
    staff.keyboard.press("Tab")
    assert staff.evaluate("document.activeElement.closest('form[data-invite=by-name]') !== null")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")
    staff.wait_for_load_state("networkidle")
    assert [p.member.name for p in meeting.participants.all()] == ["张委员"]

    # The member finds the invitation; its link opens the workspace, where they answer.
    member = signed_in("member1")
    page = _follow_notice(member, f"邀请您参加{start:%Y-%m-%d %H:%M}的村口路灯协商会")
    assert page.url.endswith("/members/me/")
    assert page.locator("[data-invitation]", has_text="村口路灯协商会").locator("button[value=yes]").is_visible()
    # Inviting the same member again tells them nothing more.
    assert participants_invite(meeting=meeting, by=office, members=[member_user.member]) == []
    assert _notices(member_user, "meeting_invitation") == 1

    # Office staff move the meeting a day later.
    moved = start + timedelta(days=1)

    def reschedule():
        _open(staff, f"/staff/meetings/{meeting.pk}/")
        staff.locator("[data-bs-target='#action-reschedule']").click()
        staff.locator("#action-reschedule.collapse.show").wait_for()  # opened, not still sliding
        staff.locator("#id_reschedule-starts_at").fill(_form_time(moved))
        staff.locator("#id_reschedule-ends_at").fill(_form_time(moved + timedelta(hours=2)))
        _go(staff, staff.locator("#action-reschedule button[type=submit]"))

    reschedule()
    meeting.refresh_from_db()
    assert meeting.starts_at == moved

    # The member finds the "moved" notice, with the new time; its link opens the workspace.
    page = _follow_notice(member, f"时间调整：村口路灯协商会改为{moved:%Y-%m-%d %H:%M}")
    assert page.url.endswith("/members/me/")
    assert _notices(member_user, "meeting_changed") == 1

    # The same move saved again tells nobody anything more.
    reschedule()
    assert _notices(member_user, "meeting_changed") == 1


def test_a_unit_finds_the_handed_item_then_the_returned_answer_with_its_reason_and_the_resident_the_result(
    signed_in, office, unit_user, unit, town_a, village_a
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
    topic = TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯改造",
        status="consulted",
        submitter_phone=RESIDENT,
        consent_at=timezone.now(),
    )
    meeting.topics.add(topic)
    record_item = RecordItem.objects.create(meeting=meeting, kind="suggestion", text="建议更换村口主干道路灯")
    deadline = timezone.localdate() + timedelta(days=20)

    # Office staff hand the suggestion over to the unit.
    staff = signed_in("office1")

    def hand_over():
        _open(staff, f"/staff/outcomes/new/?record_item={record_item.pk}")
        staff.get_by_label("承办单位").select_option(label=unit.name)
        staff.get_by_label("联系人").fill("李工")
        staff.get_by_label("办理时限").fill(deadline.isoformat())
        _go(staff, staff.get_by_role("button", name="交办", exact=True))

    hand_over()
    item = OutcomeItem.objects.get(record_item=record_item)

    # The unit finds it in its inbox; the link opens the item, where it answers.
    unit_page = signed_in("unit1")
    page = _follow_notice(unit_page, f"新交办事项：{unit.name}，办理时限{deadline.isoformat()}")
    assert page.url.endswith(f"/unit/items/{item.pk}/")
    assert page.locator("[data-item-text]").inner_text() == "建议更换村口主干道路灯"
    # Handing the same suggestion over again is refused and tells the unit nothing more.
    hand_over()
    assert OutcomeItem.objects.filter(record_item=record_item).count() == 1
    assert _notices(unit_user, "outcome_assigned") == 1

    def answer(text):
        _open(unit_page, f"/unit/items/{item.pk}/")
        unit_page.get_by_label("已落实").check()
        unit_page.get_by_role("textbox", name="办理答复").fill(text)
        _go(unit_page, unit_page.get_by_role("button", name="报送答复"))

    # The unit answers; the office returns the answer saying what is missing.
    answer("已更换6盏路灯。")
    _open(staff, f"/staff/outcomes/{item.pk}/")
    staff.locator("[data-bs-target='#action-return']").click()
    staff.locator("#action-return.collapse.show").wait_for()  # opened, not still sliding
    staff.locator("#id_return-note").fill("请补充学校路段路灯的更换情况和照片。")
    _go(staff, staff.locator("#action-return button[type=submit]"))
    item.refresh_from_db()
    assert item.status == "in_progress"

    # The unit finds the return in its inbox; the item's page shows the reason as a banner.
    page = _follow_notice(unit_page, "您的答复被退回，请补充完善")
    assert page.url.endswith(f"/unit/items/{item.pk}/")
    assert "请补充学校路段路灯的更换情况和照片。" in page.locator("[data-returned]").inner_text()
    # Returning it again is refused (nothing is answered) and tells the unit nothing more.
    with pytest.raises(ValidationError):
        outcome_return(item=item, note="请补充学校路段路灯的更换情况和照片。", by=office)
    assert _notices(unit_user, "outcome_returned") == 1

    # The unit answers again; the office accepts and publishes: the resident gets one SMS, whose link opens the
    # result's survey.
    answer("学校路段路灯已全部更换,附照片。")
    _open(staff, f"/staff/outcomes/{item.pk}/")
    _go(staff, staff.get_by_role("button", name="接受为“已落实”"))
    _go(staff, staff.get_by_role("link", name="公示办理结果"))
    _go(staff, staff.get_by_role("button", name="公示办理结果"))
    item.refresh_from_db()
    assert item.published_at is not None
    texts = [text for number, text in LocmemBackend.outbox if number == RESIDENT]
    assert len(texts) == 1
    path = urlsplit(texts[0].split()[-1]).path
    assert path == f"/outcomes/{item.pk}/survey/"
    _open(staff, path)
    assert staff.get_by_role("heading", name="我来评价").is_visible()
    # Opening the publication's confirmation again sends nothing more.
    _open(staff, f"/staff/outcomes/{item.pk}/publish/")
    assert len([text for number, text in LocmemBackend.outbox if number == RESIDENT]) == 1


def test_the_leaders_find_the_draft_plan_to_approve_and_residents_hear_of_it_only_once_it_is_published(
    signed_in, office, leader, town_a
):
    year = timezone.localdate().year
    topic = TopicFactory(
        town=town_a,
        title="农贸市场排水不畅",
        status=Topic.Status.ACCEPTED,
        year=year,
        submitter_phone=RESIDENT,
        consent_at=timezone.now(),
    )

    # The office puts the accepted topic into the year's draft plan, on the plan's page.
    desk = signed_in(office.username)
    _open(desk, f"/staff/plans/{year}/")
    desk.locator("#id_topic").select_option(value=str(topic.pk))
    desk.locator("#id_quarter").select_option(index=1)
    desk.locator("#id_platform_level").select_option(index=1)
    _go(desk, desk.get_by_role("button", name="列入计划"))
    assert PlanEntry.objects.filter(topic=topic, plan__year=year, plan__status="draft").exists()

    # The leader finds the plan waiting for approval; its link opens the plan's page. Residents hear nothing yet.
    page = _follow_notice(signed_in(leader.username), f"{year}年度协商计划待您审定")
    assert urlsplit(page.url).path == f"/staff/plans/{year}/"
    assert not [sms for sms in LocmemBackend.outbox if sms[0] == RESIDENT]

    # The leader approves it, the office publishes it after the confirmation page: the resident gets one SMS with
    # the topic's tracking link, and publishing again sends nothing more.
    page.locator("#id_approved_by").fill("县政协主席会议")
    page.locator("#id_approved_on").fill(timezone.localdate().isoformat())
    page.locator("#id_document_number").fill(f"政协〔{year}〕1号")
    _go(page, page.get_by_role("button", name="批准计划"))
    _open(desk, f"/staff/plans/{year}/publish/")
    _go(desk, desk.get_by_role("button", name="确认发布计划"))
    texts = [text for phone, text in LocmemBackend.outbox if phone == RESIDENT]
    assert len(texts) == 1 and topic.tracking_code in texts[0]
    _open(desk, f"/staff/plans/{year}/publish/")
    assert len([sms for sms in LocmemBackend.outbox if sms[0] == RESIDENT]) == 1
