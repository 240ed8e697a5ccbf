"""媒体监督 among the forms of consultation (#14): scheduled like any other, filtered, exported, shown on the notice,
and counted by form."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html as lxml_html

from sessions.models import Meeting
from sessions.selectors import meetings_by_form
from tests.documents_helpers import rows_of
from tests.factories import MeetingFactory


def _past(platform, form, title):
    start = timezone.now() - timedelta(days=3)
    return MeetingFactory(
        platform=platform, form=form, title=title, status="held", starts_at=start, ends_at=start + timedelta(hours=2)
    )


def test_the_schedule_form_offers_media_supervision_and_schedules_it(
    client, office, platform_a, accepted_topic, soon
):
    client.force_login(office)
    page = lxml_html.fromstring(client.get("/staff/meetings/new/").content.decode())
    options = {o.get("value"): o.text_content().strip() for o in page.xpath('//select[@name="form"]/option')}
    assert options["media"] == "媒体监督"
    assert len(options) == 7
    start, end = soon
    response = client.post(
        "/staff/meetings/new/",
        {
            "title": "集贸市场占道经营媒体监督",
            "platform": platform_a.pk,
            "topics": [accepted_topic.pk],
            "form": "media",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.form == "media"
    assert "媒体监督" in client.get(f"/staff/meetings/{meeting.pk}/").content.decode()


def test_the_meeting_list_filters_by_media_supervision_and_the_export_names_it(client, office, platform_a):
    _past(platform_a, "media", "电视台随访路灯整改")
    _past(platform_a, "meeting", "路灯协商会")
    client.force_login(office)
    page = lxml_html.fromstring(client.get("/staff/meetings/", {"form": "media"}).content.decode())
    choice = page.xpath('//select[@name="form"]/option[@value="media"]')
    assert [o.text_content().strip() for o in choice] == ["媒体监督"]
    listed = page.text_content()
    assert "电视台随访路灯整改" in listed and "路灯协商会" not in listed
    header, *rows = rows_of(client.get("/staff/documents/meetings.xlsx", {"form": "media"}))
    assert [(row[2], row[header.index("协商形式")]) for row in rows] == [("电视台随访路灯整改", "媒体监督")]


def test_the_public_notice_names_the_form(client, platform_a):
    meeting = _past(platform_a, "media", "电视台随访路灯整改")
    assert "媒体监督" in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_meetings_are_counted_by_form_with_media_supervision_in_one_query(platform_a):
    _past(platform_a, "media", "随访一")
    _past(platform_a, "media", "随访二")
    _past(platform_a, "online", "网上议")
    MeetingFactory(platform=platform_a, form="media")  # not held yet: not counted
    with CaptureQueriesContext(connection) as queries:
        counted = meetings_by_form()
    assert len(queries) == 1
    assert [value for value, _label, _n in counted] == [value for value, _label in Meeting.Form.choices]
    by_form = {value: (label, n) for value, label, n in counted}
    assert by_form["media"] == ("媒体监督", 2)
    assert by_form["online"][1] == 1 and by_form["meeting"][1] == 0
