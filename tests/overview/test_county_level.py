"""The county level (#14.5): county-level topics (no town) and meetings at county-level platforms belong to the
county's own row, not to a town; a town's target counts its own meetings only; the dashboard's headline and the
coverage page agree; a town's liaison staff never see a county topic."""

import lxml.html
import pytest
from django.urls import reverse

from consult_portal.overview import stats
from tests.factories import PlatformFactory, TopicFactory
from tests.overview.test_dashboard import YEAR, _at, _meeting, build_year
from topics.models import Topic

pytestmark = pytest.mark.django_db


def _page(response):
    return lxml.html.fromstring(response.content.decode())


def test_office_staff_enter_a_county_level_topic_with_the_offices_words(client, office, town_a):
    client.force_login(office)
    form = client.get(reverse("topics:staff-new"))
    options = _page(form).xpath("//select[@name='town']/option")
    assert [o.get("value") for o in options][:3] == ["", "county", str(town_a.pk)]
    assert "全县" in options[1].text_content() and "县级" in options[1].text_content()  # the office's words
    response = client.post(
        reverse("topics:staff-new"),
        {
            "title": "全县农村公路养护",
            "description": "全县范围的农村公路养护机制",
            "category": "development",
            "town": "county",
            "village": "",
            "requesting_body": "县委办",
            "requested_on": f"{YEAR}-03-01",
            "year": YEAR,
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="全县农村公路养护")
    assert topic.town is None and topic.town_name == "全县"
    assert "全县" in client.get(reverse("topics:staff-detail", args=[topic.pk])).content.decode()


def test_a_county_topic_refuses_a_village_beside_the_field_and_keeps_the_input(client, office, village_a):
    client.force_login(office)
    response = client.post(
        reverse("topics:staff-new"),
        {
            "title": "全县议题",
            "description": "说明",
            "category": "development",
            "town": "county",
            "village": village_a.pk,
            "requesting_body": "县委办",
            "requested_on": f"{YEAR}-03-01",
            "year": YEAR,
        },
    )
    assert response.status_code == 200
    assert "village" in response.context["form"].errors  # the reason beside the village
    assert 'value="全县议题"' in response.content.decode()
    assert not Topic.objects.filter(title="全县议题").exists()


def test_a_liaison_is_not_offered_the_county_and_never_sees_a_county_topic(client, liaison_a, town_a):
    county_topic = TopicFactory(town=None, title="全县性议题")
    own = TopicFactory(town=town_a, title="甲镇议题")
    client.force_login(liaison_a)
    options = _page(client.get(reverse("topics:staff-new"))).xpath("//select[@name='town']/option/@value")
    assert "county" not in options
    listed = client.get(reverse("topics:staff-list")).content.decode()
    assert own.title in listed and county_topic.title not in listed
    assert client.get(reverse("topics:staff-detail", args=[county_topic.pk])).status_code == 404


def test_county_topics_and_meetings_count_in_the_county_row_only(client, office, county, town_a, town_b, village_a):
    build_year(county, town_a, town_b, village_a)
    TopicFactory(town=None, source="resident", year=YEAR)
    dash = stats.compute(year=YEAR)
    assert dash.county_wide.topics_total == 1 and dash.county_wide.meetings_held == 1
    assert [f.topics_total for f in dash.by_town] == [4, 1]
    assert dash.total.topics_total == 6
    client.force_login(office)
    page = _page(client.get("/staff/dashboard/", {"year": YEAR}))
    county_row = page.xpath("//table[contains(@class, 'by-town')]//tr[@data-town='county']")[0]
    assert county_row.xpath("./th")[0].text_content().strip() == "县级"
    assert [c.text_content().strip() for c in county_row.xpath("./td")][:3] == ["1", "—", "1"]


def test_a_towns_target_counts_its_own_meetings_and_the_headline_agrees_with_the_coverage(
    client, office, county, town_a, town_b
):
    # Town A holds 2 (its target), town B 1; the county holds 3 at its own platform: they help no town.
    room_a, room_b = PlatformFactory(level="town", area=town_a), PlatformFactory(level="town", area=town_b)
    hall = PlatformFactory(level="county", area=county)
    for platform, count in ((room_a, 2), (room_b, 1), (hall, 3)):
        for n in range(count):
            _meeting(platform, when=_at(3, day=n + 1))
    dash = stats.compute(year=YEAR)
    assert [(f.meetings_held, f.target, f.target_met) for f in dash.by_town] == [(2, 2, True), (1, 2, False)]
    assert (dash.county_wide.meetings_held, dash.total.meetings_held, dash.total.target) == (3, 6, 4)
    assert dash.towns_met == 1
    client.force_login(office)
    headline = _page(client.get("/staff/dashboard/", {"year": YEAR})).xpath("//p[contains(@class, 'headline')]")[0]
    assert (headline.get("data-towns-met"), headline.get("data-town-count")) == ("1", "2")
    assert headline.xpath(".//*[@data-target-met]")[0].get("data-target-met") == "no"  # 6 ≥ 4 is not the rule
    coverage = client.get("/staff/coverage/", {"year": YEAR}).context
    assert coverage["figures"]["towns_below_target"] == 1 == dash.by_town.__len__() - dash.towns_met
    assert coverage["figures"]["county"]["meeting_count"] == 3 and coverage["figures"]["total_meetings"] == 6


def test_the_public_statistics_show_the_county_row_and_the_county_topics(client, county, town_a, town_b, village_a):
    build_year(county, town_a, town_b, village_a)
    TopicFactory(town=None, source="party", requesting_body="县委办", year=YEAR)
    page = _page(client.get("/stats/", {"year": YEAR}))
    rows = {
        row.xpath("./th")[0].text_content().strip(): [c.text_content().strip() for c in row.xpath("./td")]
        for row in page.xpath("//table[contains(@class, 'public-stats')]/tbody/tr")
    }
    assert list(rows) == ["甲镇", "乙镇", "县级"]
    assert rows["县级"][:2] == ["1", "0"] and rows["县级"][2] == "1"  # its meeting, no target, its party topic


def test_a_county_topics_public_tracking_page_names_the_whole_county(client, db):
    topic = TopicFactory(town=None, source="resident")
    response = client.get(reverse("topics:track-detail", args=[topic.tracking_code]))
    assert response.status_code == 200
    assert "全县" in response.content.decode()


def test_a_resident_suggests_a_county_wide_topic_and_only_the_office_is_told(client, office, liaison_a, town_a):
    from consult_portal.models import Notification

    response = client.post(
        reverse("topics:suggest"),
        {
            "title": "全县公交线路太少",
            "description": "乡镇之间没有公交，看病上学都不方便。",
            "category": "livelihood",
            "town": "county",
            "village": "",
            "name": "",
            "phone": "",
            "website": "",
            "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1f1",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="全县公交线路太少")
    assert topic.town is None
    told = set(Notification.objects.filter(kind="topic_new").values_list("recipient_id", flat=True))
    assert office.pk in told and liaison_a.pk not in told
