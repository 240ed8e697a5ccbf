"""The login import (账号): staff, leader, unit and member logins, one a row, matched by username. A new account gets
an initial password, shown once after confirm and to be changed at its first sign-in. In the members app because a
member's login is linked to the member (found by phone)."""

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit
from consult_portal.importers.places import AreaFinder
from consult_portal.imports import Column, Importer, Row, choice_lookup, model_errors, note_repeat
from consult_portal.models import ResponsibleUnit, Role, User
from consult_portal.phones import normalize_phone

from .models import Member

ROLE_ALIASES = {
    "办公室": Role.OFFICE,
    "政协办公室": Role.OFFICE,
    "办公室工作人员": Role.OFFICE,
    "联络站": Role.LIAISON,
    "联络站工作人员": Role.LIAISON,
    "领导": Role.LEADER,
    "承办单位": Role.UNIT,
    "单位": Role.UNIT,
    "委员": Role.MEMBER,
}
USER_FIELDS = ["username", "first_name", "email", "is_staff", "town", "unit", "is_active"]
# Readable when printed: no 0/O, 1/l/I.
_UPPER, _LOWER, _DIGITS = "ABCDEFGHJKMNPQRSTUVWXYZ", "abcdefghjkmnpqrstuvwxyz", "23456789"


def initial_password(user: User) -> str:
    """Three groups of four (Kp7m-Rq4w-Tz9x): upper and lower case, digits and a symbol, passing the policy."""
    alphabet = _UPPER + _LOWER + _DIGITS
    while True:
        password = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        if not all(any(char in kind for char in password) for kind in (_UPPER, _LOWER, _DIGITS)):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def _roles(user: User) -> str:
    return ",".join(sorted(set(user.roles) & set(Role.values)))


class LoginImporter(Importer):
    kind = "logins"
    title = gettext_lazy("Logins")
    description = gettext_lazy(
        "The logins of office and liaison-station staff, leaders, responsible units and members, one a row. A row "
        "whose username the portal has changes that login (its password stays); the others make new logins, each "
        "with an initial password shown once, after the import, which its holder must change at the first sign-in."
    )
    sheet_title = "账号"
    order = 70
    columns = (
        Column("username", "用户名", required=True, note=gettext_lazy("Letters, digits and @ . + - _ only.")),
        Column("name", "姓名", required=True),
        Column("role", "角色", required=True, note=gettext_lazy("办公室, 联络站, 领导, 承办单位 or 委员.")),
        Column("town", "镇街", note=gettext_lazy("For a liaison-station login: its town.")),
        Column("unit", "承办单位", note=gettext_lazy("For a responsible unit's login: the unit's name.")),
        Column("phone", "手机", note=gettext_lazy("For a member's login: the member's mobile, to find the member.")),
        Column("email", "邮箱"),
    )
    handout_columns = ("用户名", "姓名", "角色", "初始密码")

    @property
    def labels(self):
        return {
            **super().labels,
            "first_name": "姓名",
            "town_id": "镇街",
            "unit_id": "承办单位",
            "member_id": "手机",
        }

    def check(self, rows: list[dict]) -> list[Row]:
        roles = choice_lookup(Role, ROLE_ALIASES)
        users = {user.username: user for user in User.objects.filter(username__in=[r["username"] for r in rows])}
        units = {unit.name: unit for unit in ResponsibleUnit.objects.all()}
        finder = AreaFinder()
        phones = {normalize_phone(row["phone"]) for row in rows if row["phone"]}
        members = {member.phone: member for member in Member.objects.filter(phone__in=phones)}
        linked = dict(Member.objects.filter(user__in=users.values()).values_list("user_id", "pk"))
        seen, seen_members = {}, {}
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells)
            existing = users.get(cells["username"])
            if not cells["username"]:
                row.refuse(_("Username is missing."))
            else:
                note_repeat(seen, row, cells["username"], "用户名", cells["username"])
            if not cells["name"]:
                row.refuse(_("Name is missing."))
            role = roles.get(cells["role"].lower())
            if role is None:
                row.refuse(_("Unknown role “%s”: write 办公室, 联络站, 领导, 承办单位 or 委员.") % cells["role"])
            town = unit = member = None
            if role == Role.LIAISON:
                if not cells["town"]:
                    row.refuse(_("A liaison-station login belongs to its town: fill in 镇街."))
                else:
                    town, reason = finder.town(cells["town"])
                    if reason:
                        row.refuse(reason)
            elif cells["town"]:
                row.refuse(_("Only a liaison-station login belongs to a town: leave 镇街 blank."))
            if role == Role.UNIT:
                unit = units.get(cells["unit"])
                if not cells["unit"]:
                    row.refuse(_("A responsible unit's login belongs to its unit: fill in 承办单位."))
                elif unit is None:
                    row.refuse(_("There is no responsible unit “%s”: import the units first.") % cells["unit"])
            elif cells["unit"]:
                row.refuse(_("Only a responsible unit's login belongs to a unit: leave 承办单位 blank."))
            if role == Role.MEMBER:
                member = members.get(normalize_phone(cells["phone"])) if cells["phone"] else None
                if not cells["phone"]:
                    row.refuse(_("A member's login is found by the member's mobile: fill in 手机."))
                elif member is None:
                    row.refuse(_("No member has the mobile %s: import the members first.") % cells["phone"])
                elif member.user_id and member.user_id != getattr(existing, "pk", None):
                    row.refuse(_("Member %s has another login already.") % member.name)
                else:
                    note_repeat(seen_members, row, member.pk, "手机", cells["phone"])
            if existing is not None and Role.OFFICE in existing.roles and role not in (None, Role.OFFICE):
                row.refuse(_("%s is an office login: change its role in the admin, not by an import.") % existing)
            after = {
                "first_name": cells["name"],
                "email": cells["email"] or (existing.email if existing else ""),
                "role": role,
                "town_id": town.pk if town else None,
                "unit_id": unit.pk if unit else None,
                # Only a member's login is linked to a member; another role keeps whatever link it has.
                "member_id": member.pk if member else linked.get(getattr(existing, "pk", None)),
            }
            candidate = User(pk=getattr(existing, "pk", None), username=cells["username"], **after_fields(after))
            if not row.refused:
                exclude = ["password", "last_login", "date_joined"]
                for reason in model_errors(candidate, self.labels, exclude=exclude, validate_constraints=False):
                    row.refuse(reason)
            before = None
            if existing is not None:
                before = {
                    "first_name": existing.first_name,
                    "email": existing.email,
                    "role": _roles(existing),
                    "town_id": existing.town_id,
                    "unit_id": existing.unit_id,
                    "member_id": linked.get(existing.pk),
                }
            row.settle(before=before, after=after, labels={**self.labels, "role": "角色", "email": "邮箱"})
            row.data = {"username": cells["username"], **after}
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        data = row.data
        user = User.objects.select_for_update().filter(username=data["username"]).first()
        before = audit.snapshot(user, USER_FIELDS) | {"role": _roles(user)} if user is not None else None
        password = None
        if user is None:
            user = User(username=data["username"])
            for key, value in after_fields(data).items():
                setattr(user, key, value)
            password = initial_password(user)
            user.set_initial_password(password)
        else:
            for key, value in after_fields(data).items():
                setattr(user, key, value)
        user.is_staff = data["role"] == Role.OFFICE
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=data["role"]))
        user.groups.add(Group.objects.get_or_create(name=data["role"])[0])
        if data["role"] == Role.MEMBER:
            Member.objects.filter(user=user).exclude(pk=data["member_id"]).update(user=None)
            Member.objects.filter(pk=data["member_id"]).update(user=user)
        after = audit.snapshot(user, USER_FIELDS) | {"role": data["role"], "member": data["member_id"]}
        audit.record(actor=by, action="login_import", obj=user, before=before, after=after)
        if password is not None:
            self.handout.append([user.username, user.first_name, str(Role(data["role"]).label), password])


def after_fields(data: dict) -> dict:
    """The User fields of a checked row."""
    return {key: data[key] for key in ("first_name", "email", "town_id", "unit_id")}
