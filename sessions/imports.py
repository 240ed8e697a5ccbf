"""The platform import (平台) and the special-committee import (专委会, with their liaison stations and studios),
each matched by name. Platforms are written through the registry's services (`services_platforms`)."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit
from consult_portal.importers.flags import PILOT_HEADER, PILOT_NOTE, yes_no
from consult_portal.importers.places import AreaFinder
from consult_portal.imports import (
    Column,
    Importer,
    Row,
    choice_lookup,
    model_errors,
    note_name,
    note_repeat,
    parse_date,
    split_list,
)
from consult_portal.models import Area, Committee, Sector
from consult_portal.phones import validate_phone

from . import services_platforms
from .models import Platform

LEVEL_ALIASES = {
    "县": Platform.Level.COUNTY,
    "区": Platform.Level.COUNTY,
    "县级": Platform.Level.COUNTY,
    "区级": Platform.Level.COUNTY,
    "镇": Platform.Level.TOWN,
    "镇级": Platform.Level.TOWN,
    "街道": Platform.Level.TOWN,
    "村": Platform.Level.VILLAGE,
    "村级": Platform.Level.VILLAGE,
    "社区": Platform.Level.VILLAGE,
}
KIND_ALIASES = {
    "议事室": Platform.Kind.ROOM,
    "协商议事室": Platform.Kind.ROOM,
    "工作室": Platform.Kind.STUDIO,
    "实践基地": Platform.Kind.BASE,
    "园区": Platform.Kind.PARK,
    "议事点": Platform.Kind.MICRO,
}
TEXT_FIELDS = ("host_unit", "contact_name", "contact_phone", "address")
DATE_COLUMNS = (
    ("organisation_confirmed_on", "有机构确认日期"),
    ("sign_confirmed_on", "有牌子确认日期"),
    ("staff_confirmed_on", "有人员确认日期"),
    ("rules_confirmed_on", "有制度确认日期"),
)
DATE_NOTE = gettext_lazy("The day the item was confirmed (2024-03-01); blank while it is not.")


class PlatformImporter(Importer):
    kind = "platforms"
    title = gettext_lazy("Platforms")
    description = gettext_lazy(
        "The consultation rooms, member studios and other places of the network, one a row. A row naming a platform "
        "the portal has changes it; the others add one. Each confirmation date of the “five haves” is the day the "
        "item was confirmed."
    )
    sheet_title = "平台"
    order = 40
    columns = (
        Column("name", "名称", required=True),
        Column("level", "级别", required=True, note=gettext_lazy("区县级, 镇街级 or 村社区级 (县, 镇, 村).")),
        Column(
            "kind",
            "类型",
            note=gettext_lazy("议事室 (the default), 委员工作室, 委员履职实践基地, 园区协商平台 or 协商议事点."),
        ),
        Column(
            "area",
            "所在地",
            required=True,
            note=gettext_lazy("The county, a town, or a town and its village: 甲镇/甲一村 (or an area's code)."),
        ),
        Column("sector", "界别", note=gettext_lazy("For a member studio: the sector whose members run it.")),
        Column("address", "地址"),
        Column("host_unit", "依托单位"),
        Column("contact_name", "联系人"),
        Column("contact_phone", "联系电话"),
        *(Column(key, header, note=DATE_NOTE) for key, header in DATE_COLUMNS),
        Column("pilot", PILOT_HEADER, note=PILOT_NOTE),
    )

    @property
    def labels(self):
        return {**super().labels, "area_id": "所在地", "sector_id": "界别", "is_pilot": PILOT_HEADER}

    def check(self, rows: list[dict]) -> list[Row]:
        levels = choice_lookup(Platform.Level, LEVEL_ALIASES)
        kinds = choice_lookup(Platform.Kind, KIND_ALIASES)
        platforms = {
            platform.name: platform for platform in Platform.objects.filter(name__in=[r["name"] for r in rows])
        }
        sectors = {sector.name: sector for sector in Sector.objects.all()}
        finder = AreaFinder()
        seen = {}
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells)
            existing = platforms.get(cells["name"])
            note_name(seen, row, cells["name"])
            level = levels.get(cells["level"].lower())
            if level is None:
                row.refuse(_("Unknown level “%s”: write 区县级, 镇街级 or 村社区级.") % cells["level"])
            kind = kinds.get(cells["kind"].lower()) if cells["kind"] else None
            if cells["kind"] and kind is None:
                row.refuse(_("Unknown kind “%s”.") % cells["kind"])
            kind = kind or (existing.kind if existing else Platform.Kind.ROOM)
            area, reason = finder.area(cells["area"]) if cells["area"] else (None, _("所在地 is missing."))
            if reason:
                row.refuse(reason)
            sector = existing.sector if existing else None
            if cells["sector"]:
                sector = sectors.get(cells["sector"])
                if sector is None:
                    row.refuse(_("Unknown sector “%s”.") % cells["sector"])
            values = {"name": cells["name"], "level": level, "kind": kind, "area": area, "sector": sector}
            for key in TEXT_FIELDS:
                values[key] = cells[key] or (getattr(existing, key) if existing else "")
            values["is_pilot"] = yes_no(row, cells.get("pilot", ""), PILOT_HEADER, bool(existing and existing.is_pilot))
            if cells["contact_phone"]:
                row.validate(validate_phone, cells["contact_phone"], "联系电话")
            for key, header in DATE_COLUMNS:
                values[key] = getattr(existing, key) if existing else None
                if cells[key]:
                    try:
                        values[key] = parse_date(cells[key])
                    except ValueError:
                        row.refuse(
                            _("%(header)s: “%(value)s” is not a date.") % {"header": header, "value": cells[key]}
                        )
            if not row.refused:
                for name, message in services_platforms.rule_errors(values).items():
                    row.refuse(f"{self.labels.get(name, name)}：{message}")
            if not row.refused:
                candidate = Platform(pk=existing.pk if existing else None, **values)
                for reason in model_errors(candidate, self.labels, validate_unique=False):
                    row.refuse(reason)
            after = {key: value for key, value in values.items() if key not in ("area", "sector")}
            after |= {"area_id": area.pk if area else None, "sector_id": sector.pk if sector else None}
            after |= {key: after[key].isoformat() if after[key] else None for key, _header in DATE_COLUMNS}
            before = None
            if existing is not None:
                before = {key: getattr(existing, key) for key in after}
                before |= {
                    key: getattr(existing, key) and getattr(existing, key).isoformat() for key, _h in DATE_COLUMNS
                }
            row.settle(before=before, after=after, labels=self.labels)
            row.data = {"platform_id": existing.pk if existing else None, **after}
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        fields = {key: value for key, value in row.data.items() if key != "platform_id"}
        for key, _header in DATE_COLUMNS:
            fields[key] = date.fromisoformat(fields[key]) if fields[key] else None
        if row.data["platform_id"] is None:
            services_platforms.platform_create(by=by, **_as_objects(fields))
        else:
            platform = Platform.objects.get(pk=row.data["platform_id"])
            services_platforms.platform_update(platform=platform, by=by, **_as_objects(fields))


def _as_objects(fields: dict) -> dict:
    """The services take the area and the sector as objects."""
    fields = dict(fields)
    fields["area"] = Area.objects.get(pk=fields.pop("area_id"))
    sector_id = fields.pop("sector_id")
    fields["sector"] = Sector.objects.get(pk=sector_id) if sector_id else None
    return fields


class CommitteeImporter(Importer):
    kind = "committees"
    title = gettext_lazy("Special committees")
    description = gettext_lazy(
        "The special committees, one a row, with the liaison stations (towns) each links and its member studios. A "
        "filled cell says all of them: a station or studio not in it is no longer the committee's."
    )
    sheet_title = "专委会"
    order = 50
    columns = (
        Column("name", "名称", required=True),
        Column("stations", "联络站", note=gettext_lazy("The towns whose liaison stations it links, separated by 、.")),
        Column(
            "studios",
            "委员工作室",
            note=gettext_lazy("Its member studios, by their names in the platforms import, separated by 、."),
        ),
    )

    def check(self, rows: list[dict]) -> list[Row]:
        committees = {c.name: c for c in Committee.objects.prefetch_related("stations", "studios")}
        studios = {p.name: p for p in Platform.objects.all()}
        finder = AreaFinder()
        seen, seen_studios = {}, {}
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells)
            existing = committees.get(cells["name"])
            if note_name(seen, row, cells["name"]):
                for reason in model_errors(Committee(name=cells["name"]), self.labels, validate_unique=False):
                    row.refuse(reason)
            stations = sorted(s.pk for s in existing.stations.all()) if existing else []
            if cells["stations"]:
                stations = []
                for text in split_list(cells["stations"]):
                    town, reason = finder.town(text)
                    if reason:
                        row.refuse(reason)
                    else:
                        stations.append(town.pk)
                stations = sorted(set(stations))
            linked = sorted(p.pk for p in existing.studios.all()) if existing else []
            if cells["studios"]:
                linked = []
                for text in split_list(cells["studios"]):
                    studio = studios.get(text)
                    if studio is None:
                        row.refuse(_("There is no platform “%s”: import the platforms first.") % text)
                    elif studio.kind != Platform.Kind.STUDIO:
                        row.refuse(_("“%s” is not a member studio.") % text)
                    else:
                        note_repeat(seen_studios, row, studio.pk, "委员工作室", text)
                        linked.append(studio.pk)
                linked = sorted(set(linked))
            after = {"name": cells["name"], "stations": stations, "studios": linked}
            before = None
            if existing is not None:
                before = {
                    "name": existing.name,
                    "stations": sorted(s.pk for s in existing.stations.all()),
                    "studios": sorted(p.pk for p in existing.studios.all()),
                }
            row.settle(before=before, after=after, labels=self.labels)
            row.data = after
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        data = row.data
        committee = Committee.objects.select_for_update().filter(name=data["name"]).first()
        before = _committee_snapshot(committee) if committee is not None else None
        committee = committee or Committee.objects.create(name=data["name"])
        committee.stations.set(data["stations"])
        Platform.objects.filter(committee=committee).exclude(pk__in=data["studios"]).update(committee=None)
        Platform.objects.filter(pk__in=data["studios"]).update(committee=committee)
        audit.record(
            actor=by, action="committee_import", obj=committee, before=before, after=_committee_snapshot(committee)
        )


def _committee_snapshot(committee: Committee) -> dict:
    return {
        "name": committee.name,
        "stations": sorted(committee.stations.values_list("pk", flat=True)),
        "studios": sorted(Platform.objects.filter(committee=committee).values_list("pk", flat=True)),
    }
