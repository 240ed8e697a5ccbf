"""The demo county's people: the members and their assignments, and the five demo logins."""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Count, Q
from django.utils import timezone

from consult_portal.models import Area, ResponsibleUnit, Role, User
from members.models import Assignment, Member

from .common import CITY_MEMBERS, COUNTY_CODE, COUNTY_MEMBERS, DEMO_UNIT_NAME, BuilderBase
from .data import EXTRA_EXPERTISE, LOGINS, SECTORS


class PeopleStage(BuilderBase):
    """Members, where they are assigned, and the logins the builder acts as."""

    def build_members(self) -> None:
        rng = self.rng
        term_start = date(self.year - 2, 1, 10)
        term_end = date(self.year + 3, 1, 9)
        duty_codes = set(Member.objects.values_list("duty_code", flat=True))
        self.used_phones.update(p for p in Member.objects.exclude(phone="").values_list("phone", flat=True))
        sector_names = list(SECTORS)
        members = []
        for i in range(CITY_MEMBERS + COUNTY_MEMBERS):
            sector = rng.choice(sector_names)
            tags = rng.sample(SECTORS[sector], rng.randint(1, min(2, len(SECTORS[sector]))))
            if rng.random() < 0.35:
                extra = rng.choice(EXTRA_EXPERTISE)
                if extra not in tags:
                    tags.append(extra)
            start = term_start if rng.random() < 0.9 else term_start + timedelta(days=rng.randint(200, 500))
            members.append(
                Member(
                    name=self.person(unique=True),
                    level=Member.Level.CITY if i < CITY_MEMBERS else Member.Level.COUNTY,
                    sector=self.sector_by_name[sector],
                    committee=self.committees[rng.randrange(len(self.committees))] if rng.random() < 0.92 else None,
                    expertise=",".join(tags),
                    phone=self.phone(),
                    duty_code=self.code(duty_codes),
                    term_start=start,
                    term_end=term_end,
                )
            )
        self.members = Member.objects.bulk_create(members)

        # Sinking: city members to towns, county members to villages; a few villages stay without one.
        assignments = []
        self.members_of_town = defaultdict(list)
        uncovered = {v.name for v in rng.sample(self.villages, 5)}
        covered = [v for v in self.villages if v.name not in uncovered]
        county_members = self.members[CITY_MEMBERS:]
        for i, member in enumerate(self.members[:CITY_MEMBERS]):
            town = self.towns[i % len(self.towns)]
            assignments.append(
                Assignment(
                    member=member,
                    area=town,
                    role=Assignment.Role.CONTACT,
                    starts_on=member.term_start + timedelta(days=30),
                )
            )
            self.members_of_town[town.pk].append(member)
        targets = covered + [rng.choice(covered) for _ in range(len(county_members) - len(covered))]
        for member, village in zip(county_members, targets, strict=True):
            role = Assignment.Role.RESIDENT if rng.random() < 0.6 else Assignment.Role.CONTACT
            assignments.append(
                Assignment(member=member, area=village, role=role, starts_on=member.term_start + timedelta(days=30))
            )
            self.members_of_town[village.parent_id].append(member)
            if rng.random() < 0.12:  # a second, earlier assignment that has ended
                other = rng.choice(covered)
                if other.pk != village.pk:
                    assignments.append(
                        Assignment(
                            member=member,
                            area=other,
                            role=Assignment.Role.CONTACT,
                            starts_on=member.term_start,
                            ends_on=member.term_start + timedelta(days=29),
                        )
                    )
        # The demo member: the first county member in the first town, also its town's contact member.
        self.demo_member = next(m for m in county_members if m in self.members_of_town[self.towns[0].pk])
        assignments.append(
            Assignment(
                member=self.demo_member,
                area=self.towns[0],
                role=Assignment.Role.CONTACT,
                starts_on=self.demo_member.term_start + timedelta(days=31),
            )
        )
        Assignment.objects.bulk_create(assignments)

    def build_logins(self) -> None:
        users = ensure_logins(town=self.towns[0], unit=self.unit_by_name[DEMO_UNIT_NAME], member=self.demo_member)
        self.office, self.town_user, self.member_user = users["office"], users["town"], users["member"]
        self.unit_user, self.leader = users["unit"], users["leader"]


def _demo_unit() -> ResponsibleUnit | None:
    unit = ResponsibleUnit.objects.filter(name=DEMO_UNIT_NAME).first()
    if unit is None:
        unit = (
            ResponsibleUnit.objects.filter(kind=ResponsibleUnit.Kind.DEPARTMENT)
            .annotate(n=Count("outcomes"))
            .order_by("-n", "name")
            .first()
        )
    return unit


def _demo_member() -> Member | None:
    user = User.objects.filter(username="member").first()
    linked = Member.objects.filter(user=user).first() if user else None
    if linked is not None:
        return linked
    today = timezone.now()
    return (
        Member.objects.filter(user__isnull=True)
        .annotate(n=Count("participations", filter=Q(participations__meeting__starts_at__gte=today)))
        .order_by("-n", "pk")
        .first()
    )


def ensure_logins(
    *, town: Area | None = None, unit: ResponsibleUnit | None = None, member: Member | None = None
) -> dict[str, User]:
    """Create or refresh the five demo logins, with DEMO_PASSWORD, their group and their scope."""
    county = Area.objects.filter(code=COUNTY_CODE).first()
    if town is None and county is not None:
        town = county.children.order_by("code").first()
    unit = unit or _demo_unit()
    member = member or _demo_member()
    users = {}
    for username, role, display in LOGINS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name = member.name if role == Role.MEMBER and member is not None else display
        user.last_name = ""
        user.email = f"{username}@demo.invalid"
        user.is_active = True
        user.is_staff = role == Role.OFFICE
        user.town = town if role == Role.LIAISON else None
        user.unit = unit if role == Role.UNIT else None
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        users[username] = user
    if member is not None and member.user_id != users["member"].pk:
        Member.objects.filter(user=users["member"]).exclude(pk=member.pk).update(user=None)
        member.user = users["member"]
        member.save(update_fields=["user"])
    return users


def login_rows() -> list[tuple[str, str]]:
    return [(username, str(Role(role).label)) for username, role, _ in LOGINS]
