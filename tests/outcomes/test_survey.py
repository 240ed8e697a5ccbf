"""群众评商: the residents' satisfaction survey of a published outcome, one response per phone or browser."""

import re
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.translation import gettext as _

from outcomes.models import SatisfactionResponse
from outcomes.views.public import COOKIE, COOKIE_SALT
from tests.factories import AreaFactory, MeetingFactory, OutcomeFactory, PlatformFactory


def _item(area, **extra):
    return OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=area), status="held"),
        text="更换村口至学校路段的路灯",
        status="implemented",
        answer="已安装 6 盏太阳能路灯。",
        published_at=timezone.now() - timedelta(days=1),
        **extra,
    )


@pytest.fixture
def item(town_a, village_a):
    return _item(town_a)


@pytest.fixture
def answer(village_a):
    """What a resident fills in."""
    return {"rating": "4", "comment": "路灯亮了,晚上好走多了。", "village": village_a.pk, "phone": "138 1234 5678"}


def _url(item) -> str:
    return f"/outcomes/{item.pk}/survey/"


def _block(html: str, field: str) -> str:
    """The markup of one field's wrapper, up to the next field."""
    start = html.index(f'id="div_id_{field}"')
    following = html.find('id="div_id_', start + 10)
    return html[start : following if following != -1 else len(html)]


def _token(client) -> str:
    """The browser token in the client's cookie, checked as the view checks it."""
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = client.cookies[COOKIE].value
    return request.get_signed_cookie(COOKIE, salt=COOKIE_SALT)


def _signed_elsewhere(token: str) -> str:
    response = HttpResponse()
    response.set_signed_cookie(COOKIE, token, salt="another-salt")
    return response.cookies[COOKIE].value


def test_it_asks_five_answers_in_a_fieldset_and_says_why_it_asks_the_phone(client, item):
    response = client.get(_url(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-cache" in response["Cache-Control"]
    rating = _block(html, "rating")
    assert "<fieldset>" in rating and "<legend" in rating and "您对这项办理结果满意吗" in rating
    labels = re.findall(r'<label for="id_rating_\d" class="form-check-label">\s*(\S+)\s*</label>', rating)
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert re.findall(r'name="rating" value="(\d)"', rating) == ["5", "4", "3", "2", "1"]
    assert "仅用于确保每人只计一次评价，不会公开" in _block(html, "phone")
    # Every input has its label.
    fields = re.findall(r"<(?:input|select|textarea)[^>]*>", html)
    ids = {re.search(r'\bid="([^"]+)"', f).group(1) for f in fields if 'type="hidden"' not in f and ' id="' in f}
    assert ids - set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html)) == set()
    form = html[html.index('<form method="post" class="survey-form"') :]
    assert form[: form.index("</form>")].count('name="csrfmiddlewaretoken"') == 1


def test_it_offers_the_villages_of_the_items_town_only(client, item, village_a, village_b):
    village = _block(client.get(_url(item)).content.decode(), "village")
    assert village_a.name in village and village_b.name not in village and "不愿透露" in village


def test_it_offers_every_village_for_a_county_wide_item(client, county, village_a, village_b, answer):
    county_wide = _item(county)
    assert county_wide.town is None
    village = _block(client.get(_url(county_wide)).content.decode(), "village")
    assert village_a.name in village and village_b.name in village
    assert client.post(_url(county_wide), {**answer, "village": village_b.pk}).status_code == 302
    assert SatisfactionResponse.objects.get().village == village_b


def test_it_records_a_response_and_thanks_with_the_new_rate(client, item, village_a, answer):
    SatisfactionResponse.objects.create(item=item, rating=1, phone="13700000000")
    response = client.post(_url(item), answer)
    assert response.status_code == 302
    assert response["Location"] == f"/outcomes/{item.pk}/survey/thanks/"
    saved = SatisfactionResponse.objects.get(phone="13812345678")
    assert (saved.item, saved.rating, saved.comment, saved.village) == (item, 4, "路灯亮了,晚上好走多了。", village_a)
    assert saved.browser_token == ""  # with a phone, the phone is what counts
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert thanks.status_code == 200
    assert "谢谢，您的评价已记录" in html
    assert 'data-rate="50.0%"' in html and "2 人评价，其中 1 人满意" in html
    assert "13812345678" not in html and "路灯亮了" not in html


def test_it_takes_a_rating_alone(client, item):
    assert client.post(_url(item), {"rating": "5"}).status_code == 302
    saved = SatisfactionResponse.objects.get()
    assert (saved.rating, saved.comment, saved.village, saved.phone) == (5, "", None, "")
    assert saved.browser_token == _token(client)


def test_it_refuses_a_second_response_from_the_same_phone_politely(client, item, answer):
    assert client.post(_url(item), answer).status_code == 302
    other_browser = Client()
    response = other_browser.post(_url(item), {**answer, "rating": "1", "phone": "13812345678"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "谢谢，您已经评价过这项办理结果" in html and "每人只计一次评价" in html
    assert f'href="/outcomes/{item.pk}/"' in html
    assert SatisfactionResponse.objects.get().rating == 4


def test_it_refuses_a_second_response_from_the_same_browser(client, item):
    assert client.post(_url(item), {"rating": "5"}).status_code == 302
    response = client.post(_url(item), {"rating": "1"})
    assert response.status_code == 409
    assert "谢谢，您已经评价过这项办理结果" in response.content.decode()
    assert list(SatisfactionResponse.objects.values_list("rating", flat=True)) == [5]
    # Coming back to the form, the browser is told it has already answered.
    again = client.get(_url(item)).content.decode()
    assert "谢谢，您已经评价过这项办理结果" in again and "请填写本人的手机号码" in again


def test_it_accepts_a_response_from_another_browser_without_a_phone(client, item):
    assert client.post(_url(item), {"rating": "5"}).status_code == 302
    assert Client().post(_url(item), {"rating": "2"}).status_code == 302
    responses = list(SatisfactionResponse.objects.order_by("pk"))
    assert [r.rating for r in responses] == [5, 2]
    assert responses[0].browser_token != responses[1].browser_token


def test_it_counts_each_survey_separately(client, item, town_a):
    second = _item(town_a)
    assert client.post(_url(item), {"rating": "5"}).status_code == 302
    assert client.post(_url(second), {"rating": "4"}).status_code == 302
    assert SatisfactionResponse.objects.count() == 2


def test_it_keeps_the_browser_token_in_a_signed_http_only_cookie(client, item):
    client.get(_url(item))
    cookie = client.cookies[COOKIE]
    assert re.fullmatch(r"[0-9a-f]{32}", _token(client))
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    # The same token stays: the next page does not issue another.
    assert COOKIE not in client.get(_url(item)).cookies


def test_the_cookie_is_secure_when_the_session_cookie_is(client, item, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert client.get(_url(item)).cookies[COOKIE]["secure"]


@pytest.mark.parametrize(
    "forged",
    [
        "0123456789abcdef0123456789abcdef",  # a bare token, unsigned
        "0123456789abcdef0123456789abcdef:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # a made-up signature
        _signed_elsewhere("0123456789abcdef0123456789abcdef"),
    ],
)
def test_it_ignores_a_forged_cookie_and_issues_a_fresh_token(client, item, forged):
    SatisfactionResponse.objects.create(item=item, rating=1, browser_token="0123456789abcdef0123456789abcdef")
    client.cookies[COOKIE] = forged
    response = client.post(_url(item), {"rating": "5"})
    assert response.status_code == 302
    fresh = _token(client)
    assert fresh != "0123456789abcdef0123456789abcdef"
    assert SatisfactionResponse.objects.get(rating=5).browser_token == fresh


BAD = {
    "rating 0": ({"rating": "0"}, "rating", "请从五个选项中选择一项"),
    "rating 6": ({"rating": "6"}, "rating", "请从五个选项中选择一项"),
    "rating abc": ({"rating": "abc"}, "rating", "请从五个选项中选择一项"),
    "no rating": ({"rating": ""}, "rating", "请选择您的满意程度"),
    "a village of another town": ({"village": "other"}, "village", "请从列表中选择村（社区）"),
    "a village that does not exist": ({"village": "999999"}, "village", "请从列表中选择村（社区）"),
    "a malformed phone": ({"phone": "12345"}, "phone", "11 位手机号码"),
    "a landline": ({"phone": "0571-8888888"}, "phone", "11 位手机号码"),
    "a comment too long": (
        {"comment": "长" * 1001},
        "comment",
        lambda: _("%(label)s takes at most %(limit_value)s characters; this is %(show_value)s.")
        % {"label": _("Your comment"), "limit_value": 1000, "show_value": 1001},
    ),
}


@pytest.mark.parametrize("case", BAD.keys())
def test_it_rejects_bad_input_beside_the_field_and_keeps_what_was_typed(client, item, answer, village_b, case):
    change, field, message = BAD[case]
    message = message() if callable(message) else message
    if change.get("village") == "other":
        change = {"village": village_b.pk}
    response = client.post(_url(item), {**answer, **change})
    html = response.content.decode()
    assert response.status_code == 400
    assert SatisfactionResponse.objects.count() == 0
    assert message in _block(html, field)
    if field != "comment":
        assert "路灯亮了,晚上好走多了。</textarea>" in html
    if field != "phone":
        assert 'value="138 1234 5678"' in html
    if field != "rating":
        assert re.search(r'name="rating" value="4"[^>]*\bchecked', html)
    if field != "village":
        assert re.search(rf'<option value="{answer["village"]}" selected>', html)


def test_it_rejects_a_comment_of_exactly_the_limit_plus_one_but_takes_the_limit(client, item):
    assert client.post(_url(item), {"rating": "3", "comment": "长" * 1000}).status_code == 302
    assert len(SatisfactionResponse.objects.get().comment) == 1000


def test_it_limits_responses_per_address(client, item, answer, settings):
    settings.SURVEY_RESPONSES_PER_HOUR = 2
    for phone in ("13800000001", "13800000002"):
        assert client.post(_url(item), {**answer, "phone": phone}).status_code == 302
    response = client.post(_url(item), {**answer, "phone": "13800000003", "comment": "第三条意见"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "过去一小时内从该网络提交的评价过多" in html
    assert "第三条意见</textarea>" in html and 'value="13800000003"' in html
    assert SatisfactionResponse.objects.count() == 2
    # Another address is not held back.
    other = client.post(_url(item), {**answer, "phone": "13800000004"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_a_refused_duplicate_does_not_use_up_the_limit(client, item, answer, settings):
    settings.SURVEY_RESPONSES_PER_HOUR = 2
    assert client.post(_url(item), answer).status_code == 302
    assert client.post(_url(item), answer).status_code == 409
    assert client.post(_url(item), {**answer, "phone": "13800000009"}).status_code == 302
    assert client.post(_url(item), {**answer, "phone": "13800000010"}).status_code == 429


def test_it_hides_the_survey_of_an_unpublished_item(client, town_a, answer):
    closed = OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"),
        status="implemented",
        answer="已办结",
    )
    assert client.get(_url(closed)).status_code == 404
    assert client.post(_url(closed), answer).status_code == 404
    assert SatisfactionResponse.objects.count() == 0


def test_it_shows_what_was_typed_as_text(client, item, answer):
    response = client.post(_url(item), {**answer, "comment": "<script>alert(1)</script>", "phone": "x"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html


def test_a_village_from_a_factory_area_of_the_same_town_is_accepted(client, item, town_a):
    another = AreaFactory(level="village", parent=town_a, name="甲二村")
    assert client.post(_url(item), {"rating": "5", "village": another.pk}).status_code == 302
    assert SatisfactionResponse.objects.get().village == another


def test_the_survey_closes_when_its_answers_phones_are_purged(client, item, settings):
    import time_machine

    settings.SUBMITTER_RETENTION_MONTHS = 24
    page = f"/outcomes/{item.pk}/survey/"
    with time_machine.travel(item.published_at + timedelta(days=30 * 24 + 15)):
        html = client.get(page).content.decode()
        assert "评价已结束" in html and "<form" not in html.split("</header>", 1)[-1].split("<footer", 1)[0]
        refused = client.post(page, {"rating": "4"})
        assert refused.status_code == 410 and not SatisfactionResponse.objects.exists()
        assert "评价已结束" in client.get(f"/outcomes/{item.pk}/").content.decode()
    with time_machine.travel(item.published_at + timedelta(days=30 * 23)):
        assert client.post(page, {"rating": "4"}).status_code == 302


@pytest.mark.parametrize("typed", ["138 0000-1234", "+86 13800001234"])
def test_it_stores_a_typed_mobile_as_its_11_digits(client, item, answer, typed):
    assert client.post(_url(item), {**answer, "phone": typed}).status_code == 302
    assert SatisfactionResponse.objects.get().phone == "13800001234"


def test_it_counts_one_phone_once_however_it_was_typed(client, item, answer):
    assert client.post(_url(item), answer).status_code == 302  # "138 1234 5678"
    response = Client().post(_url(item), {**answer, "rating": "1", "phone": "+86 138-1234-5678"})
    assert response.status_code == 409
    assert SatisfactionResponse.objects.get().rating == 4
