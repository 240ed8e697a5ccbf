"""One capability map: the views, the navigation and the buttons all ask consult_portal.access.CAPABILITIES."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from consult_portal.access import CAPABILITIES, KNOWN, can, capability_required
from consult_portal.models import Role
from consult_portal.roles import MODEL_PERMISSIONS

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_every_capability_a_template_asks_is_in_the_map():
    asked = set()
    for path in TEMPLATES.rglob("*.html"):
        asked |= set(re.findall(r"""["']([a-z_]+\.[a-z_]+)["']\s+in\s+caps""", path.read_text(encoding="utf-8")))
    assert asked and asked <= KNOWN, sorted(asked - KNOWN)


def test_a_view_cannot_name_a_capability_that_does_not_exist():
    with pytest.raises(ValueError, match="Unknown capability"):
        capability_required("meetings.chnage")


def test_the_model_permissions_come_from_capabilities_of_the_map():
    assert set(MODEL_PERMISSIONS) <= KNOWN


@pytest.mark.django_db
def test_an_inactive_account_has_no_capability(office):
    office.is_active = False
    assert not can(office, "backoffice.view")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("office", ["审计日志", "安排协商会"], []),
        ("liaison_a", ["安排协商会"], ["审计日志"]),
        ("leader", ["议题", "协商会"], ["审计日志", "安排协商会"]),
    ],
)
def test_the_navigation_and_buttons_follow_the_map(client, request, persona, shown, hidden):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/staff/meetings/").content.decode()
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


@pytest.mark.django_db
def test_each_role_group_exists_and_the_unit_reports_while_the_leader_only_reads():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert "units.report" in CAPABILITIES[Role.UNIT] and "outcomes.change" not in CAPABILITIES[Role.LEADER]
