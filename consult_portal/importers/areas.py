"""The area import (镇村): the county, its towns and their villages, one a row, matched by code. The hierarchy is
checked by `Area.clean`, as in the admin: a town under the county, a village under a town, of the sheet or of the
portal."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit, office
from consult_portal.imports import Column, Importer, Row, choice_lookup, model_errors, note_repeat
from consult_portal.models import Area

from .flags import PILOT_HEADER, PILOT_NOTE, yes_no

LEVEL_ALIASES = {
    "县": Area.Level.COUNTY,
    "区": Area.Level.COUNTY,
    "县级": Area.Level.COUNTY,
    "区县": Area.Level.COUNTY,
    "市辖区": Area.Level.COUNTY,
    "旗": Area.Level.COUNTY,
    "镇": Area.Level.TOWN,
    "乡": Area.Level.TOWN,
    "街道": Area.Level.TOWN,
    "镇街": Area.Level.TOWN,
    "乡镇": Area.Level.TOWN,
    "村": Area.Level.VILLAGE,
    "社区": Area.Level.VILLAGE,
    "村社区": Area.Level.VILLAGE,
    "居委会": Area.Level.VILLAGE,
}
RANK = {Area.Level.COUNTY: 0, Area.Level.TOWN: 1, Area.Level.VILLAGE: 2}
SNAPSHOT_FIELDS = ["name", "code", "level", "parent", "is_pilot"]


class AreaImporter(Importer):
    kind = "areas"
    title = gettext_lazy("Towns and villages")
    description = gettext_lazy(
        "The county, its towns and streets and their villages and communities, one a row. A row whose code the "
        "portal knows changes that area; the others add one. A town belongs to the county, a village to a town of "
        "the sheet or of the portal."
    )
    sheet_title = "镇村"
    order = 10
    columns = (
        Column(
            "code",
            "代码",
            required=True,
            note=gettext_lazy("A code of your own for each area, such as T01 or T01-V03."),
        ),
        Column("name", "名称", required=True),
        Column("level", "级别", required=True, note=gettext_lazy("县 (or 区) for the county, 镇 or 街道, 村 or 社区.")),
        Column(
            "parent",
            "上级",
            note=gettext_lazy("For a village, the code or name of its town; blank for a town (it is the county's)."),
        ),
        Column("pilot", PILOT_HEADER, note=PILOT_NOTE),
    )

    def check(self, rows: list[dict]) -> list[Row]:
        levels = choice_lookup(Area.Level, LEVEL_ALIASES)
        if county_word := office.current().county_word.lower():
            levels.setdefault(county_word, Area.Level.COUNTY)
        self.by_code = {area.code: area for area in Area.objects.select_related("parent")}
        self.by_name = {}  # a town first, else any area of that name (for Area.clean to refuse it)
        for area in sorted(self.by_code.values(), key=lambda area: area.level != Area.Level.TOWN):
            self.by_name.setdefault(area.name, area)
        children = {(area.parent_id, area.name): area for area in self.by_code.values() if area.parent_id}
        self.county = next((area for area in self.by_code.values() if area.level == Area.Level.COUNTY), None)
        results = [Row(line=cells["line"], cells=cells) for cells in rows]
        seen_codes, seen_names, self.sheet = {}, {}, {}
        for row in results:
            cells = row.cells
            if not cells["code"]:
                row.refuse(_("Code is missing."))
            if not cells["name"]:
                row.refuse(_("Name is missing."))
            level = levels.get(cells["level"].lower())
            if level is None:
                row.refuse(_("Unknown level “%s”: write 县, 镇, 街道, 村 or 社区.") % cells["level"])
            row.data = {"code": cells["code"], "name": cells["name"], "level": level}
            if cells["code"]:
                note_repeat(seen_codes, row, cells["code"], "代码", cells["code"])
                self.sheet.setdefault(cells["code"], row)
        self.sheet_towns = {}
        for row in results:
            if row.data["level"] == Area.Level.TOWN and row.data["name"]:
                self.sheet_towns.setdefault(row.data["name"], row)
        self.sheet_county = next((row for row in results if row.data["level"] == Area.Level.COUNTY), None)
        labels = {**self.labels, "parent": "上级", "is_pilot": PILOT_HEADER}
        # Parents first: a village's town is settled (good or refused) before the village is checked.
        for row in sorted(results, key=lambda row: RANK.get(row.data["level"], 3)):
            if row.data["level"] is None:
                row.settle(before=None, after={}, labels=labels)
                continue
            existing = self.by_code.get(row.data["code"])
            parent = self._parent(row, existing)
            area = Area(pk=existing.pk if existing else None, code=row.data["code"], name=row.data["name"])
            area.level = row.data["level"]
            area.parent = parent
            if not row.refused:
                for reason in model_errors(area, labels, exclude=["parent"]):
                    row.refuse(reason)
            if row.data["level"] == Area.Level.COUNTY:
                if self.county is not None and self.county.code != row.data["code"]:
                    row.refuse(_("There is one county, and it has the code %s already.") % self.county.code)
                elif self.sheet_county is not row:
                    row.refuse(
                        _("There is one county, and it has the code %s already.") % self.sheet_county.data["code"]
                    )
            parent_code = parent.code if parent is not None else None
            if row.data["name"] and not row.refused:
                note_repeat(seen_names, row, (parent_code, row.data["name"]), "名称", row.data["name"])
                namesake = children.get((parent.pk, row.data["name"])) if parent is not None and parent.pk else None
                if namesake is not None and namesake.code != row.data["code"]:
                    row.refuse(
                        _("%(parent)s has an area called %(name)s already, with the code %(code)s.")
                        % {"parent": parent.name, "name": namesake.name, "code": namesake.code}
                    )
            row.data["parent_code"] = parent_code
            was_pilot = bool(existing and existing.is_pilot)
            row.data["is_pilot"] = yes_no(row, row.cells.get("pilot", ""), PILOT_HEADER, was_pilot)
            after = {"name": row.data["name"], "level": row.data["level"], "parent": parent_code}
            after["is_pilot"] = row.data["is_pilot"]
            before = None
            if existing is not None:
                before = {
                    "name": existing.name,
                    "level": existing.level,
                    "parent": getattr(existing.parent, "code", None),
                    "is_pilot": existing.is_pilot,
                }
            row.settle(before=before, after=after, labels=labels)
        return results

    def _parent(self, row: Row, existing) -> Area | None:
        """The parent the row names (an area of the portal, or an unsaved one of a good row of the sheet), or
        refuse the row; a blank cell: the county for a town, the current parent for an existing village."""
        text, level = row.cells["parent"], row.data["level"]
        if level == Area.Level.COUNTY:
            if text:
                row.refuse(_("The county has no parent area."))
            return None
        if not text:
            if existing is not None and existing.level == level and existing.parent is not None:
                return existing.parent
            if level == Area.Level.TOWN:
                if self.sheet_county is not None and not self.sheet_county.refused:
                    return self._unsaved(self.sheet_county)
                if self.county is not None:
                    return self.county
                row.refuse(_("There is no county yet: add a row for the county (级别 县) above its towns."))
            return None  # for a village, Area.clean says it needs its town
        found = self.sheet.get(text) or self.sheet_towns.get(text)
        if found is not None and found is not row:
            if found.refused:
                row.refuse(
                    _("Its parent “%(parent)s” on row %(line)d has an error.") % {"parent": text, "line": found.line}
                )
                return None
            return self._unsaved(found)
        area = self.by_code.get(text) or self.by_name.get(text)
        if area is None:
            row.refuse(_("There is no town with the code or name “%s”.") % text)
        return area

    def _unsaved(self, row: Row) -> Area:
        """The area a good row of the sheet will be, as `Area.clean` of its children sees it."""
        existing = self.by_code.get(row.data["code"])
        return Area(
            pk=existing.pk if existing else None, code=row.data["code"], name=row.data["name"], level=row.data["level"]
        )

    def write_order(self, results: list[Row]) -> list[Row]:
        return sorted(results, key=lambda row: RANK.get(row.data.get("level"), 3))

    def write(self, row: Row, *, by) -> None:
        data = row.data
        area = Area.objects.select_for_update().filter(code=data["code"]).first()
        before = audit.snapshot(area, SNAPSHOT_FIELDS) if area is not None else None
        area = area or Area(code=data["code"])
        area.name, area.level = data["name"], data["level"]
        area.is_pilot = data.get("is_pilot", area.is_pilot)
        area.parent = Area.objects.get(code=data["parent_code"]) if data["parent_code"] else None
        area.full_clean()
        area.save()
        audit.record(
            actor=by, action="area_import", obj=area, before=before, after=audit.snapshot(area, SNAPSHOT_FIELDS)
        )
