"""Links that leave the portal (reset mail, receipts, QR codes, posters, notices, check-in codes) carry the configured
PORTAL_BASE_URL, whatever Host header the request came with."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from consult_portal import qr
from sessions.checkin_tokens import day_token
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory, TopicFactory

BASE = "https://consult.example.gov.cn"
EVIL = "evil.example:8443"


@pytest.fixture
def evil(settings):
    """A proxy that passes any Host through: the links must not follow it."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_BASE_URL = BASE + "/"
    return Client(HTTP_HOST=EVIL)


@pytest.fixture
def published(town_a):
    return OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a), status="held"),
        status="implemented",
        published_at=timezone.now() - timedelta(days=1),
    )


def _carries_the_base(response, path):
    html = response.content.decode()
    return response.status_code == 200 and f"{BASE}{path}" in html and "evil.example" not in html


def test_the_password_reset_mail_links_to_the_configured_address(evil, office):
    response = evil.post("/accounts/password_reset/", {"email": office.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert f"{BASE}/accounts/reset/" in message.body
    assert "evil.example" not in message.body + message.subject


def test_the_receipt_and_the_tracking_qr_code_carry_the_configured_address(evil, town_a):
    topic = TopicFactory(town=town_a)
    path = f"/topics/track/{topic.tracking_code}/"
    assert _carries_the_base(evil.get(f"/topics/receipt/{topic.tracking_code}/"), path)
    assert evil.get(f"{path}qr.svg").content == qr.svg_response(BASE + path).content


def test_the_survey_qr_codes_and_the_poster_carry_the_configured_address(evil, published):
    path = f"/outcomes/{published.pk}/survey/"
    assert _carries_the_base(evil.get(f"/outcomes/{published.pk}/"), path)
    assert _carries_the_base(evil.get(f"/outcomes/{published.pk}/poster/"), path)
    assert evil.get(f"/outcomes/{published.pk}/qr.svg").content == qr.svg_response(BASE + path).content


def test_the_printed_notice_and_the_check_in_code_carry_the_configured_address(evil, office, town_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), status="published")
    assert _carries_the_base(evil.get(f"/meetings/{meeting.pk}/print/"), f"/meetings/{meeting.pk}/")
    evil.force_login(office)
    response = evil.get(f"/staff/meetings/{meeting.pk}/")
    assert _carries_the_base(response, f"/meetings/checkin/{day_token(meeting)}/")
