import pytest
from django.test import Client

from consult_portal.models import AuditEntry, Sector


def test_admin_changes_are_audited_with_values_before_and_after(client, office):
    sector = Sector.objects.create(name="教育界")
    client.force_login(office)
    response = client.post(f"/admin/portal/sector/{sector.pk}/change/", {"name": "教育界别"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin_change")
    assert entry.actor == office
    assert entry.before["name"] == "教育界"
    assert entry.after["name"] == "教育界别"
    assert entry.object_repr == "教育界别"


def test_audit_entries_cannot_be_changed_or_deleted(office):
    entry = AuditEntry.objects.create(actor=office, action="x")
    entry.action = "y"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_the_admin_offers_no_way_to_change_the_audit_log(client, office):
    entry = AuditEntry.objects.create(actor=office, action="x")
    client.force_login(office)
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_logins_and_failed_logins_are_audited(office):
    browser = Client()
    browser.post("/accounts/login/", {"username": "office1", "password": "wrong-password"})
    assert AuditEntry.objects.filter(action="login_failed", after__username="office1").exists()
    response = browser.post("/accounts/login/", {"username": "office1", "password": "Correct-Horse-42"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login", actor=office).exists()
