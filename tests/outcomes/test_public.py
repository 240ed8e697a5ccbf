"""公示: the public list of published outcomes, one outcome's page, its printable notice and its QR code."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from outcomes import services, services_survey
from outcomes.models import ProgressPhoto, SatisfactionResponse
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory, TopicFactory

LIST = "/outcomes/"
UNIT_PHONE = "13900001111"
RESIDENT_PHONE = "13812345678"


def published(town, text="修复村口路灯", status="implemented", days_ago=1, **extra):
    """A closed and published item of a meeting held in `town`."""
    meeting = MeetingFactory(platform=PlatformFactory(area=town), status="held")
    return OutcomeFactory(
        meeting=meeting,
        text=text,
        status=status,
        answer=extra.pop("answer", "已更换路灯 12 盏。"),
        reason="资金尚未落实" if status == "not_feasible" else "",
        contact_phone=UNIT_PHONE,
        published_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )


def respond(item, *ratings):
    for n, rating in enumerate(ratings):
        SatisfactionResponse.objects.create(verified=True, item=item, rating=rating, phone=f"1370000{n:04d}")


@pytest.fixture
def handled(office, unit, town_a, village_a):
    """An item taken through the services: handed over, progress with a photo, answered not feasible, accepted,
    published; then rated online 5, 4, 3, 2 and by a field visit of 10 people, 6 of them satisfied."""
    topic = TopicFactory(town=town_a, title="村口路灯坏了", submitter_phone=RESIDENT_PHONE, consent_at=timezone.now())
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a), status="held", title="甲一村路灯协商会")
    meeting.topics.set([topic])
    item = services.outcome_hand_over(
        text="更换村口至学校路段的路灯",
        unit=unit,
        contact_name="王科长",
        contact_phone=UNIT_PHONE,
        deadline=timezone.localdate() + timedelta(days=30),
        meeting=meeting,
        by=office,
    )
    update = services.outcome_post_progress(item=item, text="已完成现场勘查", by=office)
    ProgressPhoto.objects.create(
        update=update, image="outcomes/2026/01/site.jpg", thumbnail="outcomes/2026/01/thumbs/site.jpg"
    )
    services.outcome_answer(
        item=item, answer="已安装 6 盏太阳能路灯。", status="not_feasible", reason="线路改造需列入明年预算", by=office
    )
    services.outcome_accept(item=item, by=office)
    item = services.outcome_publish(item=item, by=office, notify=False)
    for n, rating in enumerate((5, 4, 3, 2)):
        SatisfactionResponse.objects.create(verified=True, item=item, rating=rating, phone=f"1381111000{n}")
    services_survey.survey_tally_add(
        item=item,
        by=office,
        method="visit",
        date=timezone.localdate(),
        sample_size=10,
        very_satisfied=2,
        satisfied=2,
        basically_satisfied=2,
        dissatisfied=3,
        very_dissatisfied=1,
    )
    return item


def _rows(html: str) -> list[str]:
    return re.findall(r'data-outcome="(\d+)"', html)


def test_it_lists_only_published_items_newest_first(client, town_a):
    old = published(town_a, text="旧的成果", days_ago=9)
    new = published(town_a, text="新的成果", days_ago=1)
    OutcomeFactory(meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"), text="办理中的事项")
    OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"),
        text="已办结未公示",
        status="implemented",
        answer="已办结",
    )
    response = client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert _rows(html) == [str(new.pk), str(old.pk)]
    assert "办理中的事项" not in html and "已办结未公示" not in html
    assert f'href="/outcomes/{new.pk}/"' in html
    assert "成果公示" in html and "甲镇" in html and "已落实" in html and "承办单位" in html


def test_it_shows_each_item_with_its_unit_town_status_date_and_rate(client, town_a):
    item = published(town_a, text="长" * 200, days_ago=0)
    respond(item, 5, 4, 1)
    html = client.get(LIST).content.decode()
    row = html[html.index(f'data-outcome="{item.pk}"') :]
    row = row[: row.index("</li>")]
    assert "长" * 70 in row and "长" * 80 not in row  # truncated
    assert item.unit.name in row and "甲镇" in row and "已落实" in row
    assert timezone.localdate().isoformat() in row
    assert "满意率 66.7%（3 人评价）" in row


def test_it_says_when_an_item_has_no_responses(client, town_a):
    published(town_a)
    assert "暂无满意度评价" in client.get(LIST).content.decode()


def test_it_filters_by_town(client, town_a, town_b, village_a):
    in_a = published(town_a, text="甲镇成果")
    in_village = published(village_a, text="甲一村成果")
    in_b = published(town_b, text="乙镇成果")
    html = client.get(LIST, {"town": town_a.pk}).content.decode()
    assert set(_rows(html)) == {str(in_a.pk), str(in_village.pk)}
    assert f'<option value="{town_a.pk}" selected>' in html
    assert set(_rows(client.get(LIST, {"town": town_b.pk}).content.decode())) == {str(in_b.pk)}
    # A village is not a choice, and an unknown value shows every town.
    assert village_a.name not in html[html.index('id="outcome-town"') : html.index("</select>")]
    assert len(_rows(client.get(LIST, {"town": village_a.pk}).content.decode())) == 3
    assert len(_rows(client.get(LIST, {"town": "x"}).content.decode())) == 3


def test_it_filters_by_status(client, town_a):
    done = published(town_a, status="implemented")
    partly = published(town_a, status="partly")
    not_feasible = published(town_a, status="not_feasible")
    for status, item in (("implemented", done), ("partly", partly), ("not_feasible", not_feasible)):
        html = client.get(LIST, {"status": status}).content.decode()
        assert _rows(html) == [str(item.pk)], status
    html = client.get(LIST, {"status": "assigned"}).content.decode()
    assert len(_rows(html)) == 3
    options = html[html.index('id="outcome-status"') : html.index("</select>", html.index('id="outcome-status"'))]
    assert "部分落实" in options and "暂不具备条件" in options and "已交办" not in options


def test_it_pages_by_twenty_and_keeps_the_filters(client, town_a):
    for n in range(21):
        published(town_a, text=f"成果{n}", status="partly", days_ago=n)
    html = client.get(LIST, {"town": town_a.pk, "status": "partly"}).content.decode()
    assert len(_rows(html)) == 20
    assert f"?town={town_a.pk}&amp;status=partly&amp;page=2" in html
    assert len(_rows(client.get(LIST, {"town": town_a.pk, "status": "partly", "page": 2}).content.decode())) == 1


def _fill(town, n):
    for i in range(n):
        item = published(town, text=f"成果{i}", days_ago=i)
        respond(item, 5, 3, 1)
        services_survey.survey_tally_add(
            item=item, by=None, method="paper", date=timezone.localdate(), sample_size=2, satisfied=1, dissatisfied=1
        )


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, town_a, django_assert_max_num_queries):
    _fill(town_a, 3)
    with django_assert_max_num_queries(12) as small:
        assert client.get(LIST, {"town": town_a.pk}).status_code == 200
    _fill(town_a, 12)
    with django_assert_max_num_queries(12) as large:
        html = client.get(LIST, {"town": town_a.pk}).content.decode()
    assert len(_rows(html)) == 15
    assert len(small.captured_queries) == len(large.captured_queries)
    assert "满意率 60.0%（5 人评价）" in html


def test_it_escapes_the_text_staff_typed(client, town_a):
    published(town_a, text="<script>alert(1)</script>")
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- one outcome's page -------------------------------------------------------------------------------


def test_it_shows_the_result_of_an_item(client, handled):
    response = client.get(f"/outcomes/{handled.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "更换村口至学校路段的路灯" in html
    assert "已安装 6 盏太阳能路灯。" in html
    assert "暂不具备条件" in html and "暂不具备条件的原因" in html and "线路改造需列入明年预算" in html
    assert "县住房城乡建设局" in html and "甲镇" in html
    assert handled.deadline.isoformat() in html
    # Where it came from: the meeting's public notice and the topic's tracking page.
    assert f'href="/meetings/{handled.meeting_id}/"' in html and "甲一村路灯协商会" in html
    assert f'href="/topics/track/{handled.topic.tracking_code}/"' in html and "村口路灯坏了" in html
    # The progress, with a thumbnail linking to the photo.
    assert "已完成现场勘查" in html
    assert re.search(
        r'<a href="/media/outcomes/2026/01/site\.jpg"><img [^>]*src="/media/outcomes/2026/01/thumbs/site\.jpg"', html
    )


def test_it_shows_the_satisfaction_rate_and_the_counts_per_rating(client, handled):
    html = client.get(f"/outcomes/{handled.pk}/").content.decode()
    # Online 5, 4, 3, 2 and a visit of 10 with 6 satisfied: (3 + 6) / (4 + 10).
    assert f"{9 / 14 * 100:.1f}%" == "64.3%"
    assert 'data-rate="64.3%"' in html
    assert "14 人评价，其中 9 人满意" in html
    counts = dict(re.findall(r"<dt>(\S+?)</dt><dd>(\d+)</dd>", html[html.index('class="rating-counts"') :]))
    assert counts == {"非常满意": "3", "满意": "3", "基本满意": "3", "不满意": "4", "非常不满意": "1"}


def test_it_offers_the_survey_with_a_button_and_a_qr_code(client, handled, settings):
    settings.PORTAL_BASE_URL = "https://consult.example.gov.cn"  # the code carries the configured address
    html = client.get(f"/outcomes/{handled.pk}/").content.decode()
    assert f'href="/outcomes/{handled.pk}/survey/"' in html and "我来评价" in html
    assert "<svg" in html and f"https://consult.example.gov.cn/outcomes/{handled.pk}/survey/" in html
    assert f'href="/outcomes/{handled.pk}/poster/"' in html


def test_it_does_not_show_the_meeting_link_when_the_notice_is_not_public(client, town_a):
    item = published(town_a)
    item.meeting.status = "planned"  # cannot happen through the services; the page must still not link it
    item.meeting.save()
    html = client.get(f"/outcomes/{item.pk}/").content.decode()
    assert item.meeting.title in html
    assert f'href="/meetings/{item.meeting_id}/"' not in html


@pytest.mark.parametrize("status", ["assigned", "in_progress", "answered", "implemented"])
def test_it_hides_an_unpublished_item(client, town_a, status):
    item = OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"), status=status, answer="答复"
    )
    for url in ("", "poster/", "qr.svg", "survey/", "survey/thanks/"):
        path = f"/outcomes/{item.pk}/{url}"
        assert client.get(path).status_code == 404, path
    assert client.get("/outcomes/999999/").status_code == 404


def test_it_never_shows_phone_numbers_staff_names_or_the_internal_history(client, handled, unit_user):
    SatisfactionResponse.objects.create(
        verified=True, item=handled, rating=5, phone=RESIDENT_PHONE[:-1] + "9", comment="很好"
    )
    pages = [
        LIST,
        f"/outcomes/{handled.pk}/",
        f"/outcomes/{handled.pk}/survey/",
        f"/outcomes/{handled.pk}/survey/thanks/",
        f"/outcomes/{handled.pk}/poster/",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        for secret in (UNIT_PHONE, RESIDENT_PHONE, RESIDENT_PHONE[:-1] + "9", "13811110000", "王科长", "office1"):
            assert secret not in html, (url, secret)
        for event in ("交办", "答复已接受", "办理结果已公示"):  # the item's internal history
            assert event not in html, (url, event)


# -- printable notice and QR --------------------------------------------------------------------------


def test_it_prints_a_notice_with_the_result_and_a_large_qr_code(client, handled, settings):
    settings.PORTAL_BASE_URL = "https://consult.example.gov.cn"  # printed: the configured address, not the Host
    response = client.get(f"/outcomes/{handled.pk}/poster/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "print-notice.css" in html and "outcomes.css" in html
    assert 'class="print-notice"' in html and "public-header" not in html
    assert "协商成果办理结果公示" in html
    assert "更换村口至学校路段的路灯" in html and "已安装 6 盏太阳能路灯。" in html
    assert "线路改造需列入明年预算" in html
    assert '<section class="notice-qr">' in html and "<svg" in html
    assert f'<p class="notice-url">https://consult.example.gov.cn/outcomes/{handled.pk}/survey/</p>' in html


def test_it_prints_a_long_text_in_full_under_a_short_title(client, town_a):
    item = published(town_a, text="路" * 59 + "灯" * 41)
    html = client.get(f"/outcomes/{item.pk}/poster/").content.decode()
    title = html[html.index('<h1 class="notice-title">') : html.index("</h1>")]
    assert "灯" not in title and "路" * 50 in title  # cut short, with the catalogue's ellipsis
    assert "协商议定事项" in html and "路" * 59 + "灯" * 41 in html


def test_it_serves_the_survey_qr_code_as_svg(client, handled):
    response = client.get(f"/outcomes/{handled.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


# -- home page and navigation -------------------------------------------------------------------------


def test_the_home_page_links_each_result_and_the_whole_list(client, town_a):
    item = published(town_a)
    html = client.get("/").content.decode()
    assert f'href="/outcomes/{item.pk}/"' in html
    assert 'href="/outcomes/"' in html and "查看全部成果公示" in html


def test_the_navigation_links_the_results(client, db):
    html = client.get(LIST).content.decode()
    nav = html[html.index('id="public-nav"') : html.index("</nav>")]
    assert '<a class="nav-link" href="/outcomes/">成果公示</a>' in nav
