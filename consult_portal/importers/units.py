"""The sector import (界别) and the responsible-unit import (承办单位), each matched by name."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit
from consult_portal.imports import Column, Importer, Row, choice_lookup, model_errors, note_name
from consult_portal.models import ResponsibleUnit, Sector
from consult_portal.phones import validate_phone

from .places import AreaFinder

UNIT_FIELDS = ["name", "kind", "town", "contact_name", "contact_phone", "email"]
KIND_ALIASES = {
    "部门": ResponsibleUnit.Kind.DEPARTMENT,
    "单位": ResponsibleUnit.Kind.DEPARTMENT,
    "镇街": ResponsibleUnit.Kind.TOWN,
    "镇政府": ResponsibleUnit.Kind.TOWN,
    "乡镇政府": ResponsibleUnit.Kind.TOWN,
    "街道": ResponsibleUnit.Kind.TOWN,
    "街道办事处": ResponsibleUnit.Kind.TOWN,
}


class SectorImporter(Importer):
    kind = "sectors"
    title = gettext_lazy("Sectors")
    description = gettext_lazy("The sectors (界别) the members belong to, one a row; a name the portal has is kept.")
    sheet_title = "界别"
    order = 20
    columns = (Column("name", "名称", required=True),)

    def check(self, rows: list[dict]) -> list[Row]:
        known = set(Sector.objects.values_list("name", flat=True))
        seen = {}
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells, data={"name": cells["name"]})
            if note_name(seen, row, cells["name"]):
                for reason in model_errors(Sector(name=cells["name"]), self.labels, validate_unique=False):
                    row.refuse(reason)
            exists = cells["name"] in known
            row.settle(before={"name": cells["name"]} if exists else None, after={"name": cells["name"]}, labels={})
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        sector = Sector.objects.create(name=row.data["name"])
        audit.record(actor=by, action="sector_import", obj=sector, after=audit.snapshot(sector, ["name"]))


class UnitImporter(Importer):
    kind = "units"
    title = gettext_lazy("Responsible units")
    description = gettext_lazy(
        "The departments and town governments that handle outcomes, one a row. A row naming a unit the portal has "
        "changes it; the others add one."
    )
    sheet_title = "承办单位"
    order = 30
    columns = (
        Column("name", "名称", required=True),
        Column("kind", "类型", note=gettext_lazy("党政部门 (the default) or 镇(街道)政府.")),
        Column("town", "所属镇街", note=gettext_lazy("For a town government: its town.")),
        Column("contact_name", "联系人"),
        Column("contact_phone", "联系电话", note=gettext_lazy("A mobile or a landline, such as 0833-1234567.")),
        Column("email", "邮箱"),
    )

    @property
    def labels(self):
        return {**super().labels, "town_id": "所属镇街"}

    def check(self, rows: list[dict]) -> list[Row]:
        kinds = choice_lookup(ResponsibleUnit.Kind, KIND_ALIASES)
        units = {unit.name: unit for unit in ResponsibleUnit.objects.all()}
        finder = AreaFinder()
        seen = {}
        results = []
        for cells in rows:
            row = Row(line=cells["line"], cells=cells)
            existing = units.get(cells["name"])
            note_name(seen, row, cells["name"])
            kind = kinds.get(cells["kind"].lower()) if cells["kind"] else None
            if cells["kind"] and kind is None:
                row.refuse(_("Unknown kind “%s”: write 党政部门 or 镇(街道)政府.") % cells["kind"])
            kind = kind or (existing.kind if existing else ResponsibleUnit.Kind.DEPARTMENT)
            town = existing.town if existing else None
            if cells["town"]:
                town, reason = finder.town(cells["town"])
                if reason:
                    row.refuse(reason)
            if kind == ResponsibleUnit.Kind.TOWN and town is None and not cells["town"]:
                row.refuse(_("A town government belongs to its town: fill in 所属镇街."))
            if kind != ResponsibleUnit.Kind.TOWN and cells["town"]:
                row.refuse(_("Only a town government belongs to a town: leave 所属镇街 blank for a department."))
            if kind != ResponsibleUnit.Kind.TOWN:
                town = None
            if cells["contact_phone"]:
                row.validate(validate_phone, cells["contact_phone"], "联系电话")
            after = {
                "name": cells["name"],
                "kind": kind,
                "town_id": town.pk if town else None,
                "contact_name": cells["contact_name"] or (existing.contact_name if existing else ""),
                "contact_phone": cells["contact_phone"] or (existing.contact_phone if existing else ""),
                "email": cells["email"] or (existing.email if existing else ""),
            }
            if not row.refused:
                unit = ResponsibleUnit(pk=existing.pk if existing else None, **after)
                for reason in model_errors(unit, self.labels, validate_constraints=False):
                    row.refuse(reason)
            before = {key: getattr(existing, key) for key in after} if existing else None
            row.settle(before=before, after=after, labels=self.labels)
            row.data = after
            results.append(row)
        return results

    def write(self, row: Row, *, by) -> None:
        unit = ResponsibleUnit.objects.select_for_update().filter(name=row.data["name"]).first()
        before = audit.snapshot(unit, UNIT_FIELDS) if unit is not None else None
        unit = unit or ResponsibleUnit()
        for key, value in row.data.items():
            setattr(unit, key, value)
        unit.full_clean()
        unit.save()
        audit.record(actor=by, action="unit_import", obj=unit, before=before, after=audit.snapshot(unit, UNIT_FIELDS))
