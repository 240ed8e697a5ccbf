"""Retention (#8): the submitter's name and phone removed some months after the topic closes; the same for the phone
of satisfaction responses and of the residents at meetings, and the SMS sent to them; beat runs it every night."""


import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from consult_portal.models import AuditEntry, Notification
from consult_portal.overview import retention
from outcomes import selectors as outcome_selectors
from outcomes import services as outcome_services
from outcomes import services_survey as survey_services
from outcomes.models import OutcomeItem, SatisfactionResponse
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory
from topics import services as topic_services

PHONE = "13812345678"
MASKED = "138****5678"


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
    return SatisfactionResponse.objects.create(
        item=item, rating=rating, comment=comment, village=village, phone=phone, verified=True
    )


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
    # The answer without a confirmed phone is kept and shown apart, never counted (#16).
    assert before[None][None].rate == 3 / 4 and before["item"][old.pk].total == 3
    assert outcome_selectors.unverified()[None].total == 1
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


# -- counted from the topic's closing (#15) -------------------------------------------------------------


def _consulted_with_an_accepted_item(town, phone=PHONE):
    topic = TopicFactory(
        town=town, status="consulted", submitter_name="李阿姨", submitter_phone=phone, consent_at=timezone.now()
    )
    item = OutcomeFactory(topic=topic, status="implemented", answer="已修复", closed_at=timezone.now())
    item.meeting.topics.add(topic)
    return topic, item


def test_the_purge_counts_from_the_day_the_last_result_concluded_the_topic(town_a, office):
    topic, item = _consulted_with_an_accepted_item(town_a)
    with _months_later(13):
        outcome_services.outcome_publish(item=item, by=office)
    with _months_later(25):
        call_command("purge_submitters", stdout=io.StringIO())
        topic.refresh_from_db()
        assert topic.submitter_phone == PHONE  # consulted 25 months ago, but closed 12 months ago
    with _months_later(13 + 25):
        call_command("purge_submitters", stdout=io.StringIO())
    topic.refresh_from_db()
    assert topic.status == "concluded" and (topic.submitter_name, topic.submitter_phone) == ("", "")


def test_a_merged_topic_keeps_its_submitter_until_the_topic_it_went_into_closes(town_a, office):
    primary, item = _consulted_with_an_accepted_item(town_a, phone="13911112222")
    merged = TopicFactory(town=town_a, submitter_name="王大伯", submitter_phone=PHONE, consent_at=timezone.now())
    topic_services.topic_change_status(topic=merged, to_status="merged", by=office, action="merge", merged_into=primary)
    with _months_later(25):
        call_command("purge_submitters", stdout=io.StringIO())
        merged.refresh_from_db()
        assert merged.submitter_phone == PHONE  # still told of the result of the topic it went into
        outcome_services.outcome_publish(item=item, by=office)
    with _months_later(50):
        call_command("purge_submitters", stdout=io.StringIO())
    merged.refresh_from_db()
    assert merged.submitter_phone == ""
