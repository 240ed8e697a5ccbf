"""Finding the area a cell names, for every import that names one: a code, a town's name, a town and its village
("甲镇/甲一村"), a village's name when only one village has it, or the county's name."""

from django.utils.translation import gettext as _

from consult_portal.models import Area

SLASHES = ("／", "/", " / ")


class AreaFinder:
    """The areas the portal holds, read once; `town(text)` and `area(text)` give (area, None) or (None, reason)."""

    def __init__(self):
        areas = list(Area.objects.select_related("parent"))
        self.by_code = {area.code: area for area in areas}
        self.towns = {area.name: area for area in areas if area.level == Area.Level.TOWN}
        self.villages = {(area.parent_id, area.name): area for area in areas if area.level == Area.Level.VILLAGE}
        self.villages_named: dict[str, list[Area]] = {}
        for area in areas:
            if area.level == Area.Level.VILLAGE:
                self.villages_named.setdefault(area.name, []).append(area)
        self.county = next((area for area in areas if area.level == Area.Level.COUNTY), None)

    def town(self, text: str) -> tuple[Area | None, str | None]:
        """A town by its name or code."""
        found = self.towns.get(text) or self.by_code.get(text)
        if found is not None and found.level == Area.Level.TOWN:
            return found, None
        if found is not None:
            return None, _("“%s” is not a town or street.") % text
        return None, _("There is no town “%s”: import the areas first, or correct the name.") % text

    def area(self, text: str) -> tuple[Area | None, str | None]:
        """Any area: a code, the county's or a town's name, a town / its village, or a village's own name."""
        if text in self.by_code:
            return self.by_code[text], None
        if self.county is not None and text == self.county.name:
            return self.county, None
        for slash in SLASHES:
            text = text.replace(slash, "/")
        town_name, slash, village_name = (part.strip() for part in text.partition("/"))
        if slash:
            town, reason = self.town(town_name)
            if town is None:
                return None, reason
            village = self.villages.get((town.pk, village_name))
            if village is None:
                return None, _("Village “%(village)s” is not in %(town)s.") % {
                    "village": village_name,
                    "town": town.name,
                }
            return village, None
        if text in self.towns:
            return self.towns[text], None
        namesakes = self.villages_named.get(text, [])
        if len(namesakes) == 1:
            return namesakes[0], None
        if namesakes:
            return None, _("Several villages are called %(name)s: write its town first, as %(example)s.") % {
                "name": text,
                "example": f"{namesakes[0].parent.name}/{text}",
            }
        return None, _("There is no area “%s”: import the areas first, or correct the name.") % text
