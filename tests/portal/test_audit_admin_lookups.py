"""No lookup, search or filter in the admin reaches a resident's personal data or a secret: a count answered to
`?submitter_phone__startswith=1391` spelled a masked number out digit by digit. Refusals are audited, and the outbox
shows addresses masked (#13)."""

import pytest
from django.contrib import admin
from django.utils import timezone

from consult_portal.admin_site import AuditedModelAdmin, personal_path
from consult_portal.models import AuditEntry, Notification
from consult_portal.privacy import PERSONAL_FIELDS
from outcomes.models import SatisfactionResponse
from tests.factories import OutcomeFactory, TopicFactory

PHONE = "13912345678"


@pytest.fixture
def topic(town_a):
    return TopicFactory(town=town_a, submitter_name="李大爷", submitter_phone=PHONE, consent_at=timezone.now())


@pytest.fixture
def sms(db):
    return Notification.objects.create(
        channel="sms", kind="topic_received", subject="已收到", address=PHONE, dedup_key="topic-received:1"
    )


def _probe(client, url):
    """What the guessing script read: whether the page answered, and with which rows."""
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    ("url", "lookup"),
    [
        ("/admin/topics/topic/?id={topic}&submitter_phone__startswith=1391", "submitter_phone__startswith"),
        ("/admin/topics/topic/?id={topic}&submitter_name__contains=李", "submitter_name__contains"),
        ("/admin/outcomes/satisfactionresponse/?phone__startswith=139", "phone__startswith"),
        ("/admin/portal/notification/?address=" + PHONE, "address"),
        ("/admin/portal/notification/?address__startswith=1391", "address__startswith"),
        ("/admin/portal/user/?password__startswith=pbkdf2", "password__startswith"),
    ],
)
def test_it_refuses_a_lookup_through_personal_data_or_a_secret_and_audits_the_attempt(
    client, office, topic, sms, unit, url, lookup
):
    item = OutcomeFactory(topic=topic, unit=unit)
    SatisfactionResponse.objects.create(verified=True, item=item, rating=4, phone=PHONE)
    client.force_login(office)
    status, html = _probe(client, url.format(topic=topic.pk))
    assert status == 400
    assert PHONE not in html and topic.title not in html
    entry = AuditEntry.objects.get(action="admin_lookup_refused")
    assert (entry.actor, entry.after["lookup"]) == (office, lookup)
    assert "1391" not in str(entry.after) and PHONE not in str(entry.after)
    # The other filters still answer.
    assert topic.title in client.get(f"/admin/topics/topic/?id={topic.pk}&status={topic.status}").content.decode()


def test_it_refuses_a_lookup_through_a_relation_to_personal_data():
    from topics.models import Topic

    assert personal_path(Topic, "outcomes__topic__submitter_phone__startswith") == "submitter_phone"


def test_every_admin_keeps_its_lookups_searches_and_filters_off_personal_data():
    assert set(PERSONAL_FIELDS) <= {m._meta.label_lower for m in admin.site._registry} | {
        "consultations.participant"  # an inline of the meeting, guarded by the meeting's admin
    }
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedModelAdmin), f"{model._meta.label}: its lookups are not guarded"
        paths = [
            *model_admin.search_fields,
            *(f if isinstance(f, str) else f[0] for f in model_admin.list_filter if not isinstance(f, type)),
            *(f for f in model_admin.list_display if isinstance(f, str)),
            *(model_admin.ordering or ()),
            *([model_admin.date_hierarchy] if model_admin.date_hierarchy else []),
        ]
        touched = {path: personal_path(model, path) for path in paths}
        assert not {path: field for path, field in touched.items() if field}, model._meta.label


def test_the_outbox_shows_addresses_masked_in_the_list_and_the_message(client, office, sms):
    email = Notification.objects.create(
        channel="email", kind="x", subject="通知", address="lisi@example.org", dedup_key="x:1"
    )
    client.force_login(office)
    listing = client.get("/admin/portal/notification/").content.decode()
    assert "139****5678" in listing and "l***@example.org" in listing
    assert PHONE not in listing and "lisi@example.org" not in listing
    message = client.get(f"/admin/portal/notification/{email.pk}/change/").content.decode()
    assert "l***@example.org" in message and "lisi@example.org" not in message
