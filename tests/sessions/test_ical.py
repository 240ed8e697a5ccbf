from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from sessions.models import Meeting, MeetingTransition
from tests.factories import PlatformFactory, TopicFactory
from tests.sessions.test_public_meetings import announced, make_meeting

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEED = "/meetings/feed.ics"


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response, Calendar.from_ical(response.content)


@pytest.fixture
def meeting(town_a):
    meeting = announced(
        title="村口路灯协商会",
        platform=PlatformFactory(name="甲镇有事来协商议事厅", area=town_a, address="甲镇人民路1号"),
        starts_at=datetime(2030, 5, 1, 9, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2030, 5, 1, 11, 30, tzinfo=SHANGHAI),
        place="镇政府三楼会议室",
        how_to_take_part="欢迎村民到场旁听,可提前报名发言。",
    )
    meeting.topics.set([TopicFactory(town=town_a, title="村口路灯坏了")])
    return meeting


def test_it_exports_one_meeting_as_a_calendar_event(client, meeting, settings):
    settings.PORTAL_BASE_URL = "https://consult.example.gov.cn"  # the link is the configured address, not the Host
    response, calendar = download(client, f"/meetings/{meeting.pk}.ics")
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{meeting.pk}.ics"'
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert calendar["X-WR-TIMEZONE"] == "Asia/Shanghai"
    assert calendar["X-WR-CALNAME"] == "村口路灯协商会"
    [event] = calendar.events
    assert event.start == datetime(2030, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert event.start.utcoffset() == timedelta(hours=8)
    assert event.end == datetime(2030, 5, 1, 3, 30, tzinfo=ZoneInfo("UTC"))
    assert str(event["SUMMARY"]) == "村口路灯协商会"
    assert "镇政府三楼会议室" in str(event["LOCATION"])
    assert "村口路灯坏了" in str(event["DESCRIPTION"]) and "可提前报名发言" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"https://consult.example.gov.cn/meetings/{meeting.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"]
    assert calendar.get_missing_tzids() == set()


def test_it_keeps_the_uid_across_downloads(client, meeting):
    _response, first = download(client, f"/meetings/{meeting.pk}.ics")
    _response, second = download(client, f"/meetings/{meeting.pk}.ics")
    assert str(first.events[0]["UID"]) == str(second.events[0]["UID"])
    assert str(first.events[0]["UID"]).startswith(f"meeting-{meeting.pk}@")


def test_it_raises_the_sequence_when_the_meeting_is_moved(client, meeting):
    _response, before = download(client, f"/meetings/{meeting.pk}.ics")
    MeetingTransition.objects.create(
        meeting=meeting, from_status="published", to_status="published", old_starts_at=meeting.starts_at
    )
    meeting.starts_at += timedelta(days=1)
    meeting.ends_at += timedelta(days=1)
    meeting.save()
    _response, after = download(client, f"/meetings/{meeting.pk}.ics")
    assert after.events[0].sequence > before.events[0].sequence
    assert after.events[0].start == datetime(2030, 5, 2, 9, 30, tzinfo=SHANGHAI)


def test_it_marks_a_cancelled_meeting_cancelled(client, meeting):
    _response, before = download(client, f"/meetings/{meeting.pk}.ics")
    MeetingTransition.objects.create(meeting=meeting, from_status="published", to_status="cancelled")
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled", status_reason="问题已提前解决")
    _response, after = download(client, f"/meetings/{meeting.pk}.ics")
    assert str(after.events[0]["STATUS"]) == "CANCELLED"
    assert "问题已提前解决" in str(after.events[0]["DESCRIPTION"])
    assert after.events[0].sequence > before.events[0].sequence


def test_the_feed_holds_only_upcoming_public_meetings(client, meeting):
    now = timezone.now()
    make_meeting(title="内部筹备中", status=Meeting.Status.PLANNED)
    announced(title="已经开过", starts_at=now - timedelta(days=3), status=Meeting.Status.HELD)
    announced(title="下周的会", starts_at=now + timedelta(days=7))
    response, calendar = download(client, FEED)
    assert response["Content-Disposition"] == 'attachment; filename="meetings.ics"'
    assert [str(e["SUMMARY"]) for e in calendar.events] == ["下周的会", "村口路灯协商会"]
    assert len({str(e["UID"]) for e in calendar.events}) == 2


def test_the_feed_filters_by_town(client, meeting, town_b, village_b):
    announced(title="乙一村的会", platform=PlatformFactory(area=village_b, level="village"))
    _response, calendar = download(client, FEED, town=town_b.pk)
    assert [str(e["SUMMARY"]) for e in calendar.events] == ["乙一村的会"]
    assert "乙镇" in str(calendar["X-WR-CALNAME"])


def test_an_empty_feed_is_still_a_calendar(client, db):
    _response, calendar = download(client, FEED)
    assert calendar.events == [] and calendar["VERSION"] == "2.0"


def test_the_feed_route_is_not_taken_for_a_meeting(client, db):
    from django.urls import resolve

    assert resolve(FEED).url_name == "meetings-feed"
    assert resolve("/meetings/12.ics").url_name == "meeting-ics"
    assert resolve("/meetings/12/").url_name == "meeting"
