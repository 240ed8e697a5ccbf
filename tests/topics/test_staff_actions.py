import pytest

from consult_portal.models import AuditEntry
from consult_portal.sms import LocmemBackend
from tests.factories import TopicFactory
from topics.models import Topic, TopicEvent


def _act(client, topic, action, **data):
    return client.post(f"/staff/topics/{topic.pk}/{action}/", {f"{action}-{k}": v for k, v in data.items()})


def test_the_topic_page_shows_history_and_internal_notes(client, office, topic_a):
    TopicEvent.objects.create(topic=topic_a, action="note", to_status="submitted", internal_note="先电话联系村支书")
    client.force_login(office)
    html = client.get(f"/staff/topics/{topic_a.pk}/").content.decode()
    assert "先电话联系村支书" in html
    assert "138****5678" in html and "13812345678" not in html


def test_accepting_is_recorded_with_who_and_when(client, office, topic_a, django_capture_on_commit_callbacks):
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, topic_a, "accept", public_note="已受理,将安排调研", internal_note="")
    assert response.status_code == 302
    topic_a.refresh_from_db()
    assert topic_a.status == Topic.Status.ACCEPTED
    event = topic_a.events.get(action="accept")
    assert (event.actor, event.from_status, event.to_status) == (office, "submitted", "accepted")
    assert AuditEntry.objects.filter(action="topic_accept", actor=office, object_id=str(topic_a.pk)).exists()
    assert LocmemBackend.outbox[-1][0] == "13812345678"


def test_declining_needs_a_reason(client, office, topic_a):
    client.force_login(office)
    response = _act(client, topic_a, "decline", public_note="", internal_note="")
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode()
    topic_a.refresh_from_db()
    assert topic_a.status == Topic.Status.SUBMITTED


def test_a_visit_keeps_its_notes(client, liaison_a, topic_a):
    client.force_login(liaison_a)
    _act(client, topic_a, "visit", internal_note="走访了12户,9户反映夜间照明不足", public_note="工作人员将上门了解情况")
    topic_a.refresh_from_db()
    assert topic_a.status == Topic.Status.VISITING
    assert topic_a.events.get(action="visit").internal_note.startswith("走访了12户")


def test_merging_keeps_a_link_between_the_duplicates(client, office, topic_a, town_a):
    main = TopicFactory(town=town_a, title="全村路灯改造")
    client.force_login(office)
    _act(client, topic_a, "merge", target=main.pk, public_note="合并办理")
    topic_a.refresh_from_db()
    assert topic_a.merged_into == main
    assert "村口路灯坏了" in client.get(f"/staff/topics/{main.pk}/").content.decode()


def test_merging_into_an_unknown_topic_is_refused(client, office, topic_a):
    client.force_login(office)
    response = _act(client, topic_a, "merge", target=999999, public_note="")
    assert response.status_code == 400
    topic_a.refresh_from_db()
    assert topic_a.status == Topic.Status.SUBMITTED


def test_forwarding_names_the_unit(client, office, topic_a, unit):
    client.force_login(office)
    _act(client, topic_a, "forward", unit=unit.pk, public_note="属于日常管理事项,已转住建局办理")
    topic_a.refresh_from_db()
    assert (topic_a.status, topic_a.forwarded_to) == (Topic.Status.FORWARDED, unit)


def test_a_likely_duplicate_is_pointed_out(client, office, topic_a, village_a, town_a):
    TopicFactory(town=town_a, village=village_a, title="村口的路灯坏了")
    TopicFactory(town=town_a, village=village_a, title="垃圾分类宣传")
    client.force_login(office)
    html = client.get(f"/staff/topics/{topic_a.pk}/").content.decode()
    block = html[html.index("可能重复") :]
    assert "村口的路灯坏了" in block[:2000] and "垃圾分类宣传" not in block[:2000]


def test_town_a_staff_cannot_see_or_act_on_town_b_topics(client, liaison_a, topic_b):
    client.force_login(liaison_a)
    assert client.get(f"/staff/topics/{topic_b.pk}/").status_code == 404
    assert _act(client, topic_b, "accept", public_note="").status_code == 404
    topic_b.refresh_from_db()
    assert topic_b.status == Topic.Status.SUBMITTED


@pytest.mark.parametrize("persona", ["leader", "member", "unit"])
def test_only_office_and_liaison_staff_act(client, personas, persona, topic_a):
    client.force_login(personas[persona])
    assert _act(client, topic_a, "accept", public_note="").status_code == 403


def test_a_leader_reads_the_topic_without_actions(client, leader, topic_a):
    client.force_login(leader)
    html = client.get(f"/staff/topics/{topic_a.pk}/").content.decode()
    assert "村口路灯坏了" in html and "/accept/" not in html


def test_office_staff_enter_a_party_and_government_request(client, office, town_a):
    client.force_login(office)
    data = {
        "title": "背街小巷改造",
        "description": "县委要求协商背街小巷改造方案",
        "category": "development",
        "town": town_a.pk,
        "requesting_body": "中共示范县委办公室",
        "document_number": "县委办〔2026〕12号",
        "requested_on": "2026-03-01",
        "year": 2026,
    }
    response = client.post("/staff/topics/new/", {**data, "requesting_body": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert 'value="背街小巷改造"' in response.content.decode()
    response = client.post("/staff/topics/new/", data)
    topic = Topic.objects.get(title="背街小巷改造")
    assert response["Location"] == f"/staff/topics/{topic.pk}/"
    assert (topic.source, topic.requesting_body, topic.document_number) == (
        "party",
        "中共示范县委办公室",
        "县委办〔2026〕12号",
    )
    assert topic.created_by == office


def test_residents_are_texted_in_chinese_whatever_language_staff_use(
    client, office, topic_a, django_capture_on_commit_callbacks
):
    client.force_login(office)
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, topic_a, "decline", public_note="已列入道路改造计划", internal_note="")
    number, text = LocmemBackend.outbox[-1]
    assert number == "13812345678"
    assert "未采纳" in text and "已列入道路改造计划" in text
