"""Verified satisfaction (#16): only answers from a phone confirmed by an SMS code count, one per phone, changeable
until the survey closes; the stuffing of the issue moves neither the rate nor the station's assessment, while a
real resident behind the same shared address still answers and is counted."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import PhoneCode
from consult_portal.sms import LocmemBackend
from outcomes.models import SatisfactionResponse
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory
from tests.outcomes.survey_helpers import (
    answer_unverified,
    answer_verified,
    last_code,
    send_code,
    survey_url,
)

VILLAGE_WIFI = "10.0.0.7"  # one address for the whole village: its shared Wi-Fi, or a carrier's NAT


def _item(town, **extra):
    now = timezone.now()
    return OutcomeFactory(
        meeting=MeetingFactory(
            platform=PlatformFactory(area=town),
            status="held",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(days=30) + timedelta(hours=2),
        ),
        status="implemented",
        answer="已安装 6 盏太阳能路灯。",
        published_at=now - timedelta(days=1),
        **extra,
    )


@pytest.fixture
def item(town_a):
    return _item(town_a, text="更换村口至学校路段的路灯")


@pytest.fixture
def rated(item):
    """17 residents answered from confirmed phones, 15 of them satisfied: 88.2%."""
    for n in range(17):
        SatisfactionResponse.objects.create(
            item=item, rating=4 if n < 15 else 1, phone=f"1390000{n:04d}", verified=True
        )
    return item


def _rate(client, item) -> str:
    return re.search(r'data-rate="([^"]+)"', client.get(f"/outcomes/{item.pk}/").content.decode()).group(1)


def _station(client, office, town):
    client.force_login(office)
    scores = client.get("/staff/assessment/", {"year": timezone.localdate().year}).context["scores"]
    client.logout()
    score = next(s for s in scores if s.town == town)
    return (score.satisfaction.satisfied, score.satisfaction.total, score.total)


def test_the_stuffing_moves_neither_the_verified_rate_nor_the_assessment(rated, office, town_a):
    item, reader = rated, Client()
    before_rate, before_station = _rate(reader, item), _station(reader, office, town_a)
    assert before_rate == "88.2%" and before_station[:2] == (15, 17)
    # 35 answers from one address without cookies: each is kept, as unverified.
    for _n in range(35):
        assert answer_unverified(Client(), item, {"rating": "1"}, REMOTE_ADDR=VILLAGE_WIFI).status_code == 302
    # The same browser typing invented mobiles: the codes go to those numbers, a guess confirms nothing.
    browser = Client()
    for invented in ("13100000001", "13100000002", "13100000003"):
        assert send_code(browser, item, invented, REMOTE_ADDR=VILLAGE_WIFI).status_code == 200
        guess = {"step": "verified", "phone": invented, "code": "123456", "rating": "1"}
        refused = browser.post(survey_url(item), guess, REMOTE_ADDR=VILLAGE_WIFI)
        assert refused.status_code == 400 and last_code(invented) != "123456"
    # Six fresh browsers from the one address.
    for _n in range(6):
        assert answer_unverified(Client(), item, {"rating": "1"}, REMOTE_ADDR=VILLAGE_WIFI).status_code == 302
    assert SatisfactionResponse.objects.filter(verified=False).count() == 41
    assert _rate(reader, item) == before_rate and _station(reader, office, town_a) == before_station
    page = reader.get(f"/outcomes/{item.pk}/").content.decode()
    assert "41" in re.search(r'<span class="unverified-count">(.*?)</span>', page, re.S).group(1)
    # A real resident on the same shared address still answers, and counts.
    resident = Client()
    assert answer_verified(resident, item, "13812345678", {"rating": "5"}, REMOTE_ADDR=VILLAGE_WIFI).status_code == 302
    assert _rate(reader, item) == "88.9%"  # 16 of 18
    assert _station(reader, office, town_a)[:2] == (16, 18)


def test_a_code_expires_after_its_minutes(client, item, settings):
    settings.PHONE_CODE_MINUTES = 10
    assert send_code(client, item, "13812345678").status_code == 200
    code = last_code("13812345678")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        data = {"step": "verified", "phone": "13812345678", "code": code, "rating": "5", "comment": "好"}
        response = client.post(survey_url(item), data)
    html = response.content.decode()
    assert response.status_code == 400 and not SatisfactionResponse.objects.exists()
    code_field = html[html.index('id="div_id_code"') : html.index('id="div_id_rating"')]
    assert _("This code has expired. Ask for a new one.") in code_field
    assert "好</textarea>" in html  # the answer is kept, to send again with a new code


def test_the_code_is_stored_only_as_a_keyed_hash(client, item):
    send_code(client, item, "13812345678")
    code = last_code("13812345678")
    row = PhoneCode.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
    stored = [str(getattr(row, f.attname)) for f in PhoneCode._meta.concrete_fields]
    assert not any(code in value for value in stored)


def test_five_wrong_tries_use_up_a_code(client, item):
    send_code(client, item, "13812345678")
    code = last_code("13812345678")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(5):
        data = {"step": "verified", "phone": "13812345678", "code": wrong, "rating": "5"}
        assert client.post(survey_url(item), data).status_code == 400
    data = {"step": "verified", "phone": "13812345678", "code": code, "rating": "5"}
    response = client.post(survey_url(item), data)
    assert response.status_code == 400 and _("This code has expired. Ask for a new one.") in response.content.decode()
    assert not SatisfactionResponse.objects.exists()


def test_one_number_gets_three_codes_an_hour(client, item):
    for _n in range(3):
        assert send_code(client, item, "13812345678").status_code == 200
    response = send_code(client, item, "13812345678")
    html = response.content.decode()
    assert response.status_code == 429
    phone_field = html[html.index('id="div_id_phone"') :]
    assert "请等待" in phone_field or _("Please wait before asking again.").split(".")[0] in phone_field
    assert 'value="13812345678"' in html
    assert len(LocmemBackend.outbox) == 3
    assert send_code(client, item, "13987654321").status_code == 200  # another number is not held back


def test_the_address_limit_on_codes_is_generous_but_exists(item, settings):
    settings.PHONE_CODES_PER_ADDRESS_PER_HOUR = 2
    for phone in ("13800000001", "13800000002"):
        assert send_code(Client(), item, phone, REMOTE_ADDR=VILLAGE_WIFI).status_code == 200
    assert send_code(Client(), item, "13800000003", REMOTE_ADDR=VILLAGE_WIFI).status_code == 429
    assert send_code(Client(), item, "13800000003", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_the_default_limits_let_a_village_answer_from_one_address(item):
    """Forty residents behind one address, each with their own phone, all answer and all count."""
    for n in range(40):
        assert answer_verified(Client(), item, f"1370000{n:04d}", REMOTE_ADDR=VILLAGE_WIFI).status_code == 302
    assert SatisfactionResponse.objects.filter(verified=True).count() == 40


def test_a_resident_changes_their_answer_until_the_survey_closes(item, settings):
    resident = Client()
    assert answer_verified(resident, item, "13812345678", {"rating": "5"}).status_code == 302
    assert _rate(resident, item) == "100.0%"
    changed = answer_verified(Client(), item, "138 1234 5678", {"rating": "1", "comment": "灯又坏了"})
    assert changed.status_code == 302 and changed["Location"].endswith("?changed=1")
    thanks = Client().get(changed["Location"]).content.decode()
    assert _("Your earlier answer from this phone has been replaced by this one.") in thanks
    answer = SatisfactionResponse.objects.get()
    assert (answer.rating, answer.comment, answer.verified) == (1, "灯又坏了", True) and answer.updated_at
    assert _rate(resident, item) == "0.0%"  # the latest counts, once
    settings.SUBMITTER_RETENTION_MONTHS = 1
    with time_machine.travel(item.published_at + timedelta(days=45)):
        assert send_code(resident, item, "13812345678").status_code == 410
    assert SatisfactionResponse.objects.get().rating == 1


def test_a_code_for_one_result_does_not_confirm_another(client, item, town_a):
    other = _item(town_a, text="修缮村卫生室")
    send_code(client, item, "13812345678")
    data = {"step": "verified", "phone": "13812345678", "code": last_code("13812345678"), "rating": "5"}
    assert client.post(survey_url(other), data).status_code == 400
    assert not SatisfactionResponse.objects.exists()


def test_a_hand_edited_phone_needs_its_own_code(client, item):
    send_code(client, item, "13812345678")
    data = {"step": "verified", "phone": "13900000000", "code": last_code("13812345678"), "rating": "5"}
    assert client.post(survey_url(item), data).status_code == 400
    assert not SatisfactionResponse.objects.exists()


# -- the office's anomaly list ---------------------------------------------------------------------------------

ANOMALIES = "/staff/outcomes/satisfaction/unusual/"


def _stuff(item, answers: int, address: str = VILLAGE_WIFI):
    for _n in range(answers):
        answer_unverified(Client(), item, {"rating": "1"}, REMOTE_ADDR=address)


def test_the_office_sees_bursts_from_one_address_one_browser_and_one_comment(client, office, item):
    _stuff(item, 35)
    browser = Client()
    for phone in ("13800000001", "13800000002", "13800000003"):
        answer_verified(browser, item, phone, {"rating": "1"}, REMOTE_ADDR="10.3.3.3")
    for address in ("10.4.4.1", "10.4.4.2"):
        answer_unverified(Client(), item, {"rating": "1", "comment": "路灯 没修好！"}, REMOTE_ADDR=address)
    answer_unverified(Client(), item, {"rating": "5", "comment": "很好"}, REMOTE_ADDR="10.5.5.5")
    client.force_login(office)
    response = client.get(ANOMALIES)
    html = response.content.decode()
    assert response.status_code == 200
    rows = re.findall(r'<tr data-kind="(\w+)">.*?data-count="(\d+)".*?data-verified="(\d+)"', html, re.S)
    assert ("address", "35", "0") in rows
    assert ("browser", "3", "3") in rows
    assert ("comment", "2", "0") in rows
    assert "路灯 没修好！" in html and "很好" not in html
    assert VILLAGE_WIFI not in html  # a network is named by a key, never by its address
    assert f'href="/staff/outcomes/{item.pk}/"' in html


def test_the_anomaly_list_is_for_the_office_only(client, liaison_a, leader, member_user):
    for user in (liaison_a, leader, member_user):
        client.force_login(user)
        assert client.get(ANOMALIES).status_code == 403
    client.logout()
    assert client.get(ANOMALIES).status_code == 302


def test_the_anomaly_list_says_when_nothing_is_unusual(client, office, item):
    answer_unverified(Client(), item, {"rating": "5"})
    client.force_login(office)
    assert _("Nothing unusual in this period.") in client.get(ANOMALIES).content.decode()


def test_the_anomaly_list_uses_the_same_queries_at_two_sizes(client, office, item, town_a):
    client.force_login(office)
    _stuff(item, 12)
    client.get(ANOMALIES)
    with CaptureQueriesContext(connection) as small:
        client.get(ANOMALIES)
    _stuff(_item(town_a), 30, "10.6.6.6")
    with CaptureQueriesContext(connection) as large:
        html = client.get(ANOMALIES).content.decode()
    assert html.count('<tr data-kind="address">') == 2
    assert len(large.captured_queries) == len(small.captured_queries) <= 8


def test_a_number_lost_between_the_steps_is_said_at_the_top(client, item):
    send_code(client, item, "13812345678")
    data = {"step": "verified", "phone": "12", "code": last_code("13812345678"), "rating": "5", "comment": "好"}
    response = client.post(survey_url(item), data)
    html = response.content.decode()
    assert response.status_code == 400 and not SatisfactionResponse.objects.exists()
    assert _("The number from the first step could not be read. Start again with your number.") in html
    assert "好</textarea>" in html
