"""The role groups get the permissions of every app, including one migrated for the first time."""

import pytest
from django.contrib.auth.models import Group, Permission

from consult_portal.models import Role
from consult_portal.roles import ensure_roles


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (Role.OFFICE, ["outcomes.view_outcomeitem", "outcomes.change_outcomeitem", "outcomes.add_surveytally"], []),
        (Role.LEADER, ["outcomes.view_outcomeitem", "members.view_member"], ["outcomes.change_outcomeitem"]),
        (Role.LIAISON, ["outcomes.view_outcomeitem", "outcomes.add_outcomeitem"], ["outcomes.delete_outcomeitem"]),
        (Role.UNIT, ["outcomes.add_progressupdate"], ["outcomes.view_surveytally"]),
    ],
)
def test_each_role_holds_the_outcome_permissions_after_migrate(role, granted, refused):
    held = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
    assert set(granted) <= held
    assert not set(refused) & held


@pytest.mark.django_db
def test_permissions_deleted_before_a_migrate_are_made_and_handed_out_again():
    Permission.objects.filter(content_type__app_label="outcomes").delete()
    ensure_roles(using="default")
    assert Group.objects.get(name=Role.OFFICE).permissions.filter(codename="view_outcomeitem").exists()
