"""Residents' personal data (#8): phone numbers masked everywhere but where a role needs them, each reveal
audited; the public form says what is collected and why. Removing it past retention: tests/overview/test_retention.py
"""

import io

import pytest
from django.template import Context, Template
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import AuditEntry
from consult_portal.privacy import mask_phone
from sessions.models import Participant
from tests.factories import MeetingFactory, PlatformFactory, TopicFactory
from topics import services as topic_services
from topics.models import Topic

PHONE = "13812345678"
MASKED = "138****5678"


@pytest.fixture
def suggestion(town_a, village_a):
    """What a resident types into the public form, phone and consent included."""
    return {
        "title": "村口路灯坏了",
        "description": "村口到学校的路灯坏了三个月,晚上孩子放学很不安全。",
        "category": "livelihood",
        "town": town_a.pk,
        "village": village_a.pk,
        "name": "李阿姨",
        "phone": PHONE,
        "consent": "on",
        "website": "",
        "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    }


@pytest.fixture
def topic(town_a, village_a):
    return TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯坏了",
        submitter_name="李阿姨",
        submitter_phone=PHONE,
        consent_at=timezone.now(),
    )


# -- masking --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "shown"),
    [(PHONE, MASKED), ("", ""), (None, ""), ("1234567", "*******"), ("12345678", "123****5678")],
)
def test_mask_phone_keeps_three_and_four_digits_and_hides_short_numbers(phone, shown):
    assert mask_phone(phone) == shown


def test_the_template_filter_masks_the_same_way():
    assert Template("{% load portal %}{{ p|mask_phone }}").render(Context({"p": PHONE})) == MASKED


def test_the_staff_topic_page_shows_the_number_masked(client, office, topic):
    client.force_login(office)
    html = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert MASKED in html and PHONE not in html
    assert "reveal-phone" in html
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_a_leader_reads_the_topic_with_the_number_masked_and_no_way_to_reveal_it(client, leader, topic):
    client.force_login(leader)
    html = client.get(f"/staff/topics/{topic.pk}/").content.decode()
    assert MASKED in html and PHONE not in html and "reveal-phone" not in html
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


@pytest.mark.parametrize("persona", ["office", "liaison_a"])
def test_staff_handling_the_topic_can_show_the_number_and_it_is_audited(client, personas, persona, topic):
    user = personas[persona]
    client.force_login(user)
    response = client.post(f"/staff/topics/{topic.pk}/reveal-phone/", REMOTE_ADDR="198.51.100.7")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="tel:{PHONE}"' in html
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="personal_data_view")
    assert (entry.actor, entry.object_id, entry.ip) == (user, str(topic.pk), "198.51.100.7")
    assert entry.after == {"fields": ["submitter_name", "submitter_phone"]}
    assert PHONE not in str(entry.after) + entry.object_repr
    # The next ordinary view is masked again.
    assert PHONE not in client.get(f"/staff/topics/{topic.pk}/").content.decode()


def test_staff_of_another_town_cannot_reveal_it(client, liaison_b, topic):
    client.force_login(liaison_b)
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_other_roles_cannot_reveal_it(client, personas, persona, topic):
    client.force_login(personas[persona])
    assert client.post(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 403
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_revealing_takes_a_post(client, office, topic):
    client.force_login(office)
    assert client.get(f"/staff/topics/{topic.pk}/reveal-phone/").status_code == 405
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_a_topic_without_a_phone_has_nothing_to_reveal(client, office, town_a):
    bare = TopicFactory(town=town_a)
    client.force_login(office)
    assert "reveal-phone" not in client.get(f"/staff/topics/{bare.pk}/").content.decode()
    assert client.post(f"/staff/topics/{bare.pk}/reveal-phone/").status_code == 404


def test_public_pages_never_show_the_phone(client, db, suggestion):
    response = client.post("/topics/suggest/", suggestion)
    assert response.status_code == 302
    topic = Topic.objects.get()
    pages = [
        response["Location"],
        f"/topics/track/{topic.tracking_code}/",
        f"/topics/plan/{timezone.localdate().year}/",
        "/outcomes/",
        "/meetings/",
    ]
    for url in pages:
        html = client.get(url, follow=True).content.decode()
        assert PHONE not in html and MASKED not in html, url
        assert "李阿姨" not in html, url


def test_staff_lists_and_the_topic_export_show_the_number_masked(client, office, topic):
    client.force_login(office)
    assert PHONE not in client.get("/staff/topics/").content.decode()
    response = client.get("/staff/documents/topics.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert MASKED in cells and PHONE not in " ".join(cells)


def test_the_meeting_page_masks_residents_invited_to_it(client, office, village_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a, level="village"))
    Participant.objects.create(meeting=meeting, kind="resident", name="李大爷", phone="13900001111")
    client.force_login(office)
    html = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert "139****1111" in html and "13900001111" not in html


def test_the_audit_log_never_holds_a_residents_phone(client, office, suggestion):
    client.post("/topics/suggest/", suggestion)
    topic = Topic.objects.get()
    topic_services.topic_change_status(topic=topic, to_status="accepted", by=office, action="accept")
    topic_services.topic_add_note(topic=topic, by=office, internal_note="已电话联系")
    for entry in AuditEntry.objects.all():
        assert PHONE not in f"{entry.before} {entry.after} {entry.object_repr}"


# -- the public form's notice ---------------------------------------------------------------------------


def test_the_public_form_says_what_is_collected_who_sees_it_and_how_long(client, db, settings):
    settings.SUBMITTER_RETENTION_MONTHS = 18
    html = client.get("/topics/suggest/").content.decode()
    assert '<section class="privacy' in html and 'aria-labelledby="privacy-title"' in html
    assert 'id="privacy-title">我们收集哪些信息及用途</h2>' in html
    assert 'href="#privacy"' in html
    assert "138****1234" in html
    # needs .pending_i18n/audit.json
    assert "18 个月" in html
    assert "负责办理" in html
