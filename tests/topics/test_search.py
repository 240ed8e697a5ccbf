"""Staff find a topic by its tracking code, and (audited) by the last four digits of the submitter's phone (#15)."""

import pytest

from consult_portal.models import AuditEntry
from tests.factories import TopicFactory

URL = "/staff/topics/"
CONSENT = "2026-01-01T00:00:00Z"


@pytest.fixture
def coded(town_a):
    return TopicFactory(town=town_a, title="村口路灯坏了", tracking_code="K7QM3WXP")


@pytest.mark.parametrize("typed", ["K7QM3WXP", "k7qm3wxp", " K7QM 3WXP ", "k7qm-3wxp"])
def test_it_finds_a_topic_by_its_tracking_code_whatever_its_case_and_spaces(client, office, coded, town_a, typed):
    TopicFactory(town=town_a, title="菜市场排水")
    client.force_login(office)
    html = client.get(URL, {"q": typed}).content.decode()
    assert "村口路灯坏了" in html
    assert "菜市场排水" not in html


def test_liaison_staff_find_their_own_towns_topics_by_code_only(client, liaison_a, liaison_b, coded):
    client.force_login(liaison_a)
    assert "村口路灯坏了" in client.get(URL, {"q": "k7qm 3wxp"}).content.decode()
    client.force_login(liaison_b)
    assert "村口路灯坏了" not in client.get(URL, {"q": "k7qm 3wxp"}).content.decode()


@pytest.fixture
def phones(town_a, town_b):
    TopicFactory(town=town_a, title="甲镇李阿姨的议题", submitter_phone="13812345678", consent_at=CONSENT)
    TopicFactory(town=town_a, title="甲镇王大爷的议题", submitter_phone="13900009999", consent_at=CONSENT)
    TopicFactory(town=town_b, title="乙镇张阿姨的议题", submitter_phone="13712345678", consent_at=CONSENT)


def test_office_staff_find_topics_by_a_phones_last_four_digits_and_see_it_masked(client, office, phones):
    client.force_login(office)
    html = client.get(URL, {"phone_tail": "5678"}).content.decode()
    assert "甲镇李阿姨的议题" in html and "乙镇张阿姨的议题" in html
    assert "甲镇王大爷的议题" not in html
    assert "138****5678" in html and "137****5678" in html
    assert "13812345678" not in html and "13712345678" not in html


def test_each_phone_search_is_audited_with_who_asked_and_what(client, office, phones):
    client.force_login(office)
    client.get(URL, {"phone_tail": "5678"})
    entry = AuditEntry.objects.get(action="phone_search")
    assert entry.actor == office
    assert entry.after == {"phone_tail": "5678", "town": None, "found": 2}
    assert entry.ip == "127.0.0.1"


def test_liaison_staff_search_phones_in_their_own_town_only(client, liaison_a, town_a, phones):
    client.force_login(liaison_a)
    html = client.get(URL, {"phone_tail": "5678"}).content.decode()
    assert "甲镇李阿姨的议题" in html
    assert "乙镇张阿姨的议题" not in html
    assert AuditEntry.objects.get(action="phone_search").after["town"] == town_a.pk


def test_office_and_liaison_staff_get_the_phone_search_and_leaders_do_not(client, office, liaison_a, leader, phones):
    for staff in (office, liaison_a):
        client.force_login(staff)
        assert 'name="phone_tail"' in client.get(URL).content.decode()
    client.force_login(leader)
    html = client.get(URL, {"phone_tail": "5678"}).content.decode()
    assert 'name="phone_tail"' not in html
    assert "甲镇王大爷的议题" in html  # the digits are not a filter for them
    assert not AuditEntry.objects.filter(action="phone_search").exists()


@pytest.mark.parametrize("typed", ["567", "45678", "56a8"])
def test_a_phone_search_needs_exactly_four_digits(client, office, phones, typed):
    client.force_login(office)
    response = client.get(URL, {"phone_tail": typed})
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert not AuditEntry.objects.filter(action="phone_search").exists()


def test_full_width_digits_are_searched_as_digits(client, office, phones):
    client.force_login(office)
    html = client.get(URL, {"phone_tail": "９９９９"}).content.decode()
    assert "甲镇王大爷的议题" in html and "甲镇李阿姨的议题" not in html
