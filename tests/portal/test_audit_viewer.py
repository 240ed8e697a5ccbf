"""The audit viewer at /staff/audit/: office staff only, filters, pages, .xlsx export; entries that
cannot be changed or deleted; the pruning command that never removes an entry younger than 180 days."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from consult_portal import audit
from consult_portal.models import AuditEntry
from tests.factories import TopicFactory

URL = "/staff/audit/"
EXPORT = "/staff/audit/export.xlsx"


def _entries(n: int, actor, action: str = "topic_note", obj=None):
    for _ in range(n):
        audit.record(actor=actor, action=action, obj=obj, after={"public_note": "已走访"})


# -- who may read it ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["leader", "liaison_a", "member", "unit"])
@pytest.mark.parametrize("url", [URL, EXPORT])
def test_it_refuses_everyone_but_office_staff(client, personas, persona, url):
    client.force_login(personas[persona])
    assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="audit_export").exists()


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_it_sends_an_anonymous_visitor_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_lists_entries_newest_first_with_actor_action_object_and_changes(client, office, town_a):
    client.force_login(office)  # logging in is the first entry
    topic = TopicFactory(town=town_a, title="村口路灯坏了")
    audit.record(
        actor=office, action="topic_accept", obj=topic, before={"status": "submitted"}, after={"status": "accepted"}
    )
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index('data-action="topic_accept"') < html.index('data-action="login"')
    assert "村口路灯坏了" in html
    assert "<del>submitted</del> → accepted" in html


# -- filters --------------------------------------------------------------------------------------------


def test_it_filters_by_actor_action_object_type_and_dates(client, office, liaison_a, town_a):
    topic = TopicFactory(town=town_a)
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        audit.record(actor=liaison_a, action="topic_note", obj=topic)
    audit.record(actor=liaison_a, action="topic_accept", obj=topic)
    audit.record(actor=office, action="topic_note", obj=topic)
    audit.record(actor=office, action="member_export")
    client.force_login(office)

    def shown(**params):
        html = client.get(URL, params).content.decode()
        return html.count("data-entry=")

    today = timezone.localdate()
    assert shown(actor="liaison_a") == 2
    assert shown(actor="liaison_a", action="topic_note") == 1
    assert shown(object_type="topics.topic") == 3
    assert shown(action="topic_note", date_from=(today - timedelta(days=1)).isoformat()) == 1
    assert shown(action="topic_note", date_to=(today - timedelta(days=1)).isoformat()) == 1
    assert shown(action="topic_note", date_from=today.isoformat(), date_to=today.isoformat()) == 1


def test_it_rejects_an_invalid_date_beside_the_field_keeping_what_was_typed(client, office):
    client.force_login(office)
    response = client.get(URL, {"date_from": "2026-13-45", "actor": "office1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="date_from-errors"' in html
    assert gettext("%(label)s is a date, such as 2026-03-15.") % {"label": gettext("Date from")} in html
    assert 'value="2026-13-45"' in html and 'value="office1"' in html
    assert 'aria-invalid="true"' in html and "data-entry=" not in html


def test_it_rejects_an_unknown_account_in_chinese(client, office):  # needs .pending_i18n/audit.json
    client.force_login(office)
    response = client.get(URL, {"actor": "nobody-here"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="nobody-here"' in html
    assert "没有这个用户名的账号。" in html


def test_it_rejects_an_end_date_before_the_start(client, office):  # needs .pending_i18n/audit.json
    client.force_login(office)
    response = client.get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 400
    assert "结束日期早于开始日期。" in response.content.decode()


def test_it_rejects_an_unknown_action_or_object_type(client, office):
    client.force_login(office)
    response = client.get(URL, {"action": "drop_tables", "object_type": "auth.permission"})
    html = response.content.decode()
    assert response.status_code == 400
    choose = gettext("%(label)s: choose one from the list.")
    assert choose % {"label": gettext("Action")} in html and choose % {"label": gettext("Object type")} in html
    assert client.get(EXPORT, {"action": "drop_tables"}).status_code == 400


# -- pages and queries ----------------------------------------------------------------------------------


def test_it_pages_the_log(client, office):
    _entries(120, office)
    client.force_login(office)
    first = client.get(URL, {"action": "topic_note"}).content.decode()
    third = client.get(URL, {"action": "topic_note", "page": 3}).content.decode()
    assert first.count("data-entry=") == 50 and third.count("data-entry=") == 20
    assert "action=topic_note&amp;page=2" in first


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, office, town_a, django_assert_max_num_queries):
    client.force_login(office)
    topic = TopicFactory(town=town_a)
    _entries(3, office, obj=topic)
    with django_assert_max_num_queries(12) as small:
        assert client.get(URL).status_code == 200
    _entries(60, office, obj=topic)
    _entries(5, None, action="login_failed")
    with django_assert_max_num_queries(12) as large:
        assert client.get(URL).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


# -- export ---------------------------------------------------------------------------------------------


def test_it_exports_the_filtered_entries_to_xlsx_and_audits_the_export(client, office, liaison_a, town_a):
    topic = TopicFactory(town=town_a, title="村口路灯坏了")
    audit.record(actor=liaison_a, action="topic_accept", obj=topic, after={"status": "accepted"})
    audit.record(actor=office, action="member_export")
    client.force_login(office)
    response = client.get(EXPORT, {"actor": "liaison_a"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.streaming
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "liaison_a" and rows[1][3] == "topic_accept" and rows[1][6] == "村口路灯坏了"
    entry = AuditEntry.objects.get(action="audit_export")
    assert entry.actor == office
    assert entry.after == {"filters": {"actor": "liaison_a"}, "rows": 1}


# -- entries cannot be changed or deleted -----------------------------------------------------------------


def test_entries_cannot_be_changed_or_deleted_in_bulk(office):
    audit.record(actor=office, action="topic_note")
    with pytest.raises(ValueError):
        AuditEntry.objects.update(action="x")
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(action="topic_note").delete()
    with pytest.raises(ValueError):
        AuditEntry.objects.get(action="topic_note").delete()
    assert AuditEntry.objects.filter(action="topic_note").count() == 1


def test_the_admin_offers_no_add_or_change_either(client, office):
    entry = audit.record(actor=office, action="topic_note")
    client.force_login(office)
    assert client.post(f"/admin/portal/auditentry/{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get("/admin/portal/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "topic_note"


def test_the_viewer_has_no_way_to_write(client, office):
    entry = audit.record(actor=office, action="topic_note")
    client.force_login(office)
    assert client.post(URL, {"action": "x"}).status_code == 405
    assert client.post(EXPORT).status_code == 405
    assert AuditEntry.objects.get(pk=entry.pk).action == "topic_note"


# -- retention ------------------------------------------------------------------------------------------


def _aged(days: int, action: str):
    with time_machine.travel(timezone.now() - timedelta(days=days)):
        return audit.record(actor=None, action=action)


def test_prune_audit_removes_only_entries_older_than_the_retention(db):
    young = _aged(179, "young")
    old = _aged(181, "old")
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert "1" in out.getvalue()
    assert AuditEntry.objects.get(action="audit_prune").after["removed"] == 1


def test_prune_audit_takes_a_longer_period(db):
    kept = _aged(181, "kept")
    gone = _aged(400, "gone")
    call_command("prune_audit", "--days", "365", stdout=io.StringIO())
    assert AuditEntry.objects.filter(pk=kept.pk).exists() and not AuditEntry.objects.filter(pk=gone.pk).exists()


def test_prune_audit_refuses_fewer_than_180_days(db):
    entry = _aged(179, "young")
    with pytest.raises(CommandError):
        call_command("prune_audit", "--days", "179", stdout=io.StringIO())
    with pytest.raises(ValueError):
        audit.prune(days=30)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_shorter_setting_is_raised_to_180_days(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    entry = _aged(179, "young")
    call_command("prune_audit", stdout=io.StringIO())
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
