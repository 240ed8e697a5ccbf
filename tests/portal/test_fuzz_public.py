"""Fuzzing the public forms and query strings: whatever a visitor sends, never a 500.

Arbitrary Unicode (NUL, RTL marks, emoji, astral characters), oversized values (100,000 characters), missing
fields, repeated fields (lists), wrong types, huge numbers and raw bodies that are not valid UTF-8. The data is
database-agnostic; the classic PostgreSQL 500 is a NUL character reaching a query (psycopg2 refuses it), so run
these on PostgreSQL too (DATABASE_URL=postgres://...).
"""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.checkin_tokens import day_token
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory

ACCEPTABLE = {200, 302, 400, 404, 405, 409, 429}
FUZZ = settings(
    max_examples=120,
    database=None,  # no .hypothesis directory in the project
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Everything the test client can encode: all of Unicode but lone surrogates (raw bodies below cover those).
ANY_CHAR = st.characters(exclude_categories=("Cs",))
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x00" * 50,
        "\u202egnp.exe",  # right-to-left override
        "مرحبا بالعالم",
        "\u200f\u200e\u2066",
        "👨‍👩‍👧‍👦🏳️‍🌈",
        "𠀀𪚥",  # astral CJK
        "\ufeff\ufffe\uffff",
        "长" * 100_000,
        "A" * 100_000,
        "-1",
        "0",
        "1e309",
        "NaN",
        "99999999999999999999999999999999",
        "-99999999999999999999",
        "1.5",
        "true",
        "null",
        "[]",
        "{}",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%00",
        "../../etc/passwd",
        "13800001234",
        "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    ]
)
TEXT = st.one_of(NASTY, st.text(ANY_CHAR, max_size=300))
# A field's value: absent, a string, a number, or the field repeated (a list).
DROP = object()
VALUE = st.one_of(
    st.just(DROP),
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.lists(TEXT, min_size=0, max_size=3),
)


def _fields(valid: dict, extra_keys: tuple = ()) -> st.SearchStrategy:
    """Each field kept valid, dropped, or replaced by a fuzzed value; sometimes unknown fields on top."""
    keys = {key: st.one_of(st.just(value), VALUE) for key, value in valid.items()}
    keys.update(dict.fromkeys(extra_keys, VALUE))
    return st.fixed_dictionaries(keys).map(lambda d: {k: v for k, v in d.items() if v is not DROP})


def _check(response):
    assert response.status_code in ACCEPTABLE, response.status_code
    return response


@pytest.fixture
def fuzz_client(settings):
    # The rate limits would turn every later example into a 429 and hide the code behind them.
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 10**9
    settings.SURVEY_RESPONSES_PER_HOUR = 10**9
    return Client()


@pytest.fixture
def published_item(town_a, village_a):
    return OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"),
        status="implemented",
        answer="已安装路灯。",
        published_at=timezone.now() - timedelta(days=1),
    )


@pytest.fixture
def open_meeting(town_a):
    now = timezone.now()
    return MeetingFactory(
        platform=PlatformFactory(area=town_a),
        status="published",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1),
    )


def test_the_topic_form_never_fails(fuzz_client, town_a, village_a):
    valid = {
        "title": "村口路灯坏了",
        "description": "村口到学校的路灯坏了三个月。",
        "category": "livelihood",
        "town": str(town_a.pk),
        "village": str(village_a.pk),
        "name": "李阿姨",
        "phone": "13812345678",
        "consent": "on",
        "website": "",
        "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    }

    @FUZZ
    @given(data=_fields(valid, extra_keys=("photos", "csrfmiddlewaretoken")), multipart=st.booleans())
    def run(data, multipart):
        if multipart:
            _check(fuzz_client.post("/topics/suggest/", data))
        else:
            body = urlencode(data, doseq=True)
            _check(fuzz_client.post("/topics/suggest/", body, content_type="application/x-www-form-urlencoded"))

    run()


def test_the_satisfaction_survey_never_fails(fuzz_client, published_item, village_a):
    url = f"/outcomes/{published_item.pk}/survey/"
    valid = {"rating": "4", "comment": "路灯亮了。", "village": str(village_a.pk), "phone": "138 1234 5678"}

    @FUZZ
    @given(data=_fields(valid), cookie=st.one_of(st.none(), TEXT.filter(lambda s: len(s) < 4000)))
    def run(data, cookie):
        client = Client()
        if cookie is not None:
            client.cookies["outcome_survey"] = quote(cookie)
        _check(client.post(url, data))

    run()


def test_the_check_in_form_never_fails(fuzz_client, open_meeting):
    url = f"/meetings/checkin/{day_token(open_meeting)}/"

    @FUZZ
    @given(data=_fields({"step": "send", "name": "王大姐", "phone": "13800001234"}))
    def run(data):
        _check(fuzz_client.post(url, data))

    run()


PARAMS = {
    "/outcomes/": ("town", "status", "page"),
    "/meetings/": ("town", "page"),
    "/meetings/feed.ics": ("town",),
    "/topics/track/": ("code",),
    "/": ("page", "town"),
}


def test_the_query_strings_never_fail(fuzz_client, published_item, open_meeting):
    TopicFactory(town=open_meeting.platform.area, tracking_code="ABCD2345")
    page = st.one_of(VALUE, st.integers(min_value=-(2**80), max_value=2**80).map(str))

    @FUZZ
    @given(path=st.sampled_from(sorted(PARAMS)), data=st.data())
    def run(path, data):
        params = data.draw(st.fixed_dictionaries(dict.fromkeys(PARAMS[path], page)))
        params = {k: v for k, v in params.items() if v is not DROP}
        _check(fuzz_client.get(f"{path}?{urlencode(params, doseq=True)}"))

    run()


PATHS = [
    "/topics/receipt/{}/",
    "/topics/track/{}/",
    "/topics/track/{}/qr.svg",
    "/members/code/{}/",
    "/members/code/{}/qr.svg",
    "/members/code/{}/qr.png",
    "/meetings/checkin/{}/",
]
INT_PATHS = [
    "/outcomes/{}/",
    "/outcomes/{}/survey/",
    "/outcomes/{}/survey/thanks/",
    "/outcomes/{}/poster/",
    "/outcomes/{}/qr.svg",
    "/meetings/{}/",
    "/meetings/{}/print/",
    "/meetings/{}.ics",
    "/topics/plan/{}/",
]


def test_the_codes_in_urls_never_fail(fuzz_client, published_item):
    TopicFactory(tracking_code="ABCD2345")
    MemberFactory()
    segment = st.one_of(TEXT, st.binary(min_size=1, max_size=40)).filter(lambda s: len(s) > 0)

    @FUZZ
    @given(template=st.sampled_from(PATHS), value=segment, post=st.booleans())
    def run(template, value, post):
        # Bytes are sent percent-encoded as they are, invalid UTF-8 and encoded surrogates included.
        url = template.format(quote(value, safe=""))
        _check(fuzz_client.post(url, {"name": "x"}) if post else fuzz_client.get(url))

    run()


def test_the_numbers_in_urls_never_fail(fuzz_client, published_item):
    @FUZZ
    @given(template=st.sampled_from(INT_PATHS), number=st.integers(min_value=0, max_value=10**40))
    def run(template, number):
        _check(fuzz_client.get(template.format(number)))

    run()


RAW_TARGETS = ["/topics/suggest/", "/topics/track/", "/outcomes/{pk}/survey/"]


def test_raw_bodies_never_fail(fuzz_client, published_item, town_a):
    """Bodies that are not what a browser sends: invalid UTF-8, encoded surrogates, broken multipart."""
    body = st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(
            [
                b"title=%ED%A0%80&description=%ED%B0%80&town=%00",  # UTF-8-encoded surrogates and NUL
                b"title=\xed\xa0\x80&description=\xff\xfe&category=\xc0\xaf",
                b"rating=%00&comment=%00&phone=%00&village=%00",
                b"code=%00&code=%ED%A0%80",
                b"=&&&==&%%%&%zz=%",
                b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\n\x00\r\n--b--',
                b"a=" + b"%E9%95%BF" * 40_000,
            ]
        ),
    )

    @FUZZ
    @given(
        target=st.sampled_from(RAW_TARGETS),
        payload=body,
        content_type=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "application/x-www-form-urlencoded; charset=nonsense",
                "multipart/form-data; boundary=b",
                "multipart/form-data",
                "application/json",
                "text/plain",
            ]
        ),
    )
    def run(target, payload, content_type):
        url = target.format(pk=published_item.pk)
        _check(fuzz_client.generic("POST", url, payload, content_type=content_type))

    run()
