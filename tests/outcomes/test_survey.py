"""群众评商: the residents' satisfaction survey of a published outcome in two steps (the phone confirmed by an SMS
code, then the answer), or without a phone as an unverified answer, one per browser."""

import re
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.sms import LocmemBackend
from outcomes.models import SatisfactionResponse
from outcomes.views.public import COOKIE, COOKIE_SALT
from tests.factories import AreaFactory, MeetingFactory, OutcomeFactory, PlatformFactory
from tests.outcomes.survey_helpers import answer_unverified, answer_verified, last_code, send_code


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
    return {"rating": "4", "comment": "路灯亮了，晚上好走多了。", "village": village_a.pk}


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


def _labelled(html: str) -> None:
    """Every input shown has its label."""
    fields = re.findall(r"<(?:input|select|textarea)[^>]*>", html)
    ids = {re.search(r'\bid="([^"]+)"', f).group(1) for f in fields if 'type="hidden"' not in f and ' id="' in f}
    assert ids - set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html)) == set()


def test_it_asks_the_phone_first_and_says_why(client, item):
    response = client.get(_url(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-cache" in response["Cache-Control"]
    phone = _block(html, "phone")
    assert 'autocomplete="tel"' in phone and _("Mobile phone") in phone
    assert _("Only answers from a confirmed phone count in the satisfaction rate") in phone
    assert 'name="rating"' not in html  # step 1 asks the phone only
    assert f'href="/outcomes/{item.pk}/survey/?without=phone"' in html
    _labelled(html)
    form = html[html.index('<form method="post" class="survey-form') :]
    assert form[: form.index("</form>")].count('name="csrfmiddlewaretoken"') == 1


def test_the_second_step_asks_the_code_and_five_answers_in_a_fieldset(client, item):
    response = send_code(client, item, "138 1234 5678")
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html and "13812345678" not in html.replace('value="13812345678"', "")
    assert 'type="hidden" name="phone" value="13812345678"' in html
    assert 'autocomplete="one-time-code"' in _block(html, "code")
    rating = _block(html, "rating")
    assert "<fieldset>" in rating and "<legend" in rating and "您对这项办理结果满意吗" in rating
    labels = re.findall(r'<label for="id_rating_\d" class="form-check-label">\s*(\S+)\s*</label>', rating)
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert re.findall(r'name="rating" value="(\d)"', rating) == ["5", "4", "3", "2", "1"]
    _labelled(html)


def test_it_offers_the_villages_of_the_items_town_only(client, item, village_a, village_b):
    village = _block(client.get(_url(item) + "?without=phone").content.decode(), "village")
    assert village_a.name in village and village_b.name not in village and "不愿透露" in village


def test_it_offers_every_village_for_a_county_wide_item(client, county, village_a, village_b, answer):
    county_wide = _item(county)
    assert county_wide.town is None
    village = _block(client.get(_url(county_wide) + "?without=phone").content.decode(), "village")
    assert village_a.name in village and village_b.name in village
    assert answer_verified(client, county_wide, "13812345678", {**answer, "village": village_b.pk}).status_code == 302
    assert SatisfactionResponse.objects.get().village == village_b


def test_it_records_a_verified_answer_and_thanks_with_the_new_rate(client, item, village_a, answer):
    SatisfactionResponse.objects.create(item=item, rating=1, phone="13700000000", verified=True)
    response = answer_verified(client, item, "138 1234 5678", answer)
    assert response.status_code == 302
    assert response["Location"] == f"/outcomes/{item.pk}/survey/thanks/"
    saved = SatisfactionResponse.objects.get(phone="13812345678")
    assert (saved.item, saved.rating, saved.comment, saved.village) == (item, 4, "路灯亮了，晚上好走多了。", village_a)
    assert saved.verified and saved.browser_token == _token(client)  # the browser is recorded too
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert thanks.status_code == 200
    assert _("Thank you, your rating has been recorded") in html
    assert 'data-rate="50.0%"' in html and re.search("2 人评价[,，]其中 1 人满意", html)
    assert "13812345678" not in html and "路灯亮了" not in html


def test_it_takes_an_answer_without_a_phone_as_unverified(client, item):
    assert answer_unverified(client, item, {"rating": "5"}).status_code == 302
    saved = SatisfactionResponse.objects.get()
    assert (saved.rating, saved.comment, saved.village, saved.phone, saved.verified) == (5, "", None, "", False)
    assert saved.browser_token == _token(client)
    html = client.get(f"/outcomes/{item.pk}/").content.decode()
    assert 'data-rate="—"' in html  # not counted …
    assert (
        _("Not counted: %(total)s answer without a confirmed phone (%(satisfied)s satisfied).")
        .replace("%(total)s", "1")
        .replace("%(satisfied)s", "1")
        in html
    )  # … but shown apart


def test_it_refuses_a_second_unverified_answer_from_the_same_browser(client, item):
    assert answer_unverified(client, item, {"rating": "5"}).status_code == 302
    response = answer_unverified(client, item, {"rating": "1"})
    assert response.status_code == 409
    assert _("Thank you, you have already rated this result.") in response.content.decode()
    assert list(SatisfactionResponse.objects.values_list("rating", flat=True)) == [5]
    # Coming back to the form, the browser is told it has already answered.
    assert _("Thank you, you have already rated this result.") in client.get(_url(item)).content.decode()


def test_the_same_browser_can_still_give_a_verified_answer(client, item):
    assert answer_unverified(client, item, {"rating": "5"}).status_code == 302
    assert answer_verified(client, item, "13812345678", {"rating": "2"}).status_code == 302
    assert sorted(SatisfactionResponse.objects.values_list("verified", "rating")) == [(False, 5), (True, 2)]


def test_it_counts_each_survey_separately(client, item, town_a):
    second = _item(town_a)
    assert answer_unverified(client, item, {"rating": "5"}).status_code == 302
    assert answer_unverified(client, second, {"rating": "4"}).status_code == 302
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
    response = answer_unverified(client, item, {"rating": "5"})
    assert response.status_code == 302
    fresh = _token(client)
    assert fresh != "0123456789abcdef0123456789abcdef"
    assert SatisfactionResponse.objects.get(rating=5).browser_token == fresh


BAD = {
    "rating 0": ({"rating": "0"}, "rating", "请从五个选项中选择一项"),
    "rating 6": ({"rating": "6"}, "rating", "请从五个选项中选择一项"),
    "rating abc": ({"rating": "abc"}, "rating", "请从五个选项中选择一项"),
    "no rating": ({"rating": ""}, "rating", "请选择您的满意程度"),
    "a village of another town": (
        {"village": "other"},
        "village",
        lambda: _("Choose a village or community from the list."),
    ),
    "a village that does not exist": (
        {"village": "999999"},
        "village",
        lambda: _("Choose a village or community from the list."),
    ),
    "no code": ({"code": ""}, "code", lambda: _("Enter the six-digit code from the SMS.")),
    "a code of letters": ({"code": "abcdef"}, "code", lambda: _("The code is six digits.")),
    "a wrong code": (
        {"code": "wrong"},
        "code",
        lambda: _("This code is not the one we sent. Check the SMS and type its six digits."),
    ),
    "a comment too long": (
        {"comment": "长" * 1001},
        "comment",
        lambda: (
            _("%(label)s takes at most %(limit_value)s characters; this is %(show_value)s.")
            % {"label": _("Your comment"), "limit_value": 1000, "show_value": 1001}
        ),
    ),
}


@pytest.mark.parametrize("case", BAD.keys())
def test_it_rejects_bad_input_beside_the_field_and_keeps_what_was_typed(client, item, answer, village_b, case):
    change, field, message = BAD[case]
    message = message() if callable(message) else message
    if change.get("village") == "other":
        change = {"village": village_b.pk}
    assert send_code(client, item, "13812345678").status_code == 200
    code = last_code("13812345678")
    if change.get("code") == "wrong":
        change = {"code": f"{(int(code) + 1) % 10**6:06d}"}
    data = {"step": "verified", "phone": "13812345678", "code": code, **answer, **change}
    response = client.post(_url(item), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert SatisfactionResponse.objects.count() == 0
    assert message in _block(html, field)
    assert 'name="phone" value="13812345678"' in html
    if field != "comment":
        assert "路灯亮了，晚上好走多了。</textarea>" in html
    if field != "code":
        assert f'value="{code}"' in html
    if field != "rating":
        assert re.search(r'name="rating" value="4"[^>]*\bchecked', html)
    if field != "village":
        assert re.search(rf'<option value="{answer["village"]}" selected>', html)


@pytest.mark.parametrize("typed", ["12345", "0571-8888888", ""])
def test_it_rejects_a_phone_that_is_not_a_mobile_beside_the_field(client, item, typed):
    response = send_code(client, item, typed)
    html = response.content.decode()
    assert response.status_code == 400
    assert ("11 位手机号码" if typed else _("Enter your mobile number to receive the code.")) in _block(html, "phone")
    assert not LocmemBackend.outbox
    if typed:
        assert f'value="{typed}"' in html


def test_it_rejects_a_comment_of_exactly_the_limit_plus_one_but_takes_the_limit(client, item):
    assert answer_unverified(client, item, {"rating": "3", "comment": "长" * 1000}).status_code == 302
    assert len(SatisfactionResponse.objects.get().comment) == 1000


def test_it_limits_unverified_answers_per_address(item, answer, settings):
    settings.SURVEY_RESPONSES_PER_HOUR = 2
    for _n in range(2):
        assert answer_unverified(Client(), item, answer).status_code == 302
    response = answer_unverified(Client(), item, {**answer, "comment": "第三条意见"})
    html = response.content.decode()
    assert response.status_code == 429
    assert _("Too many responses have been sent from this network in the last hour. Please try again later.") in html
    assert "第三条意见</textarea>" in html
    assert SatisfactionResponse.objects.count() == 2
    # Another address is not held back.
    assert answer_unverified(Client(), item, answer, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_refused_duplicate_does_not_use_up_the_limit(client, item, answer, settings):
    settings.SURVEY_RESPONSES_PER_HOUR = 2
    assert answer_unverified(client, item, answer).status_code == 302
    assert answer_unverified(client, item, answer).status_code == 409
    assert answer_unverified(Client(), item, answer).status_code == 302
    assert answer_unverified(Client(), item, answer).status_code == 429


def test_it_hides_the_survey_of_an_unpublished_item(client, town_a, answer):
    closed = OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"),
        status="implemented",
        answer="已办结",
    )
    assert client.get(_url(closed)).status_code == 404
    assert send_code(client, closed, "13812345678").status_code == 404
    assert answer_unverified(client, closed, answer).status_code == 404
    assert SatisfactionResponse.objects.count() == 0 and not LocmemBackend.outbox


def test_it_shows_what_was_typed_as_text(client, item, answer):
    response = answer_unverified(client, item, {**answer, "comment": "<script>alert(1)</script>", "rating": "x"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html


def test_a_village_from_a_factory_area_of_the_same_town_is_accepted(client, item, town_a):
    another = AreaFactory(level="village", parent=town_a, name="甲二村")
    assert answer_unverified(client, item, {"rating": "5", "village": another.pk}).status_code == 302
    assert SatisfactionResponse.objects.get().village == another


def test_the_survey_closes_when_its_answers_phones_are_purged(client, item, settings):
    import time_machine

    settings.SUBMITTER_RETENTION_MONTHS = 24
    page = f"/outcomes/{item.pk}/survey/"
    with time_machine.travel(item.published_at + timedelta(days=30 * 24 + 15)):
        html = client.get(page).content.decode()
        assert "评价已结束" in html and "<form" not in html.split("</header>", 1)[-1].split("<footer", 1)[0]
        assert answer_unverified(client, item).status_code == 410
        assert send_code(client, item, "13812345678").status_code == 410
        assert not SatisfactionResponse.objects.exists() and not LocmemBackend.outbox
        assert "评价已结束" in client.get(f"/outcomes/{item.pk}/").content.decode()
    with time_machine.travel(item.published_at + timedelta(days=30 * 23)):
        assert answer_verified(client, item, "13812345678").status_code == 302


@pytest.mark.parametrize("typed", ["138 0000-1234", "+86 13800001234", "１３８００００１２３４"])
def test_it_sends_the_code_to_and_stores_a_typed_mobile_as_its_11_digits(client, item, answer, typed):
    assert answer_verified(client, item, typed, answer).status_code == 302
    assert SatisfactionResponse.objects.get().phone == "13800001234"
    assert {number for number, _text in LocmemBackend.outbox} == {"13800001234"}
