"""Residents' personal data (#8): phone numbers masked everywhere but where a role needs them, each
reveal audited; the submitter's name and phone removed some months after the topic closes; the
public form says what is collected and why. The same retention for the phone of satisfaction
responses and of the residents at meetings, and the SMS sent to them."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.template import Context, Template
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import AuditEntry, Notification
from consult_portal.overview import retention
from consult_portal.privacy import mask_phone
from outcomes import selectors as outcome_selectors
from outcomes import services_survey as survey_services
from outcomes.models import OutcomeItem, SatisfactionResponse
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory
from topics import services as topic_services
from topics.models import Topic

PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def suggestion(town_a, village_a):
    """What a resident types into the public form, phone and consent included."""
    return {
        "title": "村口路灯坏了",
        "description": "村口到学校的路灯坏了三个月,晚上孩子放学很不安全。",
        "category": "livelihood",
        "town": town_a.pk,
        "village": village_a.pk,
        "name": "李阿姨",
        "phone": PHONE,
        "consent": "on",
        "website": "",
        "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    }


@pytest.fixture
def topic(town_a, village_a):
    return TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯坏了",
        submitter_name="李阿姨",
        submitter_phone=PHONE,
        consent_at=timezone.now(),
    )


# -- masking --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "shown"),
    [(PHONE, MASKED), ("", ""), (None, ""), ("1234567", "*******"), ("12345678", "123****5678")],
)
def test_mask_phone_keeps_three_and_four_digits_and_hides_short_numbers(phone, shown):
    assert mask_phone(phone) == shown


def test_the_template_filter_masks_the_same_way():
    assert Template("{% load portal %}{{ p|mask_phone }}").render(Context({"p": PHONE})) == MASKED


def test_the_staff_topic_page_shows_the_number_masked(client, office, topic):
    client.force_login(office)
    html = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert MASKED in html and PHONE not in html
    assert "reveal-phone" in html
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_a_leader_reads_the_topic_with_the_number_masked_and_no_way_to_reveal_it(client, leader, topic):
    client.force_login(leader)
    html = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert MASKED in html and PHONE not in html and "reveal-phone" not in html
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


@pytest.mark.parametrize("persona", ["office", "liaison_a"])
def test_staff_handling_the_topic_can_show_the_number_and_it_is_audited(client, personas, persona, topic):
    user = personas[persona]
    client.force_login(user)
    response = client.post(f"/staff/topics/{topic.pk}/reveal-phone/", REMOTE_ADDR="198.51.100.7")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in html
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="personal_data_view")
    assert (entry.actor, entry.object_id, entry.ip) == (user, str(topic.pk), "198.51.100.7")
    assert entry.after == {"fields": ["submitter_name", "submitter_phone"]}
    assert PHONE not in str(entry.after) + entry.object_repr
    # The next ordinary view is masked again.
    assert PHONE not in client.get(f"/staff/topics/{topic.pk}/").content.decode()


def test_staff_of_another_town_cannot_reveal_it(client, liaison_b, topic):
    client.force_login(liaison_b)
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_other_roles_cannot_reveal_it(client, personas, persona, topic):
    client.force_login(personas[persona])
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_revealing_takes_a_post(client, office, topic):
    client.force_login(office)
    assert client.get(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 405
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_a_topic_without_a_phone_has_nothing_to_reveal(client, office, town_a):
    bare = TopicFactory(town=town_a)
    client.force_login(office)
    assert "reveal-phone" not in client.get(f"/staff/topics/{bare.pk}/").content.decode()
    assert client.post(f"/staff/topics/{bare.pk}/reveal-phone/").status_code == 404


def test_public_pages_never_show_the_phone(client, db, suggestion):
    response = client.post("/topics/suggest/", suggestion)
    assert response.status_code == 302
    topic = Topic.objects.get()
    pages = [
        response["Location"],
        f"/topics/track/{topic.tracking_code}/",
        f"/topics/plan/{timezone.localdate().year}/",
        "/outcomes/",
        "/meetings/",
    ]
    for url in pages:
        html = client.get(url, follow=True).content.decode()
        assert PHONE not in html and MASKED not in html, url
        assert "李阿姨" not in html, url


def test_staff_lists_and_the_topic_export_show_the_number_masked(client, office, topic):
    client.force_login(office)
    assert PHONE not in client.get("/staff/topics/").content.decode()
    response = client.get("/staff/documents/topics.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert MASKED in cells and PHONE not in " ".join(cells)


def test_the_meeting_page_masks_residents_invited_to_it(client, office, village_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a, level="village"))
    Participant.objects.create(meeting=meeting, kind="resident", name="李大爷", phone="13900001111")
    client.force_login(office)
    html = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert "139****1111" in html and "13900001111" not in html


def test_the_audit_log_never_holds_a_residents_phone(client, office, suggestion):
    client.post("/topics/suggest/", suggestion)
    topic = Topic.objects.get()
    topic_services.topic_change_status(topic=topic, to_status="accepted", by=office, action="accept")
    topic_services.topic_add_note(topic=topic, by=office, internal_note="已电话联系")
    for entry in AuditEntry.objects.all():
        assert PHONE not in f"{entry.before} {entry.after} {entry.object_repr}"


# -- the public form's notice ---------------------------------------------------------------------------


def test_the_public_form_says_what_is_collected_who_sees_it_and_how_long(client, db, settings):
    settings.SUBMITTER_RETENTION_MONTHS = 18
    html = client.get("/topics/suggest/").content.decode()
    assert '<section class="privacy' in html and 'aria-labelledby="privacy-title"' in html
    assert 'id="privacy-title">我们收集哪些信息及用途</h2>' in html
    assert 'href="#privacy"' in html
    assert "138****1234" in html
    # needs .pending_i18n/audit.json
    assert "18 个月" in html
    assert "负责办理" in html


# -- retention ------------------------------------------------------------------------------------------


def _closed(town, *, status="declined", phone=PHONE, **fields):
    topic = TopicFactory(town=town, submitter_name="李阿姨", submitter_phone=phone, consent_at=timezone.now(), **fields)
    extra = {"public_note": "已列入计划"} if status == "declined" else {}
    if status == "forwarded":
        extra = {"forwarded_to": UnitFactory()}
    return topic_services.topic_change_status(topic=topic, to_status=status, by=None, action="close", **extra)


def _months_later(months: int):
    return time_machine.travel(timezone.now() + timedelta(days=months * 31), tick=False)


def test_purge_submitters_removes_name_and_phone_of_topics_closed_long_ago_and_keeps_the_topic(town_a):
    old = _closed(town_a)
    forwarded = _closed(town_a, status="forwarded")
    with _months_later(13):
        recent = _closed(town_a)
        still_open = TopicFactory(
            town=town_a, submitter_name="王大伯", submitter_phone="13911112222", consent_at=timezone.now()
        )
    with _months_later(25):
        out = io.StringIO()
        call_command("purge_submitters", stdout=out)
    for topic in (old, forwarded):
        topic.refresh_from_db()
        assert (topic.submitter_name, topic.submitter_phone) == ("", "")
        assert topic.title and topic.tracking_code and topic.status in ("declined", "forwarded")
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert recent.submitter_phone == PHONE and still_open.submitter_phone == "13911112222"
    entry = AuditEntry.objects.get(action="submitters_purge")
    assert entry.actor is None and entry.after["counts"]["topics"] == 2
    assert "submitter's name and phone removed: 2" in out.getvalue()


def test_purge_submitters_is_idempotent(town_a):
    topic = _closed(town_a)
    with _months_later(25):
        call_command("purge_submitters", stdout=io.StringIO())
        call_command("purge_submitters", stdout=io.StringIO())
    topic.refresh_from_db()
    assert topic.submitter_phone == ""
    assert AuditEntry.objects.filter(action="submitters_purge").count() == 1


def test_purge_submitters_takes_the_months_from_the_option_or_the_setting(town_a, settings):
    topic = _closed(town_a)
    with _months_later(7):
        call_command("purge_submitters", stdout=io.StringIO())
        topic.refresh_from_db()
        assert topic.submitter_phone == PHONE  # default 24 months
        call_command("purge_submitters", "--months", "6", stdout=io.StringIO())
        topic.refresh_from_db()
        assert topic.submitter_phone == ""
    other = _closed(town_a)
    settings.SUBMITTER_RETENTION_MONTHS = 3
    with _months_later(4):
        call_command("purge_submitters", stdout=io.StringIO())
    other.refresh_from_db()
    assert other.submitter_phone == ""


def test_purge_submitters_masks_the_number_in_the_sms_already_sent(town_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic = _closed(town_a)
    sms = Notification.objects.filter(channel="sms", object_id=topic.pk)
    assert sms.exists() and set(sms.values_list("status", flat=True)) == {"sent"}
    with _months_later(25):
        call_command("purge_submitters", stdout=io.StringIO())
    assert set(sms.values_list("address", flat=True)) == {MASKED}


def test_the_staff_page_says_the_submitter_was_removed(client, office, town_a):
    topic = _closed(town_a)
    with _months_later(25):
        call_command("purge_submitters", stdout=io.StringIO())
        client.force_login(office)
        html = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert PHONE not in html and "reveal-phone" not in html
    assert "保存期限" in html  # needs .pending_i18n/audit.json


# -- retention of survey and meeting phones -------------------------------------------------------------


def _purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_submitters", *args, stdout=out)
    return out.getvalue()


def _published(town, village):
    return OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=village), status="held"),
        town=town,
        status="implemented",
        answer="已安装 6 盏太阳能路灯。",
        published_at=timezone.now(),
    )


def _rate(item, phone, rating, village=None, comment="路灯亮了"):
    return survey_services.survey_respond(item=item, rating=rating, comment=comment, village=village, phone=phone)


def _sms(obj, address, status="sent"):
    return Notification.objects.create(
        channel="sms",
        kind="test",
        subject="短信",
        address=address,
        status=status,
        sent_at=timezone.now() if status == "sent" else None,
        dedup_key=f"test:{obj._meta.label_lower}:{obj.pk}:{address}:{status}",
        target=obj,
    )


def _held(village, *, status="held"):
    start = timezone.now() - timedelta(days=1)
    extra = {"status_reason": "天气原因"} if status in ("cancelled", "postponed") else {}
    return MeetingFactory(
        platform=PlatformFactory(area=village),
        status=status,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        **extra,
    )


def _guests(meeting):
    """A member, an invited resident, a walk-in and a department's representative."""
    member = Participant.objects.create(meeting=meeting, kind="member", member=MemberFactory(), phone="13700000001")
    resident = Participant.objects.create(meeting=meeting, kind="resident", name="李大爷", phone="13900001111")
    walk_in = Participant.objects.create(
        meeting=meeting, kind="resident", name="王大妈", phone="13900002222", invited=False, response="yes"
    )
    department = Participant.objects.create(
        meeting=meeting, kind="department", name="张科长", organisation="交通局", phone="13900003333"
    )
    return member, resident, walk_in, department


def test_it_removes_the_phone_of_survey_responses_to_results_published_long_ago_and_keeps_the_rates(town_a, village_a):
    old = _published(town_a, village_a)
    old_answers = [_rate(old, PHONE, 5, village_a, "很好"), _rate(old, "13900001111", 2), _rate(old, "13900002222", 3)]
    anonymous = survey_services.survey_respond(item=old, rating=1, browser_token="t" * 32)
    with _months_later(13):
        recent = _published(town_a, village_a)
        recent_answer = _rate(recent, PHONE, 4)
    before = {by: outcome_selectors.satisfaction(by=by) for by in (None, "item", "town", "year")}
    fields = ("item_id", "rating", "comment", "village_id", "browser_token", "created_at")
    kept = {r.pk: [getattr(r, f) for f in fields] for r in SatisfactionResponse.objects.all()}
    with _months_later(25):
        out = _purge()
    for answer in old_answers:
        answer.refresh_from_db()
        assert answer.phone == ""
    recent_answer.refresh_from_db()
    anonymous.refresh_from_db()
    assert recent_answer.phone == PHONE and anonymous.browser_token == "t" * 32
    assert {r.pk: [getattr(r, f) for f in fields] for r in SatisfactionResponse.objects.all()} == kept
    after = {by: outcome_selectors.satisfaction(by=by) for by in (None, "item", "town", "year")}
    assert after == before
    assert before[None][None].rate == 3 / 5 and before["item"][old.pk].total == 4
    assert "Satisfaction responses to results published earlier, phone removed: 3" in out


def test_it_removes_the_phone_of_non_members_at_meetings_held_long_ago_and_leaves_members(village_a):
    held = _held(village_a)
    recorded = _held(village_a, status="recorded")
    cancelled = _held(village_a, status="cancelled")
    postponed = _held(village_a, status="postponed")
    old = _guests(held) + _guests(recorded)[1:] + _guests(cancelled)[1:]
    waiting = _guests(postponed)
    with _months_later(13):
        recent = _guests(_held(village_a))
    with _months_later(25):
        out = _purge()
        again = _purge()  # nothing left: masked names are not taken again
    member, *others = old
    for participant in others:
        participant.refresh_from_db()
        assert participant.phone == ""
    # Residents keep a surname (the model requires a name); a department's representative keeps theirs.
    assert {p.name for p in others} == {"李**", "王**", "张科长"}
    member.refresh_from_db()
    assert member.phone == "13700000001" and member.member_id
    for participant in (*waiting, *recent):
        phone = participant.phone
        participant.refresh_from_db()
        assert participant.phone == phone != ""
    assert "Participants other than members of meetings held earlier, phone removed: 9" in out
    assert again.count(": 0") == 4


def test_a_resident_without_a_phone_still_loses_the_given_name(village_a):
    held = _held(village_a)
    walk_in = Participant.objects.create(meeting=held, kind="resident", name="赵大叔", invited=False, response="yes")
    with _months_later(25):
        _purge()
    walk_in.refresh_from_db()
    assert walk_in.name == "赵**"


def test_it_masks_the_sms_sent_to_those_numbers_about_those_records_only(town_a, village_a):
    item = _published(town_a, village_a)
    answer = _rate(item, "13900001111", 4)
    meeting = _held(village_a)
    _member, resident, _walk_in, _department = _guests(meeting)
    topic = _closed(town_a)
    OutcomeItem.objects.filter(pk=item.pk).update(topic=topic)
    masked = [
        _sms(answer, "13900001111"),
        _sms(item, "13900001111", status="failed"),
        _sms(meeting, resident.phone),
        _sms(resident, resident.phone, status="cancelled"),
        _sms(item, PHONE),  # the result published, told to the topic's submitter
    ]
    kept = [
        _sms(item, "13800009999"),  # someone else told of the same item
        _sms(meeting, resident.phone, status="pending"),  # not gone out: not settled
    ]
    with _months_later(13):
        recent = _published(town_a, village_a)
        kept.append(_sms(recent, "13900001111"))
    with _months_later(25):
        out = _purge()
    for sms in masked:
        sms.refresh_from_db()
        assert "****" in sms.address, sms.kind
    for sms in kept:
        address = sms.address
        sms.refresh_from_db()
        assert sms.address == address
    assert "SMS already sent to those numbers, number masked: 5" in out


def test_a_second_run_finds_nothing_and_writes_no_second_audit_entry(town_a, village_a):
    _closed(town_a)
    _rate(_published(town_a, village_a), PHONE, 5)
    _guests(_held(village_a))
    with _months_later(25):
        first = retention.personal_data_purge()
        second = retention.personal_data_purge()
        output = _purge()
    assert first == {"topics": 1, "survey_responses": 1, "participants": 3, "sms": 0}
    assert second == dict.fromkeys(retention.KINDS, 0)
    assert output.count(": 0") == 4
    assert AuditEntry.objects.filter(action="submitters_purge").count() == 1


def test_one_audit_entry_per_run_lists_the_counts_per_kind_and_no_number(town_a, village_a):
    _closed(town_a)
    _rate(_published(town_a, village_a), "13900001111", 5)
    _guests(_held(village_a))
    with _months_later(25):
        _purge("--months", "24")
    entry = AuditEntry.objects.get(action="submitters_purge")
    assert entry.actor is None and entry.action == "submitters_purge"
    assert entry.after["months"] == 24
    assert entry.after["counts"] == {"topics": 1, "survey_responses": 1, "participants": 3, "sms": 0}
    assert not any(p in str(entry.after) for p in (PHONE, "13900001111", "13900002222", "李大爷"))


def test_each_kind_waits_for_the_months_given(town_a, village_a):
    topic = _closed(town_a)
    answer = _rate(_published(town_a, village_a), "13900001111", 5)
    _member, resident, *_ = _guests(_held(village_a))
    with _months_later(5):
        assert retention.personal_data_purge(months=6) == dict.fromkeys(retention.KINDS, 0)
    with _months_later(7):
        counts = retention.personal_data_purge(months=6)
    assert counts == {"topics": 1, "survey_responses": 1, "participants": 3, "sms": 0}
    for obj in (topic, answer, resident):
        obj.refresh_from_db()
    assert topic.submitter_phone == answer.phone == resident.phone == ""


def test_each_batch_is_cleaned_in_its_own_transaction_and_a_failed_run_is_still_audited(town_a, village_a, monkeypatch):
    topics = [_closed(town_a, phone=f"1380000000{n}") for n in range(3)]
    answer = _rate(_published(town_a, village_a), "13900001111", 5)
    monkeypatch.setattr(retention, "BATCH", 2)

    def broken(pks):
        raise RuntimeError("database gone")

    monkeypatch.setattr(retention, "_purge_responses", broken)
    with _months_later(25), pytest.raises(RuntimeError):
        retention.personal_data_purge()
    for topic in topics:
        topic.refresh_from_db()
        assert topic.submitter_phone == ""
    answer.refresh_from_db()
    assert answer.phone == "13900001111"
    assert AuditEntry.objects.get(action="submitters_purge").after["counts"]["topics"] == 3


def test_the_survey_page_says_why_the_phone_is_asked_and_how_long_it_is_kept(client, town_a, village_a, settings):
    settings.SUBMITTER_RETENTION_MONTHS = 18
    item = _published(town_a, village_a)
    client.cookies["django_language"] = "en"
    html = client.get(f"/outcomes/{item.pk}/survey/").content.decode()
    notice = html[html.index('<section class="privacy') : html.index("</section>")]
    assert 'aria-labelledby="survey-privacy-title"' in notice and 'id="survey-privacy-title"' in notice
    assert "one response per person" in notice and "18 months after this result is published" in notice
    assert "rating and comment are kept" in notice
    # Right after the phone field, inside the form.
    form = html[html.index('<form method="post" class="survey-form"') :]
    assert form.index('name="phone"') < form.index('id="survey-privacy"') < form.index("</form>")


def test_the_topic_form_says_the_sms_are_masked_too(client, db):
    client.cookies["django_language"] = "en"
    html = client.get("/topics/suggest/").content.decode()
    assert "your number is masked in the text messages we sent you" in html


def test_beat_runs_the_purge_and_the_audit_pruning_every_night(db):
    from celery.schedules import crontab

    from consult_portal.celery import app
    from consult_portal.models import AuditEntry
    from consult_portal.overview.tasks import purge_personal_data
    from consult_portal.tasks import prune_audit_log

    schedule = app.conf.beat_schedule
    assert schedule["purge-personal-data"]["task"] == purge_personal_data.name
    assert schedule["prune-audit-log"]["task"] == prune_audit_log.name
    assert schedule["purge-personal-data"]["schedule"] == crontab(hour=2, minute=30)
    assert purge_personal_data() == dict.fromkeys(retention.KINDS, 0)
    assert prune_audit_log() == 0
    assert AuditEntry.objects.get(action="audit_prune").after["days"] == 180
