"""Confirming one member import twice (a double click, a second tab) imports it once and tells the second why."""

import threading

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client

from consult_portal import audit, imports
from consult_portal.import_views import SESSION_PREFIX
from consult_portal.models import AuditEntry
from members.imports import MemberImporter
from members.models import Assignment, Member
from tests.conftest import skip_or_fail
from tests.factories import SectorFactory
from tests.members.test_import import CONFIRM, preview, xlsx


@pytest.fixture
def sheet(town_a):
    SectorFactory(name="经济界")
    return xlsx(
        [
            ["王一", "市级", "经济界", None, "13800000001", "甲镇", None],
            ["李二", "区县级", "经济界", None, "13800000002", None, None],
            ["陈三", "区县级", "经济界", None, None, None, None],
        ]
    )


def _confirm(client, token):
    return client.post(CONFIRM, {"token": token})


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _imported_once():
    assert sorted(Member.objects.values_list("name", flat=True)) == ["李二", "王一", "陈三"]
    assert Assignment.objects.count() == 1
    assert AuditEntry.objects.filter(action="member_import").count() == 3


def test_it_tells_a_second_confirm_that_the_import_is_already_confirmed(client, office, sheet):
    client.force_login(office)
    token = preview(client, sheet).context["token"]
    client.get(_confirm(client, token)["Location"])  # the import page, showing "import done"
    again = _confirm(client, token)
    assert again.status_code == 302
    assert _messages(again) == [str(imports.ALREADY_CONFIRMED)]
    assert str(imports.ALREADY_CONFIRMED) in client.get(again["Location"]).content.decode()
    _imported_once()


def test_it_imports_once_when_the_second_confirm_still_holds_the_preview(client, office, sheet):
    # The second request of a double click read the session before the first one emptied it.
    client.force_login(office)
    token = preview(client, sheet).context["token"]
    rows = client.session[SESSION_PREFIX + token]
    client.get(_confirm(client, token)["Location"])
    session = client.session
    session[SESSION_PREFIX + token] = rows
    session.save()
    again = _confirm(client, token)
    assert again.status_code == 302
    assert _messages(again) == [str(imports.ALREADY_CONFIRMED)]
    _imported_once()


def test_an_import_that_failed_can_be_confirmed_again(client, office, sheet, monkeypatch):
    client.force_login(office)
    token = preview(client, sheet).context["token"]
    pending = client.session[SESSION_PREFIX + token]
    record = audit.record

    def audit_down(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", audit_down)
    confirm = {"token": token, "rows": pending["rows"], "digest": pending["digest"], "by": office}
    with pytest.raises(RuntimeError):
        imports.apply(MemberImporter(), **confirm)
    assert not Member.objects.exists()
    monkeypatch.setattr(audit, "record", record)
    assert imports.apply(MemberImporter(), **confirm).counts["create"] == 3
    _imported_once()


# -- two at once, on PostgreSQL --------------------------------------------------------------------


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the import race test needs a PostgreSQL DATABASE_URL")


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_import_once_and_tell_the_second(postgres, office, sheet, monkeypatch):
    first = Client(raise_request_exception=False)
    first.force_login(office)
    token = preview(first, sheet).context["token"]
    second = Client(raise_request_exception=False)  # the same login and session: a second tab
    second.cookies[settings.SESSION_COOKIE_NAME] = first.cookies[settings.SESSION_COOKIE_NAME].value

    # Neither request saves its session before both have taken the preview's rows from it.
    both_read = threading.Barrier(2, timeout=10)
    apply = imports.apply

    def apply_once_both_have_read(*args, **kwargs):
        both_read.wait()
        return apply(*args, **kwargs)

    monkeypatch.setattr(imports, "apply", apply_once_both_have_read)
    answers = [None, None]

    def confirm(index, client):
        try:
            response = _confirm(client, token)
            answers[index] = (response.status_code, _messages(response))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=pair) for pair in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [status for status, _messages in answers] == [302, 302]
    told = sorted(messages == [str(imports.ALREADY_CONFIRMED)] for _status, messages in answers)
    assert told == [False, True]
    _imported_once()
