"""A meeting's notice carries a per-year number (2026-通-005) from its first publication (#15): one number a
notice, kept when it is published again after a postponement, written on the Word notice and the printed page; the
notices published before get theirs by a data migration, in the order they were first published."""

import importlib
from datetime import datetime, timedelta

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import DocumentCounter
from sessions import services
from sessions.models import Meeting, MeetingTransition
from tests.documents_helpers import opened, text_of
from tests.factories import MeetingFactory


def _number(sequence: int, year: int | None = None) -> str:
    return f"{year or timezone.localdate().year}-通-{sequence:03d}"


def _planned(platform, days=5, **fields):
    start = timezone.now() + timedelta(days=days)
    return MeetingFactory(
        platform=platform,
        status="planned",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        no_research_reason="紧急事项，来不及调研",
        **fields,
    )


def _publish(meeting, office):
    return services.meeting_transition(meeting=meeting, to_status="published", by=office)


def test_publishing_a_notice_gives_it_the_next_number_of_the_year(office, platform_a):
    first, second = _planned(platform_a), _planned(platform_a, days=6)
    assert _planned(platform_a, days=7).notice_number == ""  # a planned meeting has none yet
    assert (_publish(first, office).notice_number, _publish(second, office).notice_number) == (_number(1), _number(2))


def test_a_notice_published_again_after_a_postponement_keeps_its_number(office, platform_a):
    meeting = _publish(_planned(platform_a), office)
    services.meeting_transition(meeting=meeting, to_status="postponed", by=office, reason="汛期防汛")
    meeting = _publish(Meeting.objects.get(pk=meeting.pk), office)
    assert meeting.notice_number == _number(1)
    assert DocumentCounter.objects.get(kind="通").last == 1


def test_the_word_notice_and_the_printed_page_show_the_number(client, office, platform_a):
    meeting = _publish(_planned(platform_a, title="村口路灯协商会"), office)
    shown = _("No. %(number)s") % {"number": _number(1)}
    client.force_login(office)
    assert shown in text_of(opened(client.get(reverse("sessions:notice-docx", args=[meeting.pk]))))
    assert shown in client.get(reverse("sessions:meeting-print", args=[meeting.pk])).content.decode()


def test_the_migration_numbers_the_notices_already_published_in_their_order(platform_a):
    year = timezone.localdate().year
    zone = timezone.get_default_timezone()
    planned = MeetingFactory(platform=platform_a, status="planned")
    held = MeetingFactory(platform=platform_a, status="held")  # seeded, with no history: its creation counts
    published = MeetingFactory(platform=platform_a, status="published")
    cancelled = MeetingFactory(platform=platform_a, status="cancelled", status_reason="取消")  # after its notice
    Meeting.objects.filter(pk=held.pk).update(created_at=datetime(year, 3, 1, tzinfo=zone))
    for meeting, month in [(published, 2), (cancelled, 4)]:
        when = datetime(year, month, 1, tzinfo=zone)
        transition = MeetingTransition.objects.create(meeting=meeting, from_status="planned", to_status="published")
        MeetingTransition.objects.filter(pk=transition.pk).update(at=when)
    migration = importlib.import_module("sessions.migrations.0008_number_the_meeting_notices")
    migration.number_the_published_notices(apps, None)
    numbers = {m.pk: m.notice_number for m in Meeting.objects.all()}
    assert [numbers[m.pk] for m in (published, held, cancelled)] == [_number(1), _number(2), _number(3)]
    assert numbers[planned.pk] == ""
    assert DocumentCounter.objects.get(kind="通", year=year).last == 3
