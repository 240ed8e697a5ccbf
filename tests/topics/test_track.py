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
