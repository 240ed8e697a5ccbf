"""The member import (委员): one member a row, matched by phone, else by name and sector; with the places a member is
sunk into ("甲镇/甲一村；乙镇"), expertise and term. Checked and confirmed by the base's framework
(`consult_portal.imports`)."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit, office
from consult_portal.imports import Column, Importer, Row, parse_date, parse_year, split_list
from consult_portal.models import Area, Committee, Sector
from consult_portal.phones import is_mobile, normalize_phone

from .models import Assignment, Member

LEVELS = {
    "市级": Member.Level.CITY,
    "city": Member.Level.CITY,
    "区县级": Member.Level.COUNTY,
    "county": Member.Level.COUNTY,
}
# What else a county calls its own level.
LEVEL_ALIASES = {"县级": Member.Level.COUNTY, "区级": Member.Level.COUNTY, "县区级": Member.Level.COUNTY}
COMPARED_FIELDS = ("name", "level", "sector_id", "committee_id", "phone", "expertise", "term_start", "term_end")
SNAPSHOT_FIELDS = ["name", "level", "sector", "committee", "phone", "expertise", "term_start", "term_end"]
PLACE_PARTS = ("/", "／")


def _term(text: str, *, end: bool) -> date:
    """A term's first or last day from a year (2021) or a date. Raises ValueError."""
    if len(text.strip().removesuffix("年")) == 4:
        year = parse_year(text)
        return date(year, 12, 31) if end else date(year, 1, 1)
    return parse_date(text)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _kept(member, key: str, value):
    """A blank cell of an update row keeps the member's current value."""
    return value if value or member is None else getattr(member, key)


class MemberImporter(Importer):
    kind = "members"
    title = gettext_lazy("Members")
    description = gettext_lazy(
        "One member a row. A row matching a member by phone, or else by name and sector, updates that member; the "
        "others create new members. The places a member is sunk into are added, never removed."
    )
    sheet_title = "委员"
    order = 60
    columns = (
        Column("name", "姓名", required=True),
        Column("level", "级别", required=True, note=gettext_lazy("市级 or 区县级 (县级, 区级).")),
        Column("sector", "界别", required=True, note=gettext_lazy("A sector the portal has (the sectors import).")),
        Column("committee", "专委会", note=gettext_lazy("A special committee the portal has, or blank.")),
        Column("phone", "手机", note=gettext_lazy("11-digit mobile number; it tells two members apart.")),
        Column("town", "镇街", note=gettext_lazy("The town the member is sunk into.")),
        Column("village", "村社区", note=gettext_lazy("A village of that town, or blank for the town itself.")),
        Column(
            "places",
            "下沉地点",
            note=gettext_lazy("Several places, separated by ；: a town, or a town / its village (甲镇/甲一村；乙镇)."),
        ),
        Column("expertise", "专长", note=gettext_lazy("Tags separated by 、 (法律、农业).")),
        Column("term_start", "任期开始", note=gettext_lazy("The year the term starts (2021), or a date.")),
        Column("term_end", "任期结束", note=gettext_lazy("The year the term ends (2026), or a date.")),
    )

    @property
    def labels(self):
        return {**super().labels, "sector_id": "界别", "committee_id": "专委会", "area_ids": "下沉地点"}

    def check(self, rows: list[dict]) -> list[Row]:
        """Each row as create, update, unchanged or error with every reason. A blank committee, phone, expertise or
        term in an update row keeps the member's current value."""
        levels = {**LEVELS, **LEVEL_ALIASES}
        if county_level := office.current().county_level_word.lower():  # 区级 where the office's settings say so
            levels[county_level] = Member.Level.COUNTY
        sectors = {sector.name: sector.pk for sector in Sector.objects.all()}
        committees = {committee.name: committee.pk for committee in Committee.objects.all()}
        towns = {town.name: town.pk for town in Area.objects.filter(level=Area.Level.TOWN)}
        villages = {(v.parent_id, v.name): v.pk for v in Area.objects.filter(level=Area.Level.VILLAGE)}
        phones = [normalize_phone(row["phone"]) for row in rows if row["phone"]]
        by_phone = {member.phone: member for member in Member.objects.filter(phone__in=phones)}
        by_name = {}
        for member in Member.objects.filter(name__in={row["name"] for row in rows if row["name"]}):
            by_name.setdefault((member.name, member.sector_id), []).append(member)
        assigned = {
            (member_id, area_id)
            for member_id, area_id in Assignment.objects.filter(
                member__in={m.pk for m in by_phone.values()} | {m.pk for ms in by_name.values() for m in ms}
            ).values_list("member_id", "area_id")
        }

        def place(town_name: str, village_name: str, row: Row):
            town_id = towns.get(town_name)
            if town_id is None:
                row.refuse(_("Unknown town “%s”.") % town_name)
                return None
            if not village_name:
                return town_id
            village_id = villages.get((town_id, village_name))
            if village_id is None:
                row.refuse(
                    _("Village “%(village)s” is not in %(town)s.") % {"village": village_name, "town": town_name}
                )
            return village_id

        seen_phones = set()
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells)
            name = cells["name"]
            if not name:
                row.refuse(_("Name is missing."))
            elif len(name) > Member._meta.get_field("name").max_length:
                row.refuse(_("Name is too long."))
            level = levels.get(cells["level"].lower())
            if level is None:
                row.refuse(_("Unknown level “%s”.") % cells["level"])
            sector_id = sectors.get(cells["sector"])
            if sector_id is None:
                row.refuse(_("Unknown sector “%s”.") % cells["sector"])
            committee_id = None
            if cells["committee"]:
                committee_id = committees.get(cells["committee"])
                if committee_id is None:
                    row.refuse(_("Unknown committee “%s”.") % cells["committee"])
            phone = normalize_phone(cells["phone"])
            if phone:
                if not is_mobile(phone):
                    row.refuse(_("Phone “%s” is not an 11-digit mobile number.") % cells["phone"])
                elif phone in seen_phones:
                    row.refuse(_("Phone %s appears more than once in the sheet.") % phone)
                seen_phones.add(phone)
            area_ids = []
            if cells["village"] and not cells["town"]:
                row.refuse(_("Village “%s” is given without its town.") % cells["village"])
            elif cells["town"]:
                area_ids.append(place(cells["town"], cells["village"], row))
            for part in split_list(cells["places"]):
                for mark in PLACE_PARTS:
                    part = part.replace(mark, "/")
                town_name, _slash, village_name = (piece.strip() for piece in part.partition("/"))
                area_ids.append(place(town_name, village_name, row))
            area_ids = list(dict.fromkeys(area for area in area_ids if area is not None))
            expertise = ",".join(split_list(cells["expertise"]))
            if len(expertise) > Member._meta.get_field("expertise").max_length:
                row.refuse(_("Expertise is too long."))
            term = {}
            for key, end in (("term_start", False), ("term_end", True)):
                if cells[key]:
                    try:
                        term[key] = _term(cells[key], end=end)
                    except ValueError:
                        row.refuse(_("“%s” is not a year or a date.") % cells[key])
            if term.get("term_start") and term.get("term_end") and term["term_end"] < term["term_start"]:
                row.refuse(_("The term ends before it starts."))

            member = None
            if not row.refused:
                phone_owner = by_phone.get(phone) if phone else None
                namesakes = by_name.get((name, sector_id), [])
                if phone_owner is not None:
                    if namesakes and phone_owner not in namesakes:
                        row.refuse(_("Phone %s belongs to another member.") % phone)
                    member = phone_owner
                elif len(namesakes) == 1:
                    member = namesakes[0]
                elif len(namesakes) > 1:
                    row.refuse(_("Several members are called %s in this sector; add the phone number.") % name)

            after = {
                "name": name,
                "level": level,
                "sector_id": sector_id,
                "committee_id": _kept(member, "committee_id", committee_id),
                "phone": _kept(member, "phone", phone),
                "expertise": _kept(member, "expertise", expertise),
                "term_start": _iso(_kept(member, "term_start", term.get("term_start"))),
                "term_end": _iso(_kept(member, "term_end", term.get("term_end"))),
            }
            new_areas = [area for area in area_ids if member is None or (member.pk, area) not in assigned]
            before = None
            if member is not None:
                before = {key: getattr(member, key) for key in COMPARED_FIELDS}
                before["term_start"], before["term_end"] = _iso(member.term_start), _iso(member.term_end)
                before["area_ids"] = []
            row.settle(before=before, after={**after, "area_ids": new_areas}, labels=self.labels)
            if not row.refused:
                row.data = {"member_id": member.pk if member else None, **after, "area_ids": new_areas}
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        """Create or update the member of a checked row and sink them into its new places."""
        data = row.data
        fields = {key: data[key] for key in COMPARED_FIELDS}
        for key in ("term_start", "term_end"):
            fields[key] = date.fromisoformat(fields[key]) if fields[key] else None
        if data["member_id"] is None:
            member = Member.objects.create(**fields)
            before = None
        else:
            member = Member.objects.select_for_update().get(pk=data["member_id"])
            before = audit.snapshot(member, fields=SNAPSHOT_FIELDS)
            for key, value in fields.items():
                setattr(member, key, value)
            member.save(update_fields=[key.removesuffix("_id") for key in fields])
        after = audit.snapshot(member, fields=SNAPSHOT_FIELDS)
        today = timezone.localdate()
        added = []
        for area_id in data["area_ids"]:
            if not Assignment.objects.filter(member=member, area_id=area_id).exists():
                Assignment.objects.create(member=member, area_id=area_id, role=Assignment.Role.CONTACT, starts_on=today)
                added.append(area_id)
        if added:
            after["assignment_areas"] = added
        audit.record(actor=by, action="member_import", obj=member, before=before, after=after)
