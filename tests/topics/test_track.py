from topics import services
from topics.models import Topic


def test_it_finds_a_topic_by_code_however_it_is_typed(client, topic_a):
    code = topic_a.tracking_code
    spaced = f" {code[:4].lower()} {code[4:].lower()} "
    response = client.get("/topics/track/", {"code": spaced})
    assert response["Location"] == f"/topics/track/{code}/"


def test_it_says_clearly_when_a_code_is_unknown(client, db):
    response = client.get("/topics/track/", {"code": "ZZZZ9999"})
    assert response.status_code == 200
    assert "没有找到该查询码" in response.content.decode()
    assert client.get("/topics/track/ZZZZ9999/").status_code == 404


def test_it_shows_status_history_and_the_public_reason_but_nothing_personal(client, topic_a, office):
    services.topic_change_status(
        topic=topic_a,
        to_status=Topic.Status.DECLINED,
        by=office,
        action="decline",
        public_note="该事项已列入县道路改造计划,无需协商。",
        internal_note="内部:与交通局电话核实",
    )
    html = client.get(f"/topics/track/{topic_a.tracking_code}/").content.decode()
    assert "未采纳" in html
    assert "该事项已列入县道路改造计划,无需协商。" in html
    for secret in ("13812345678", "李阿姨", "内部:与交通局电话核实", office.username):
        assert secret not in html


def test_it_links_a_merged_topic_to_the_one_that_goes_on(client, topic_a, office, town_a):
    from tests.factories import TopicFactory

    main = TopicFactory(town=town_a, title="全村路灯改造")
    services.topic_change_status(
        topic=topic_a,
        to_status=Topic.Status.MERGED,
        by=office,
        action="merge",
        merged_into=main,
        public_note="与同类议题合并办理",
    )
    html = client.get(f"/topics/track/{topic_a.tracking_code}/").content.decode()
    assert "全村路灯改造" in html and f"/topics/track/{main.tracking_code}/" in html


def test_the_qr_code_is_an_svg(client, topic_a):
    response = client.get(f"/topics/track/{topic_a.tracking_code}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") or b"<svg" in response.content[:200]


def _refused_lookup(response):
    from django.utils import translation

    from topics.views.public import LOOKUP_REFUSED

    with translation.override("zh-hans"):
        message = str(LOOKUP_REFUSED)
    html = response.content.decode()
    return response.status_code == 429 and '<html lang="zh-CN">' in html and message in html


def test_it_refuses_the_lookup_after_the_limit_of_the_address_and_not_others(client, topic_a, settings):
    settings.TRACKING_LOOKUPS_PER_HOUR = 3
    code = topic_a.tracking_code
    for _ in range(3):
        assert client.get(f"/topics/track/{code}/", REMOTE_ADDR="10.8.8.8").status_code == 200
    # The next look-up from that address is refused, by every way of looking a code up.
    assert _refused_lookup(client.get(f"/topics/track/{code}/", REMOTE_ADDR="10.8.8.8"))
    assert _refused_lookup(client.get("/topics/track/", {"code": "ZZZZ9999"}, REMOTE_ADDR="10.8.8.8"))
    assert _refused_lookup(client.get(f"/topics/track/{code}/qr.svg", REMOTE_ADDR="10.8.8.8"))
    assert _refused_lookup(client.get(f"/topics/receipt/{code}/", REMOTE_ADDR="10.8.8.8"))
    # The empty form still opens, and another address still looks codes up.
    assert client.get("/topics/track/", REMOTE_ADDR="10.8.8.8").status_code == 200
    assert client.get(f"/topics/track/{code}/", REMOTE_ADDR="10.8.8.9").status_code == 200


def test_unknown_codes_use_up_the_lookups_too(client, topic_a, settings):
    settings.TRACKING_LOOKUPS_PER_HOUR = 2
    for guess in ("ZZZZ0001", "ZZZZ0002"):
        assert client.get(f"/topics/track/{guess}/", REMOTE_ADDR="10.8.8.7").status_code == 404
    assert _refused_lookup(client.get(f"/topics/track/{topic_a.tracking_code}/", REMOTE_ADDR="10.8.8.7"))
