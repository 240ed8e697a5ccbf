"""Who hears of a topic (#15): the office and the town's liaison staff of a new resident's topic, one by one or in
one daily digest; the leaders of a draft plan waiting for approval; the residents of a published plan, never of a
draft."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consult_portal.models import NotificationPreference
from tests.factories import TopicFactory
from tests.notices_helpers import link_in, mails_to, opens_for, rows, sms_to, told
from topics import notices, services
from topics.models import ConsultationPlan, Topic
from topics.tasks import send_topic_digest

PHONE = "13812345678"
BASE = "https://zx.example.gov.cn"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE


@pytest.fixture
def staff(office, liaison_a, liaison_b, leader):
    return {"office": office, "liaison_a": liaison_a, "liaison_b": liaison_b, "leader": leader}


def _digest(user):
    NotificationPreference.objects.create(user=user, topic_digest=True)


# -- a new resident's topic --------------------------------------------------------------------------


def test_a_residents_topic_tells_the_office_and_its_towns_liaison_once_with_the_link_to_it(
    client, suggestion, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/topics/suggest/", suggestion).status_code == 302
    topic = Topic.objects.get()
    assert told(notices.KIND_NEW) == [
        ("liaison_a", "email"),
        ("liaison_a", "inapp"),
        ("office1", "email"),
        ("office1", "inapp"),
    ]  # not town B's liaison, not the leader
    for who in ("office", "liaison_a"):
        notice = rows(notices.KIND_NEW).get(recipient=staff[who], channel="inapp")
        assert notice.link == f"/staff/topics/{topic.pk}/" and "村口路灯坏了" in notice.subject
        page = opens_for(staff[who], notice)
        assert page.status_code == 200 and "村口路灯坏了" in page.content.decode()
    (mail,) = mails_to(staff["office"].email)
    assert link_in(mail.body, BASE) == f"/staff/topics/{topic.pk}/"

    # The same form sent again (a double click) makes no topic and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/topics/suggest/", suggestion)
    assert rows(notices.KIND_NEW).count() == 4


def test_topics_entered_by_staff_tell_nobody(office, staff, town_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_submit(
            title="加装电梯",
            description="老旧小区加装电梯",
            source=Topic.Source.PARTY,
            category="livelihood",
            town=town_a,
            year=timezone.localdate().year,
            requesting_body="县委办",
            by=office,
        )
    assert not rows(notices.KIND_NEW).exists()


def test_who_chose_the_digest_gets_one_message_a_day_listing_the_new_topics(
    staff, town_a, town_b, django_capture_on_commit_callbacks
):
    _digest(staff["office"])
    _digest(staff["liaison_b"])
    yesterday = timezone.localdate() - timedelta(days=1)
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        topics = [
            services.resident_topic_submit(
                submission_key=f"key-{n}", title=f"议题{n}", description="路灯坏了", category="livelihood", town=town
            )[0]
            for n, town in enumerate((town_a, town_a, town_b))
        ]
    # One by one only for those who did not choose the digest: town A's liaison, for its two.
    assert told(notices.KIND_NEW) == sorted([("liaison_a", "email"), ("liaison_a", "inapp")] * 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_topic_digest.delay().get() == 4  # yesterday's: the office's and town B's liaison's, two channels
    assert told(notices.KIND_DIGEST) == [
        ("liaison_b", "email"),
        ("liaison_b", "inapp"),
        ("office1", "email"),
        ("office1", "inapp"),
    ]
    office_digest = rows(notices.KIND_DIGEST).get(recipient=staff["office"], channel="inapp")
    assert "3" in office_digest.subject and yesterday.isoformat() in office_digest.subject
    assert all(t.tracking_code in office_digest.body for t in topics)
    page = opens_for(staff["office"], office_digest)
    assert page.status_code == 200 and all(t.title in page.content.decode() for t in topics)
    town_b_digest = rows(notices.KIND_DIGEST).get(recipient=staff["liaison_b"], channel="inapp")
    assert topics[2].tracking_code in town_b_digest.body and topics[0].tracking_code not in town_b_digest.body
    assert town_b_digest.link == f"/staff/topics/{topics[2].pk}/"  # a digest of one topic opens it
    assert opens_for(staff["liaison_b"], town_b_digest).status_code == 200

    # The command (for cron) runs the same digest: for that day, nothing more.
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_topic_digest", "--date", yesterday.isoformat(), stdout=out)
    assert "0" in out.getvalue()
    assert rows(notices.KIND_DIGEST).count() == 4
    assert len(mails_to(staff["office"].email)) == 1


# -- the annual plan -------------------------------------------------------------------------------------


@pytest.fixture
def resident_topic(town_a):
    return TopicFactory(
        town=town_a, title="老旧小区加装电梯", status="accepted", submitter_phone=PHONE, consent_at=timezone.now()
    )


def test_a_draft_plan_tells_its_residents_nothing_and_the_leaders_it_waits_for_approval(
    office, staff, resident_topic, town_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.plan_add_topic(topic=resident_topic, quarter=2, platform_level="town", by=office)
    assert sms_to(PHONE) == []  # "当前状态：已列入年度计划" waits for the publication
    assert told(notices.KIND_PLAN_APPROVAL) == [("leader1", "email"), ("leader1", "inapp")]
    notice = rows(notices.KIND_PLAN_APPROVAL).get(channel="inapp")
    assert notice.link == f"/staff/plans/{entry.plan.year}/" and str(entry.plan.year) in notice.subject
    assert opens_for(staff["leader"], notice).status_code == 200

    # More entries the same day: no more messages; on another day, one more.
    other = TopicFactory(town=town_a, status="accepted", year=resident_topic.year)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_add_topic(topic=other, quarter=3, platform_level="town", by=office)
    assert rows(notices.KIND_PLAN_APPROVAL).count() == 2
    later = TopicFactory(town=town_a, status="accepted", year=resident_topic.year)
    with time_machine.travel(timezone.now() + timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        services.plan_add_topic(topic=later, quarter=3, platform_level="town", by=office)
    assert rows(notices.KIND_PLAN_APPROVAL).count() == 4
    assert "3" in rows(notices.KIND_PLAN_APPROVAL).filter(channel="inapp").last().body


def test_publishing_the_plan_texts_each_resident_whose_topic_is_in_it_the_link_to_follow_it(
    office, leader, resident_topic, town_a, django_capture_on_commit_callbacks
):
    now = timezone.now()
    merged = TopicFactory(
        town=town_a, status="merged", merged_into=resident_topic, submitter_phone="13900002222", consent_at=now
    )
    TopicFactory(town=town_a, status="accepted", submitter_phone="13900003333", consent_at=now)  # in no plan
    services.plan_add_topic(topic=resident_topic, quarter=2, platform_level="town", by=office)
    plan = ConsultationPlan.objects.get()
    services.plan_approve(plan=plan, by=leader, approved_by="县政协主席会议", approved_on=timezone.localdate())
    assert not rows(notices.KIND_PLAN_PUBLISHED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_publish(plan=plan, by=office)
    assert told(notices.KIND_PLAN_PUBLISHED) == [(PHONE, "sms"), ("13900002222", "sms")]
    (text,) = sms_to(PHONE)
    assert resident_topic.tracking_code in text and str(plan.year) in text
    assert link_in(text, BASE) == f"/topics/track/{resident_topic.tracking_code}/"
    assert Client().get(link_in(text, BASE)).status_code == 200
    assert merged.tracking_code in sms_to("13900002222")[0]

    with django_capture_on_commit_callbacks(execute=True):
        notices.plan_published(plan)  # told again: the same rows, nothing sent twice
    assert rows(notices.KIND_PLAN_PUBLISHED).count() == 2
    assert len(sms_to(PHONE)) == 1
