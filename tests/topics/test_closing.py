"""Topics close (#15): the publication of a topic's last result concludes it (已办结) with that date, its tracking page
links to each result and its survey, its submitter gets one SMS; staff close a consulted topic without outcome items
with a note; a data migration closes the topics already finished."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from consult_portal.models import AuditEntry, Notification
from outcomes import services as outcome_services
from tests.factories import MeetingFactory, OutcomeFactory, TopicFactory
from topics import services
from topics.models import Topic

PHONE = "13812345678"


def _consulted(town, **fields):
    return TopicFactory(
        town=town, status="consulted", submitter_phone=fields.pop("phone", PHONE), consent_at=timezone.now(), **fields
    )


def _item(topic, *, meeting=None, status="implemented", **fields):
    """An item of `topic` whose answer the office has accepted, ready to be published."""
    meeting = meeting or MeetingFactory(status="recorded")
    meeting.topics.add(topic)
    return OutcomeFactory(
        meeting=meeting,
        topic=fields.pop("item_topic", topic),
        status=status,
        answer=fields.pop("answer", "路灯已全部更换。"),
        reason="资金未落实" if status == "not_feasible" else "",
        closed_at=fields.pop("closed_at", timezone.now()),
        **fields,
    )


def _publish(item, office):
    return outcome_services.outcome_publish(item=item, by=office)


def _sms(topic):
    return Notification.objects.filter(channel="sms", address=topic.submitter_phone)


def test_it_concludes_the_topic_when_its_last_result_is_published_and_links_result_and_survey(client, office, town_a):
    topic = _consulted(town_a, title="村口路灯改造")
    first, last = _item(topic), _item(topic, status="not_feasible", answer="暂不具备条件")
    _publish(first, office)
    topic.refresh_from_db()
    assert topic.status == "consulted" and topic.closed_at is None

    last = _publish(last, office)
    topic.refresh_from_db()
    assert topic.status == "concluded"
    assert topic.closed_at == last.published_at
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert 'data-status="concluded"' in html and "已办结" in html
    assert f'data-closed="{timezone.localtime(last.published_at):%Y-%m-%d}"' in html
    for item in (first, last):
        assert f'href="/outcomes/{item.pk}/"' in html and f'href="/outcomes/{item.pk}/survey/"' in html
    assert "路灯已全部更换。" in html and "暂不具备条件" in html and "资金未落实" in html


def test_the_submitter_gets_one_sms_with_the_link_to_rate_the_result_when_the_topic_concludes(office, town_a):
    topic = _consulted(town_a)
    item = _item(topic)
    _publish(item, office)
    _publish(item, office)  # published twice: nothing more
    services.topic_conclude_if_done(topic=topic, by=office)

    [sms] = _sms(topic)  # the conclusion's SMS replaces the result's
    assert sms.kind == "topic_concluded" and topic.tracking_code in sms.subject
    assert sms.link == f"/outcomes/{item.pk}/survey/"


def test_with_several_results_the_sms_links_to_the_topics_page_which_links_to_each(office, town_a):
    topic = _consulted(town_a)
    first, last = _item(topic), _item(topic)
    _publish(first, office)
    _publish(last, office)
    assert list(_sms(topic).order_by("pk").values_list("kind", "link")) == [
        ("outcome_published", f"/outcomes/{first.pk}/survey/"),
        ("topic_concluded", f"/topics/track/{topic.tracking_code}/"),
    ]


def test_a_topic_with_an_item_still_open_stays_consulted(client, office, town_a):
    topic = _consulted(town_a)
    published = _item(topic)
    _item(topic, status="in_progress", answer="", closed_at=None)
    _publish(published, office)
    topic.refresh_from_db()
    assert topic.status == "consulted" and topic.closed_at is None
    assert not _sms(topic).filter(kind="topic_concluded").exists()
    # What is published shows already, with its survey.
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert f'href="/outcomes/{published.pk}/survey/"' in html and "已办结" not in html


def test_merged_topics_close_with_the_topic_they_went_into(client, office, town_a):
    primary = _consulted(town_a, phone="13900001111")
    duplicate = TopicFactory(town=town_a, submitter_phone=PHONE, consent_at=timezone.now())
    services.topic_change_status(topic=duplicate, to_status="merged", by=office, action="merge", merged_into=primary)
    own, carried = _item(primary), _item(primary, item_topic=duplicate)  # an item of the duplicate counts too
    _publish(own, office)
    primary.refresh_from_db()
    assert primary.status == "consulted"

    carried = _publish(carried, office)
    primary.refresh_from_db()
    duplicate.refresh_from_db()
    assert primary.status == "concluded" and duplicate.status == "merged"
    assert primary.closed_at == duplicate.closed_at == carried.published_at
    html = client.get(f"/topics/track/{duplicate.tracking_code}/").content.decode()
    assert f'href="/outcomes/{own.pk}/survey/"' in html and f'href="/outcomes/{carried.pk}/survey/"' in html
    for topic in (primary, duplicate):
        assert _sms(topic).filter(kind="topic_concluded").count() == 1


def test_the_items_of_a_meeting_on_several_topics_conclude_each_of_them(office, town_a):
    meeting = MeetingFactory(status="recorded")
    first, second = _consulted(town_a), _consulted(town_a, phone="13900002222")
    meeting.topics.add(first, second)
    items = [_item(first, meeting=meeting, item_topic=None) for _ in range(2)]
    for item in items:
        _publish(item, office)
    assert set(Topic.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"concluded"}


def test_the_conclusion_is_audited_and_in_the_public_history(client, office, town_a):
    topic = _consulted(town_a)
    _publish(_item(topic), office)
    entry = AuditEntry.objects.get(action="topic_conclude")
    assert entry.actor == office and entry.after["status"] == "concluded" and entry.after["closed_at"]
    assert list(topic.events.values_list("to_status", flat=True))[-1] == "concluded"


# -- staff close a topic without outcome items -----------------------------------------------------------


def test_staff_close_a_consulted_topic_without_items_with_a_note_the_submitter_reads(
    client, office, liaison_b, town_a
):
    topic = _consulted(town_a)
    client.force_login(liaison_b)  # another town's liaison does not see it
    assert client.post(f"/staff/topics/{topic.pk}/close/", {"close-public_note": "已解决"}).status_code == 404
    client.force_login(office)
    page = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert f"/staff/topics/{topic.pk}/close/" in page
    response = client.post(
        f"/staff/topics/{topic.pk}/close/",
        {"close-public_note": "协商后村里已自筹资金解决，无需交办。", "close-internal_note": "电话回访"},
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == "concluded" and topic.closed_at is not None
    assert AuditEntry.objects.filter(action="topic_conclude", actor=office).exists()
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert "已办结" in html and "协商后村里已自筹资金解决，无需交办。" in html and "电话回访" not in html
    sms = _sms(topic).get(kind="topic_status")
    assert sms.body == "协商后村里已自筹资金解决，无需交办。" and sms.link == f"/topics/track/{topic.tracking_code}/"


def test_staff_cannot_close_a_topic_whose_items_are_not_all_published(client, office, town_a):
    topic = _consulted(town_a)
    _item(topic, status="in_progress", answer="", closed_at=None)
    client.force_login(office)
    assert f"/staff/topics/{topic.pk}/close/" not in client.get(f"/staff/topics/{topic.pk}/").content.decode()
    response = client.post(f"/staff/topics/{topic.pk}/close/", {"close-public_note": "已解决"})
    assert response.status_code == 400
    topic.refresh_from_db()
    assert topic.status == "consulted"


def test_closing_needs_a_note_and_a_consulted_topic(office, town_a):
    topic = _consulted(town_a)
    with pytest.raises(ValidationError):
        services.topic_close(topic=topic, by=office, public_note="  ")
    accepted = TopicFactory(town=town_a, status="accepted")
    with pytest.raises(ValidationError):
        services.topic_close(topic=accepted, by=office, public_note="已解决")
    assert not Topic.objects.filter(status="concluded").exists()


# -- the data migration -----------------------------------------------------------------------------------

def test_the_migration_closes_the_finished_topics_and_its_reverse_reopens_only_those(office, town_a):
    migration = importlib.import_module("topics.migrations.0006_close_topics_whose_results_are_published")
    finished, unfinished = _consulted(town_a), _consulted(town_a)
    published = _item(finished)
    open_item = _item(unfinished)
    # Published before topics closed by themselves: the topic stayed consulted.
    moment = timezone.now() - timezone.timedelta(days=40)
    type(published).objects.filter(pk__in=[published.pk, open_item.pk]).update(published_at=moment)
    type(open_item).objects.filter(pk=open_item.pk).update(published_at=None)
    concluded_by_staff = _consulted(town_a)
    services.topic_close(topic=concluded_by_staff, by=office, public_note="已解决")
    declined = TopicFactory(town=town_a)
    services.topic_change_status(topic=declined, to_status="declined", by=office, action="decline", public_note="否")
    Topic.objects.filter(pk=declined.pk).update(closed_at=None)

    migration.close_finished_topics(apps, None)
    finished.refresh_from_db()
    unfinished.refresh_from_db()
    declined.refresh_from_db()
    assert (finished.status, finished.closed_at) == ("concluded", moment)
    assert finished.events.order_by("at", "id").last().at == moment
    assert unfinished.status == "consulted"
    assert declined.closed_at == declined.events.get(to_status="declined").at
    assert not _sms(finished).filter(kind="topic_concluded").exists()

    migration.reopen_what_it_closed(apps, None)
    finished.refresh_from_db()
    concluded_by_staff.refresh_from_db()
    assert (finished.status, finished.closed_at) == ("consulted", None)
    assert concluded_by_staff.status == "concluded"
