"""Long lists are chosen by typing (#15): Tom Select (static/vendor/tom-select/, started by static/js/select-search.js
on every <select data-search>) turns the meeting's topics, the supervising members, the members to invite and the
topic to merge into into boxes to type into, then arrows and Enter, or a tap on a phone; under the strict content
security policy, with no violation and no script error."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcomes.models import OutcomeItem
from sessions.models import Meeting
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory, TopicFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs (Playwright's init scripts are not subject to the page's CSP).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _watch(page) -> list[str]:
    problems = []
    page.add_init_script(LISTEN)
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    return problems


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def _login(page, username):
    page.goto("/accounts/login/", wait_until="networkidle")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Correct-Horse-42")
    _go(page, page.get_by_role("button", name="登录"))


def _go(page, control, tap=False):
    """Click (or tap) a control that loads a new page and wait until it settled (the live server shares the
    test's in-memory SQLite connection: no request may still run when the test reads the database)."""
    with page.expect_navigation():
        control.tap() if tap else control.click()
    page.wait_for_load_state("networkidle")


def _open(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _chosen(page, select_id) -> list[str]:
    return page.evaluate(f"Array.from(document.getElementById('{select_id}').selectedOptions, o => o.text)")


def _form_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_staff_choose_a_meetings_topics_by_typing_arrows_and_enter(desktop, office, town_a, village_a):
    PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    for title in ("村口路灯改造", "学校路段路灯不亮", "菜市场排水不畅"):
        TopicFactory(town=town_a, village=village_a, title=title, status="accepted")
    problems = _watch(desktop)
    _login(desktop, "office1")
    _open(desktop, "/staff/meetings/new/")
    # The label names the box to type into: a screen reader reads it as a combo box called 议题.
    box = desktop.get_by_role("combobox", name="议题")
    assert box.get_attribute("id") == "id_topics-ts-control"
    box.click()
    desktop.keyboard.type("路灯")
    options = desktop.locator(".ts-dropdown .option:visible")
    expect(options).to_have_count(2)
    assert sorted(options.all_inner_texts()) == ["学校路段路灯不亮", "村口路灯改造"]
    first, second = options.all_inner_texts()
    desktop.keyboard.press("ArrowDown")
    assert desktop.locator(".ts-dropdown .option.active").inner_text() == second
    desktop.keyboard.press("Enter")
    assert _chosen(desktop, "id_topics") == [second]
    # The list stays open for a second choice; the typed words are cleared.
    desktop.keyboard.type("排水")
    desktop.locator(".ts-dropdown .option.active", has_text="菜市场排水不畅").wait_for()
    desktop.keyboard.press("Enter")
    assert sorted(_chosen(desktop, "id_topics")) == sorted([second, "菜市场排水不畅"])
    # Backspace takes the last choice out again.
    desktop.keyboard.press("Backspace")
    assert _chosen(desktop, "id_topics") == [second]
    desktop.keyboard.press("Escape")
    # The form posts the choice made in the box.
    start = timezone.now() + timedelta(days=10)
    desktop.locator("#id_title").fill("路灯协商会")
    desktop.locator("#id_platform").select_option(label="甲一村议事室")
    desktop.locator("#id_starts_at").fill(_form_time(start))
    desktop.locator("#id_ends_at").fill(_form_time(start + timedelta(hours=2)))
    _go(desktop, desktop.get_by_role("button", name="确认安排"))
    meeting = Meeting.objects.get(title="路灯协商会")
    assert [t.title for t in meeting.topics.all()] == [second]
    assert _violations(desktop) == []
    assert problems == []


def test_on_a_phone_supervisors_are_chosen_by_tapping_what_the_typing_found(phone, office, town_a, unit):
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=PlatformFactory(area=town_a), starts_at=start, ends_at=start + timedelta(hours=2), status="recorded"
    )
    for name in ("张建国", "张丽华", "李明"):
        MemberFactory(name=name)
    problems = _watch(phone)
    _login(phone, "office1")
    _open(phone, f"/staff/outcomes/new/?meeting={meeting.pk}")
    phone.locator("#id_text").fill("更换村口主干道路灯")
    phone.locator("#id_unit").select_option(label=unit.name)
    phone.locator("#id_contact_name").fill("王科长")
    box = phone.locator("#id_supervisors-ts-control")
    box.tap()
    phone.keyboard.type("张")
    expect(phone.locator(".ts-dropdown .option:visible")).to_have_count(2)
    phone.locator(".ts-dropdown .option", has_text="张丽华").tap()
    assert [name.split("（")[0] for name in _chosen(phone, "id_supervisors")] == ["张丽华"]
    # The list stays open for the next name; a tap beside it closes it. The form is then sent from the keyboard's
    # Go key, so the button cannot be covered by a list still closing.
    phone.locator("h1").first.tap()
    button = phone.get_by_role("button", name="交办")
    with phone.expect_navigation():
        button.focus()
        phone.keyboard.press("Enter")
    phone.wait_for_load_state("networkidle")
    item = OutcomeItem.objects.get(text="更换村口主干道路灯")
    assert [m.name for m in item.supervisors.all()] == ["张丽华"]
    assert _violations(phone) == []
    assert problems == []


def test_members_are_invited_by_typing_a_name(desktop, office, town_a, village_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a, level="village"), status="planned")
    MemberFactory(name="王律师")
    MemberFactory(name="赵老师")
    problems = _watch(desktop)
    _login(desktop, "office1")
    _open(desktop, f"/staff/meetings/{meeting.pk}/")
    desktop.get_by_role("button", name="邀请委员").click()
    box = desktop.locator("#id_members-ts-control")
    box.wait_for(state="visible")
    box.click()
    desktop.keyboard.type("律师")
    desktop.locator(".ts-dropdown .option.active", has_text="王律师").wait_for()
    desktop.keyboard.press("Enter")
    # Tab leaves the box (and closes its list) for the button, which Enter presses.
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("document.activeElement.closest('form[data-invite=by-name]') !== null")
    with desktop.expect_navigation():
        desktop.keyboard.press("Enter")
    desktop.wait_for_load_state("networkidle")
    assert [p.member.name for p in meeting.participants.all()] == ["王律师"]
    # Who is invited is no longer offered.
    desktop.get_by_role("button", name="邀请委员").click()
    offered = desktop.locator("#id_members option").all_inner_texts()
    assert any("赵老师" in name for name in offered) and not any("王律师" in name for name in offered)
    assert _violations(desktop) == []
    assert problems == []


def test_the_topic_to_merge_into_is_found_by_typing_its_code(desktop, office, town_a):
    duplicate = TopicFactory(town=town_a, title="村口的路灯坏了")
    primary = TopicFactory(town=town_a, title="全村路灯改造", status="accepted", tracking_code="K7QM3WXP")
    TopicFactory(town=town_a, title="另一个议题", status="accepted")
    problems = _watch(desktop)
    _login(desktop, "office1")
    _open(desktop, f"/staff/topics/{duplicate.pk}/")
    desktop.locator("[data-bs-target='#action-merge']").click()
    box = desktop.locator("#id_merge-target-ts-control")
    box.wait_for(state="visible")
    box.click()
    desktop.keyboard.type("k7qm")  # the code in lower case, as staff type it from a phone call
    desktop.locator(".ts-dropdown .option.active", has_text="全村路灯改造").wait_for()
    desktop.keyboard.press("Enter")
    _go(desktop, desktop.locator("#action-merge form button[type=submit]"))
    duplicate.refresh_from_db()
    assert duplicate.merged_into == primary
    assert _violations(desktop) == []
    assert problems == []
