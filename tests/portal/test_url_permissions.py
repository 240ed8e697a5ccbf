"""Every URL of the portal, walked as each persona: a view without a recorded permission decision breaks the build.

For each named route the table says who may use it; everyone else must be refused (403, or the login page for an
anonymous visitor). Path arguments are filled with values that match no object, so the walk tests the role check
itself: an allowed persona gets past it (a page, a 404 for the missing object, a 405 for a GET on a POST-only
action) and a refused one never does. What each role may do, object by object, is tested in each app's tests.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ANONYMOUS = "anonymous"
LOGINS = ("member", "unit", "liaison_a", "office", "leader")
EVERYONE = (ANONYMOUS, *LOGINS)
STAFF = ("liaison_a", "office", "leader")  # leaders read; the write pages refuse them
WRITERS = ("liaison_a", "office")
OFFICE = ("office",)
COUNTY = ("office", "leader")  # county-wide readers: the whole county's data, not one town's

# Who gets past the role check of each route. A new route must be added here, with its decision.
ALLOWED: dict[str, tuple[str, ...]] = {
    # Public pages and the account pages Django provides
    "home": EVERYONE,
    "healthz": EVERYONE,
    "request-too-large": EVERYONE,  # the 413 page, also nginx's error_page for client_max_body_size
    "login": EVERYONE,
    "logout": EVERYONE,
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,
    "password_reset_complete": EVERYONE,
    "set_language": EVERYONE,
    "topics:suggest": EVERYONE,
    "topics:receipt": EVERYONE,
    "topics:track": EVERYONE,
    "topics:track-detail": EVERYONE,
    "topics:track-qr": EVERYONE,
    "topics:plan": EVERYONE,
    "members:code": EVERYONE,
    "members:code-qr-png": EVERYONE,
    "members:code-qr-svg": EVERYONE,
    "sessions:meetings": EVERYONE,
    "sessions:meetings-feed": EVERYONE,
    "sessions:meeting": EVERYONE,
    "sessions:meeting-print": EVERYONE,
    "sessions:meeting-ics": EVERYONE,
    "outcomes:list": EVERYONE,
    "outcomes:detail": EVERYONE,
    "outcomes:survey": EVERYONE,
    "outcomes:survey-thanks": EVERYONE,
    "outcomes:poster": EVERYONE,
    "outcomes:qr": EVERYONE,
    "public-stats": EVERYONE,
    "public-stats-csv": EVERYONE,
    "public-stats-span-csv": EVERYONE,
    # Uploaded files: the route lets everyone in, each file is then checked against its object (consult_portal.media,
    # each app's photo_access.py; tested in tests/<app>/test_photo_access.py), a refusal being the 404 of a missing one.
    "media": EVERYONE,
    # Any login
    "password_change": LOGINS,
    "password_change_done": LOGINS,
    "account-home": LOGINS,
    "inbox": LOGINS,
    "inbox-read": LOGINS,
    "inbox-read-all": LOGINS,
    "notification-settings": LOGINS,
    # Members' own workspace; the check-in needs a member's login
    "workspace": ("member",),
    "workspace-recommend": ("member",),
    "workspace-answer": ("member",),
    "workspace-meeting": ("member",),
    "workspace-meeting-ics": ("member",),
    # The check-in looks its token up first (no such token: 404 for all); a real one asks for a member's login,
    # tested in tests/sessions.
    "sessions:checkin": EVERYONE,
    "outcomes:supervise": ("member",),
    "outcomes:supervise-comment": ("member",),
    # Responsible units' own items
    "outcomes:unit-list": ("unit",),
    "outcomes:unit-detail": ("unit",),
    "outcomes:unit-progress": ("unit",),
    "outcomes:unit-answer": ("unit",),
    # Staff pages: office and liaison staff act, leaders read
    "staff-home": STAFF,
    "topics:staff-list": STAFF,
    "topics:staff-new": WRITERS,
    "topics:staff-detail": STAFF,
    "topics:staff-action": WRITERS,
    "topics:plan-current": STAFF,
    "topics:plan-manage": STAFF,
    "topics:plan-publish": OFFICE,  # the confirmation page of publishing, and its POST
    "sessions:staff-meetings": STAFF,
    "sessions:record-items": STAFF,
    "sessions:participants": STAFF,
    "sessions:staff-meeting-new": WRITERS,
    "sessions:staff-meeting": STAFF,
    "sessions:staff-meeting-action": WRITERS,
    "sessions:checkins": STAFF,
    "sessions:checkin-action": WRITERS,
    "sessions:platforms": STAFF,
    "sessions:platform-new": WRITERS,
    "sessions:platform-detail": STAFF,
    "sessions:platform-edit": WRITERS,
    "sessions:studio-members": WRITERS,
    "sessions:coverage": STAFF,
    "members:list": STAFF,
    "members:detail": STAFF,
    "members:coverage": STAFF,
    "performance": STAFF,
    "performance-export": COUNTY,
    "committees": STAFF,
    "committee-research": STAFF,
    "committee-research-new": OFFICE,
    "committee-research-edit": OFFICE,
    "members:export": COUNTY,
    "members:code-print": STAFF,
    "members:new": OFFICE,
    "members:edit": OFFICE,
    "members:bulk-assign": WRITERS,
    "outcomes:staff-list": STAFF,
    "outcomes:staff-new": WRITERS,
    "outcomes:staff-satisfaction": STAFF,
    "outcomes:staff-anomalies": OFFICE,
    "outcomes:staff-detail": STAFF,
    "outcomes:staff-sheet": STAFF,
    "outcomes:staff-action": WRITERS,
    "outcomes:staff-publish": WRITERS,  # the confirmation page of publishing a result, and its POST
    "outcomes:staff-meeting": STAFF,
    "outcomes:staff-meeting-sheets": STAFF,
    # The office's own: the audit log and its export, unlocking logins locked out after failures
    "audit": OFFICE,
    "audit-export": OFFICE,
    "accounts-locked": OFFICE,
    "office-settings": OFFICE,
    # History entry (补录, #14): past meetings and items with their real dates, office staff only.
    "outcomes:history": OFFICE,
    "outcomes:history-item-new": OFFICE,
    "outcomes:history-item-edit": OFFICE,
    "sessions:history-meeting-new": OFFICE,
    # The imports of the county's structure, people and logins, with their templates (the kind "accept" is none)
    "imports": OFFICE,
    "import-upload": OFFICE,
    "import-template": OFFICE,
    "import-confirm": OFFICE,
    # Dashboard: liaison staff get their own town's figures only
    "dashboard": STAFF,
    "dashboard-export": STAFF,
    "dashboard-summary": STAFF,
    # Assessment: liaison staff see and export their own station's row; the weights are the office's
    "assessment": STAFF,
    "assessment-export": STAFF,
    "assessment-weights": OFFICE,
    # Word documents and .xlsx exports of the staff lists, scoped like their pages
    "sessions:notice-docx": STAFF,
    "sessions:record-docx": STAFF,
    "outcomes:meeting-assignments-docx": STAFF,
    "outcomes:assignment-docx": STAFF,
    "topics:topics-xlsx": STAFF,
    "sessions:meetings-xlsx": STAFF,
    "sessions:platforms-xlsx": STAFF,
    "outcomes:items-xlsx": STAFF,
    # ... and of the annual plan, the two coverages, the committees' duties and satisfaction, like their pages
    "topics:plan-xlsx": STAFF,
    "sessions:coverage-xlsx": STAFF,
    "members:coverage-xlsx": STAFF,
    "committees-xlsx": STAFF,
    "outcomes:satisfaction-units-xlsx": STAFF,
    "outcomes:satisfaction-towns-xlsx": STAFF,
}

# Values that match no object: the role check answers before the lookup.
FILLERS = {"int": "987654", "str": "NO-SUCH-CODE", "slug": "accept", "path": "nothing"}
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _routes() -> dict[str, str]:
    routes = {}
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("^"):
            continue  # the Django admin has its own check (office staff only), tested in test_audit
        path = "/" + ARGUMENT.sub(lambda m: FILLERS.get(m.group(1) or "str", "x"), route)
        routes.setdefault(name, path)
    return routes


def test_every_route_has_a_recorded_decision():
    routes = _routes()
    undecided = sorted(set(routes) - set(ALLOWED))
    assert not undecided, f"Add these routes to ALLOWED with who may use them: {undecided}"
    gone = sorted(set(ALLOWED) - set(routes))
    assert not gone, f"These routes no longer exist; remove them from ALLOWED: {gone}"


def _refused(response, persona: str) -> bool:
    if persona == ANONYMOUS:
        return response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    return response.status_code == 403


@pytest.mark.parametrize("persona", EVERYONE)
def test_each_persona_gets_exactly_the_answers_recorded(client, personas, persona):
    if persona != ANONYMOUS:
        client.force_login(personas["liaison_a" if persona == "liaison_a" else persona])
    wrong = []
    for name, path in sorted(_routes().items()):
        if name == "logout":
            continue  # logging out would end the walk; it is open to everyone by Django's design
        response = client.get(path)
        if response.status_code == 405:  # a POST-only action: its decision shows on a POST (no object matches)
            response = client.post(path)
        assert response.status_code < 500, (name, path, response.status_code)
        refused = _refused(response, persona)
        if refused == (persona in ALLOWED.get(name, ())):
            wrong.append(f"{name} {path}: {response.status_code} ({'refused' if refused else 'let in'})")
    assert not wrong, "\n".join(wrong)
