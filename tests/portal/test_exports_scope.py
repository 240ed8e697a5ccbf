"""What every download keeps, tested once over a table of them, so that a new export or document is one more row here:
each export of a staff list and of a report is built in a constant number of queries, audited, given to leaders and
refused to members, units and visitors, and linked from its page; each Word document is hidden from another town's
liaison staff and refused like the page it comes from. What each download contains is tested beside its app, in
tests/<app>/test_exports.py and tests/<app>/test_documents.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult_portal.models import AuditEntry
from tests.documents_helpers import (
    PAST,
    YEAR,
    add_committees,
    add_coverage,
    add_plan_entries,
    add_satisfaction,
    add_satisfaction_of_towns,
    add_sunk_members,
    export,
    make_meetings,
    make_outcomes,
    make_platforms,
    make_topics,
    rows_of,
)


def assert_refused_to_members_units_and_visitors(client, personas, url: str) -> None:
    for persona in ("member", "unit"):
        client.force_login(personas[persona])
        assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ------------------------------------------------------------------------------------------ the staff lists' exports

LIST_EXPORTS = {
    "topics:topics-xlsx": (make_topics, "topic_export"),
    "sessions:meetings-xlsx": (make_meetings, "meeting_export"),
    "sessions:platforms-xlsx": (make_platforms, "platform_export"),
    "outcomes:items-xlsx": (make_outcomes, "outcome_export"),
}
LISTS = {
    "topics:topics-xlsx": "topics:staff-list",
    "sessions:meetings-xlsx": "sessions:staff-meetings",
    "sessions:platforms-xlsx": "sessions:platforms",
    "outcomes:items-xlsx": "outcomes:staff-list",
}


@pytest.mark.parametrize("route", LIST_EXPORTS)
def test_it_exports_a_list_in_a_constant_number_of_queries(client, office, town_a, village_a, route):
    make, _action = LIST_EXPORTS[route]
    client.force_login(office)
    make(town_a, village_a, count=2)
    with CaptureQueriesContext(connection) as small:
        small_rows = rows_of(client.get(reverse(route)))
    make(town_a, village_a, count=20)
    with CaptureQueriesContext(connection) as large:
        large_rows = rows_of(client.get(reverse(route)))
    assert (len(small_rows), len(large_rows)) == (3, 23)
    assert 0 < len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


@pytest.mark.parametrize("route", LIST_EXPORTS)
def test_it_audits_each_export_with_its_filters(client, liaison_a, town_a, route):
    make, action = LIST_EXPORTS[route]
    make(town_a, count=2)
    client.force_login(liaison_a)
    rows_of(client.get(reverse(route), {"q": "", "year": "2026"}))
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == liaison_a
    assert entry.after["filters"] == {"year": "2026"}
    assert entry.after["rows"] >= 0


@pytest.mark.parametrize("route", LIST_EXPORTS)
def test_it_lets_leaders_export_a_list_and_refuses_members_units_and_visitors(client, personas, route):
    client.force_login(personas["leader"])
    rows_of(client.get(reverse(route)))
    assert_refused_to_members_units_and_visitors(client, personas, reverse(route))


@pytest.mark.parametrize("route", LIST_EXPORTS)
def test_each_list_links_to_its_export_with_the_current_filters(client, office, route):
    client.force_login(office)
    html = client.get(reverse(LISTS[route]), {"q": "路灯", "page": "1"}).content.decode()
    assert f'href="{reverse(route)}?q=%E8%B7%AF%E7%81%AF"' in html
    html = client.get(reverse(LISTS[route])).content.decode()
    assert f'href="{reverse(route)}"' in html


# ------------------------------------------------------------------------------------------ the reports' exports

# route: (path arguments, how to add n rows' worth of data to town A, the audit action)
REPORT_EXPORTS = {
    "topics:plan-xlsx": ([YEAR], add_plan_entries, "plan_export"),
    "sessions:coverage-xlsx": ([], add_coverage, "coverage_export"),
    "members:coverage-xlsx": ([], add_sunk_members, "member_coverage_export"),
    "committees-xlsx": ([], add_committees, "committee_duties_export"),
    "outcomes:satisfaction-units-xlsx": ([], add_satisfaction, "satisfaction_units_export"),
    "outcomes:satisfaction-towns-xlsx": ([], add_satisfaction_of_towns, "satisfaction_towns_export"),
}
PAGES = {
    "topics:plan-xlsx": ("topics:plan-manage", [YEAR], f"{reverse('topics:plan-xlsx', args=[YEAR])}"),
    "sessions:coverage-xlsx": ("sessions:coverage", [], f"{reverse('sessions:coverage-xlsx')}?year={YEAR}"),
    "members:coverage-xlsx": ("members:coverage", [], reverse("members:coverage-xlsx")),
    "committees-xlsx": ("committees", [], f"{reverse('committees-xlsx')}?year={YEAR}"),
    "outcomes:satisfaction-units-xlsx": (
        "outcomes:staff-satisfaction",
        [],
        f"{reverse('outcomes:satisfaction-units-xlsx')}?year={YEAR}",
    ),
    "outcomes:satisfaction-towns-xlsx": (
        "outcomes:staff-satisfaction",
        [],
        f"{reverse('outcomes:satisfaction-towns-xlsx')}?year={YEAR}",
    ),
}


@pytest.mark.parametrize("route", REPORT_EXPORTS)
def test_it_exports_a_report_in_a_constant_number_of_queries(client, office, town_a, route):
    args, grow, _action = REPORT_EXPORTS[route]
    params = {"year": PAST} if route == "committees-xlsx" else {}
    client.force_login(office)
    grow(town_a, 2)
    with CaptureQueriesContext(connection) as small:
        small_rows = export(client, route, params, args)
    grow(town_a, 12)
    with CaptureQueriesContext(connection) as large:
        large_rows = export(client, route, params, args)
    assert len(large_rows) > len(small_rows) >= 2
    assert 0 < len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


@pytest.mark.parametrize("route", REPORT_EXPORTS)
def test_it_audits_each_export(client, liaison_a, town_a, route):
    args, grow, action = REPORT_EXPORTS[route]
    grow(town_a, 2)
    client.force_login(liaison_a)
    rows = export(client, route, {"year": str(YEAR), "q": ""}, args)
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == liaison_a
    assert entry.after["rows"] == len(rows)
    if not args:
        assert entry.after["filters"] == {"year": str(YEAR)}


def test_every_new_export_action_has_a_label():
    from consult_portal import audit

    for _args, _grow, action in REPORT_EXPORTS.values():
        assert action in audit.ACTION_LABELS


@pytest.mark.parametrize("route", REPORT_EXPORTS)
def test_it_lets_leaders_export_a_report_and_refuses_members_units_and_visitors(client, personas, route):
    args = REPORT_EXPORTS[route][0]
    url = reverse(route, args=args)
    client.force_login(personas["leader"])
    rows_of(client.get(url))
    assert_refused_to_members_units_and_visitors(client, personas, url)


@pytest.mark.parametrize("route", REPORT_EXPORTS)
def test_each_page_links_to_its_export(client, office, route):
    name, args, href = PAGES[route]
    client.force_login(office)
    html = client.get(reverse(name, args=args)).content.decode()
    assert f'href="{href}"' in html


def test_the_year_pages_link_to_the_export_of_the_year_shown(client, office):
    client.force_login(office)
    for name, route in [
        ("sessions:coverage", "sessions:coverage-xlsx"),
        ("committees", "committees-xlsx"),
        ("outcomes:staff-satisfaction", "outcomes:satisfaction-towns-xlsx"),
    ]:
        html = client.get(reverse(name), {"year": PAST}).content.decode()
        assert f'href="{reverse(route)}?year={PAST}"' in html


# ------------------------------------------------------------------------------------------ the Word documents
# The meeting and its items are `meeting_a` and `items_a` of tests/conftest.py.

DOCUMENT_ROUTES = ["sessions:notice-docx", "sessions:record-docx", "outcomes:meeting-assignments-docx"]


@pytest.mark.parametrize("route", DOCUMENT_ROUTES)
def test_it_hides_another_towns_meeting_from_liaison_staff(client, liaison_a, liaison_b, meeting_a, route):
    client.force_login(liaison_b)
    assert client.get(reverse(route, args=[meeting_a.pk])).status_code == 404
    client.force_login(liaison_a)
    assert client.get(reverse(route, args=[meeting_a.pk])).status_code == 200
    assert not AuditEntry.objects.filter(actor=liaison_b, action__endswith="_export").exists()


@pytest.mark.parametrize("route", [*DOCUMENT_ROUTES, "outcomes:assignment-docx"])
def test_it_lets_leaders_read_and_refuses_members_and_units(client, personas, meeting_a, items_a, route):
    pk = items_a[0].pk if route == "outcomes:assignment-docx" else meeting_a.pk
    url = reverse(route, args=[pk])
    client.force_login(personas["leader"])
    assert client.get(url).status_code == 200
    assert_refused_to_members_units_and_visitors(client, personas, url)


def test_the_pages_link_to_their_documents(client, office, meeting_a, items_a):
    client.force_login(office)
    links = {
        reverse("sessions:staff-meeting", args=[meeting_a.pk]): [
            reverse("sessions:notice-docx", args=[meeting_a.pk]),
            reverse("sessions:record-docx", args=[meeting_a.pk]),
        ],
        reverse("outcomes:staff-meeting", args=[meeting_a.pk]): [
            reverse("outcomes:meeting-assignments-docx", args=[meeting_a.pk])
        ],
        reverse("outcomes:staff-detail", args=[items_a[0].pk]): [
            reverse("outcomes:assignment-docx", args=[items_a[0].pk])
        ],
    }
    for page, hrefs in links.items():
        html = client.get(page).content.decode()
        for href in hrefs:
            assert f'href="{href}"' in html, (page, href)
