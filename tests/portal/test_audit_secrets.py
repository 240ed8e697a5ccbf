"""Passwords, their hashes, tokens and secrets never enter the audit log, and the entries written before
this rule are cleaned by a data migration (#13)."""

import importlib
import io

import pytest
from django.apps import apps
from openpyxl import load_workbook

from consult_portal import audit
from consult_portal.models import AuditEntry, User

CLEANING = importlib.import_module("consult_portal.migrations.0005_remove_secrets_from_audit_entries")


def _text_of_the_log(client) -> str:
    """What office staff can read of the log: the viewer with every value, and the export."""
    page = client.get("/staff/audit/").content.decode()
    response = client.get("/staff/audit/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    return page + cells


def test_it_keeps_the_password_hash_out_of_the_log_when_the_admin_adds_and_changes_a_user(client, office):
    client.force_login(office)
    response = client.post(
        "/admin/portal/user/add/",
        {"username": "newclerk", "password1": "Fresh-Clerk-Pass-7", "password2": "Fresh-Clerk-Pass-7"},
    )
    assert response.status_code == 302
    clerk = User.objects.get(username="newclerk")
    response = client.post(
        f"/admin/portal/user/{clerk.pk}/change/",
        {
            "username": "newclerk",
            "first_name": "小",
            "last_name": "王",
            "email": "clerk@example.invalid",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    added, changed = AuditEntry.objects.get(action="admin_add"), AuditEntry.objects.get(action="admin_change")
    assert added.after["username"] == "newclerk" and changed.after["first_name"] == "小"
    for entry in (added, changed):
        assert "password" not in (entry.before or {}) and "password" not in entry.after
    text = _text_of_the_log(client)
    assert "newclerk" in text
    assert "pbkdf2_sha256$" not in text and clerk.password not in text


def test_it_leaves_tokens_secrets_and_keys_out_of_any_snapshot():
    clean = audit.scrub(
        {
            "name": "张三",
            "password": "pbkdf2_sha256$720000$salt$hash",
            "browser_token": "abc",
            "client_secret": "s3cret",
            "session_key": "k",
            "api_key": "k2",
            "note": "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA",
        }
    )
    assert clean == {"name": "张三"}


def test_the_data_migration_cleans_the_entries_written_before(office):
    dirty = AuditEntry.objects.create(
        actor=office,
        action="admin_change",
        before={"username": "clerk", "password": "pbkdf2_sha256$720000$old$hash"},
        after={"username": "clerk", "password": "pbkdf2_sha256$720000$new$hash", "session_key": "x"},
    )
    clean = AuditEntry.objects.create(actor=office, action="topic_note", after={"public_note": "已走访"})
    CLEANING.remove_secrets(apps, None)
    dirty.refresh_from_db()
    clean.refresh_from_db()
    assert (dirty.before, dirty.after) == ({"username": "clerk"}, {"username": "clerk"})
    assert clean.after == {"public_note": "已走访"}
    # The log stays append-only for everyone else.
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=clean.pk).update(after={})
