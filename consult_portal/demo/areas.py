"""The demo county's places: the county, towns and villages, sectors, committees, units and platforms."""

from collections import defaultdict
from datetime import date, timedelta

from consult_portal.models import Area, Committee, ResponsibleUnit, Sector
from sessions.models import Platform

from .common import COUNTY_CODE, COUNTY_NAME, BuilderBase
from .data import BASES, COMMITTEES, DEPARTMENTS, MICROS, PARKS, SECTORS, STUDIOS, TOWNS, VILLAGE_ROOMS


class AreasStage(BuilderBase):
    """Areas, reference rows and platforms, the first rows the builder writes."""

    def build_areas(self) -> None:
        self.county = Area.objects.create(name=COUNTY_NAME, code=COUNTY_CODE, level=Area.Level.COUNTY)
        self.towns = Area.objects.bulk_create(
            [
                Area(name=name, code=f"{COUNTY_CODE}{i + 1:03d}", level=Area.Level.TOWN, parent=self.county)
                for i, (name, _) in enumerate(TOWNS)
            ]
        )
        villages = []
        for i, (_, names) in enumerate(TOWNS):
            villages += [
                Area(
                    name=name,
                    code=f"{COUNTY_CODE}{i + 1:03d}{j + 1:03d}",
                    level=Area.Level.VILLAGE,
                    parent=self.towns[i],
                )
                for j, name in enumerate(names)
            ]
        self.villages = Area.objects.bulk_create(villages)
        self.villages_of = defaultdict(list)
        for village in self.villages:
            self.villages_of[village.parent_id].append(village)
        self.village_by_name = {v.name: v for v in self.villages}

    def build_reference(self) -> None:
        self.sectors = Sector.objects.bulk_create([Sector(name=name) for name in SECTORS])
        self.sector_by_name = {s.name: s for s in self.sectors}
        self.committees = Committee.objects.bulk_create([Committee(name=name) for name in COMMITTEES])
        units = [
            ResponsibleUnit(
                name=name, contact_name=self.person(), contact_phone=self.phone(), email=f"unit{i + 1:02d}@demo.invalid"
            )
            for i, name in enumerate(DEPARTMENTS)
        ]
        units += [
            ResponsibleUnit(
                name=f"{town.name}办事处" if town.name.endswith("街道") else f"{town.name}人民政府",
                kind=ResponsibleUnit.Kind.TOWN,
                town=town,
                contact_name=self.person(),
                contact_phone=self.phone(),
            )
            for town in self.towns
        ]
        units = ResponsibleUnit.objects.bulk_create(units)
        self.unit_by_name = {u.name: u for u in units}
        self.town_unit = {u.town_id: u for u in units if u.kind == ResponsibleUnit.Kind.TOWN}

    def five_dates(self, platform: Platform) -> None:
        """五有: most platforms are confirmed on all four items; some still miss one or two."""
        base = date(self.year - 3, 3, 1) + timedelta(days=self.rng.randint(0, 700))
        names = ["organisation_confirmed_on", "sign_confirmed_on", "staff_confirmed_on", "rules_confirmed_on"]
        missing = 0 if self.rng.random() < 0.82 else self.rng.randint(1, 2)
        for name in names[: len(names) - missing]:
            setattr(platform, name, base + timedelta(days=self.rng.randint(0, 60)))

    def build_platforms(self) -> None:
        rng = self.rng
        rows = []

        def add(name, level, kind, area, address, host_unit, sector=None):
            platform = Platform(
                name=name,
                level=level,
                kind=kind,
                area=area,
                sector=sector,
                host_unit=host_unit,
                contact_name=self.person(),
                contact_phone=self.phone(),
                address=address,
            )
            self.five_dates(platform)
            rows.append(platform)

        L, K = Platform.Level, Platform.Kind
        add("沙湾区“有事来协商”议事厅", L.COUNTY, K.ROOM, self.county, "沙湾区沫若大道区政协机关三楼", "区政协办公室")
        for town in self.towns:
            add(
                f"{town.name}政协联络站“有事来协商”议事室",
                L.TOWN,
                K.ROOM,
                town,
                f"{town.name}便民服务中心二楼",
                f"{town.name}政协联络站",
            )
        roomless = {v.name for v in rng.sample(self.villages, len(self.villages) - VILLAGE_ROOMS)}
        for village in self.villages:
            if village.name not in roomless:
                add(
                    f"{village.name}“有事来协商”议事室",
                    L.VILLAGE,
                    K.ROOM,
                    village,
                    f"{village.parent.name}{village.name}党群服务中心",
                    f"{village.name}民委员会" if village.name.endswith("村") else f"{village.name}居民委员会",
                )
        for community, suffix in MICROS:
            village = self.village_by_name[community]
            add(
                f"{community}{suffix}",
                L.VILLAGE,
                K.MICRO,
                village,
                f"{village.parent.name}{community}居民活动广场",
                f"{community}居民委员会",
            )
        for name, town_index, sector in STUDIOS:
            town = self.towns[town_index]
            add(
                name,
                L.TOWN,
                K.STUDIO,
                town,
                f"{town.name}政协联络站一楼",
                f"区政协{sector}界别活动组",
                sector=self.sector_by_name[sector],
            )
        for name, town_index in BASES:
            town = self.towns[town_index]
            add(name, L.TOWN, K.BASE, town, f"{town.name}产业示范园", f"{town.name}政协联络站")
        for name, town_index in PARKS:
            town = self.towns[town_index]
            park = name.split("“")[0]
            add(name, L.TOWN, K.PARK, town, f"{town.name}{park}管委会", f"{park}管委会")
        self.platforms = Platform.objects.bulk_create(rows)
        self.county_room = self.platforms[0]
        self.town_room = {p.area_id: p for p in self.platforms if p.level == L.TOWN and p.kind == K.ROOM}
        self.platforms_of = defaultdict(list)  # town pk → its village rooms and micro-sites
        self.special_of = defaultdict(list)  # town pk → studios, bases, parks
        for platform in self.platforms:
            if platform.level == L.VILLAGE:
                self.platforms_of[platform.area.parent_id].append(platform)
            elif platform.kind != K.ROOM:
                self.special_of[platform.area_id].append(platform)

    def link_committees(self) -> None:
        """Each special committee links one or two liaison stations and, in turn, the member studios."""
        towns = sorted(self.towns, key=lambda town: town.code)
        studios = list(Platform.objects.filter(kind=Platform.Kind.STUDIO).order_by("name"))
        for index, committee in enumerate(self.committees):
            committee.stations.set(towns[index * 2 % len(towns) : index * 2 % len(towns) + 1 + index % 2])
        for index, studio in enumerate(studios):
            studio.committee = self.committees[index % len(self.committees)]
        Platform.objects.bulk_update(studios, ["committee"])
