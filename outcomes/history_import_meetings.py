"""The ledger of past consultations (协商台账): see `outcomes.history_ledger`."""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal.importers.places import AreaFinder
from consult_portal.imports import (
    Column,
    Importer,
    Row,
    choice_lookup,
    note_repeat,
    split_list,
)
from consult_portal.models import Area
from members.models import Member
from sessions import history as meeting_history
from sessions import rules
from sessions.models import Meeting, Platform, RecordItem
from sessions.services import overlapping
from topics.models import Topic

from .history_ledger import (
    COUNT_COLUMNS,
    DATE_NOTE,
    FORM_ALIASES,
    LENGTH_DEFAULT,
    TIME_DEFAULT,
    count_cell,
    date_cell,
    ledger_row,
    refuse_errors,
    time_cell,
)


def _iso(moment: datetime | None) -> str | None:
    """A moment as JSON, the same whichever time zone it was read in."""
    return moment.astimezone(UTC).isoformat() if moment else None


class MeetingLedgerImporter(Importer):
    kind = "history_meetings"
    title = gettext_lazy("Ledger of past consultations (补录)")
    description = gettext_lazy(
        "The consultations held before the portal, one a row, with their real dates: each is entered held (recorded "
        "when it has a summary) and marked 补录, with the topic it consulted. Matched by 台账编号: a re-upload changes "
        "nothing. Import it before the ledger of outcome items."
    )
    sheet_title = "协商台账"
    order = 90
    columns = (
        Column(
            "ref", "台账编号", required=True, note=gettext_lazy("The row's own number in the ledger, e.g. 2023-001.")
        ),
        Column("date", "日期", required=True, note=DATE_NOTE),
        Column("start", "开始时间", note=gettext_lazy("Such as 09:30; empty: 09:00.")),
        Column("end", "结束时间", note=gettext_lazy("Empty: two hours after the start.")),
        Column(
            "platform", "平台", required=True, note=gettext_lazy("The platform's name, as in the platforms import.")
        ),
        Column(
            "town", "镇街", note=gettext_lazy("The town; checked against the platform's. Needed for a county platform.")
        ),
        Column(
            "topic", "议题", required=True, note=gettext_lazy("The topic consulted; a new one is entered consulted.")
        ),
        Column("source", "议题来源", note=gettext_lazy("党政点题 (the default), 群众出题 or 委员荐题.")),
        Column("category", "议题类别", note=gettext_lazy("发展, 民生 (the default), 难题 or 和谐.")),
        Column("requester", "点题单位", note=gettext_lazy("For 党政点题; empty: the town.")),
        Column("recommender", "推荐委员", note=gettext_lazy("For 委员荐题: the member's name.")),
        Column("title", "会议名称", note=gettext_lazy("Empty: the topic.")),
        Column(
            "form",
            "协商形式",
            note=gettext_lazy("会议协商 (the default), 院坝协商, 书面协商, 网络协商, 专家论证, 界别协商…"),
        ),
        Column("place", "地点"),
        Column("host", "主持人"),
        *(
            Column(key, header, note=gettext_lazy("A whole number; empty: not recorded."))
            for key, header in COUNT_COLUMNS
        ),
        Column("summary", "会议纪要", note=gettext_lazy("With a summary the meeting is entered recorded.")),
        Column("answers", "部门现场答复"),
        Column("suggestions", "意见建议", note=gettext_lazy("One a line, or separated by ；.")),
        Column("consensus", "协商共识", note=gettext_lazy("One a line, or separated by ；.")),
    )

    def check(self, rows: list[dict]) -> list[Row]:
        refs = [cells["ref"] for cells in rows if cells["ref"]]
        existing_by_ref = {
            m.ledger_ref: m
            for m in Meeting.objects.filter(ledger_ref__in=refs).prefetch_related("topics", "record_items")
        }
        platforms = {p.name: p for p in Platform.objects.select_related("area", "area__parent")}
        members = {}
        for member in Member.objects.filter(name__in=[c["recommender"] for c in rows if c["recommender"]]):
            members.setdefault(member.name, []).append(member)
        forms = choice_lookup(Meeting.Form, FORM_ALIASES)
        sources = choice_lookup(Topic.Source)
        categories = choice_lookup(Topic.Category)
        finder = AreaFinder()
        now = rules.now()
        seen, seen_slots = {}, {}
        results = []
        for cells in rows:
            row, existing = ledger_row(
                cells, existing_by_ref, seen, _("台账编号 %s belongs to a meeting not entered later.")
            )
            results.append(row)
            day = date_cell(row, cells, "date", "日期", required=True)
            start = time_cell(row, cells["start"], "开始时间") or TIME_DEFAULT
            end = time_cell(row, cells["end"], "结束时间")
            platform = platforms.get(cells["platform"])
            if platform is None:
                row.refuse(_("平台: there is no platform “%s”: import the platforms first.") % cells["platform"])
            town = meeting_history.town_of(platform) if platform else None
            if cells["town"]:
                named, reason = finder.town(cells["town"])
                if reason:
                    row.refuse(f"镇街：{reason}")
                elif town is not None and named != town:
                    row.refuse(
                        _("镇街: the platform %(platform)s is in %(town)s, not in %(named)s.")
                        % {"platform": platform.name, "town": town.name, "named": named.name}
                    )
                town = town or named
            if platform is not None and town is None and not cells["town"] and not meeting_history.county_topics():
                row.refuse(_("镇街: %s is a county platform: name the town whose topic it consulted.") % platform.name)
            form = forms.get(cells["form"].lower()) if cells["form"] else Meeting.Form.MEETING
            if form is None:
                row.refuse(_("协商形式: unknown form “%s”.") % cells["form"])
            source = sources.get(cells["source"].lower()) if cells["source"] else Topic.Source.PARTY
            if source is None:
                row.refuse(_("议题来源: unknown source “%s”: write 党政点题, 群众出题 or 委员荐题.") % cells["source"])
            category = categories.get(cells["category"].lower()) if cells["category"] else Topic.Category.LIVELIHOOD
            if category is None:
                row.refuse(_("议题类别: unknown category “%s”: write 发展, 民生, 难题 or 和谐.") % cells["category"])
            recommender = None
            if source == Topic.Source.MEMBER:
                found = members.get(cells["recommender"], [])
                if len(found) != 1:
                    row.refuse(
                        _("推荐委员: there is no member “%s”.") % cells["recommender"]
                        if not found
                        else _("推荐委员: several members are called %s.") % cells["recommender"]
                    )
                else:
                    recommender = found[0]
            if not cells["topic"]:
                row.refuse(_("议题 is missing."))
            counts = {key: count_cell(row, cells[key], header) for key, header in COUNT_COLUMNS}
            if existing is not None:
                counts = {key: value if cells[key] else getattr(existing, key) for key, value in counts.items()}
            starts_at = ends_at = None
            if day is not None:
                starts_at = timezone.make_aware(datetime.combine(day, start))
                ends_at = timezone.make_aware(datetime.combine(day, end)) if end else starts_at + LENGTH_DEFAULT
                if ends_at <= starts_at:
                    row.refuse(_("结束时间: the meeting must end after it starts."))
                elif starts_at >= now:
                    row.refuse(_("日期: %s") % meeting_history.NOT_YET)
            if not row.refused:
                try:
                    rules.check_participation(**counts)
                except ValidationError as error:
                    refuse_errors(row, error, dict(COUNT_COLUMNS))
            if platform is not None and starts_at is not None and not row.refused:
                note_repeat(
                    seen_slots, row, (platform.pk, starts_at), "平台和时间", f"{platform.name} {day} {start:%H:%M}"
                )
                clash = overlapping(starts_at=starts_at, ends_at=ends_at, exclude_pk=existing.pk if existing else None)
                clash = clash.filter(platform=platform).first()
                if clash is not None:
                    row.refuse(
                        _("%(platform)s already has “%(title)s” at that time.")
                        % {"platform": platform.name, "title": clash.title}
                    )
            suggestions = split_list(cells["suggestions"], meeting_history.ITEM_SEPARATORS)
            consensus = split_list(cells["consensus"], meeting_history.ITEM_SEPARATORS)
            summary = cells["summary"] or (existing.summary if existing else "")
            if (suggestions or consensus) and not summary:
                row.refuse(_("会议纪要: the record needs a summary with its suggestions and consensus."))
            items = [[RecordItem.Kind.SUGGESTION, text] for text in suggestions]
            items += [[RecordItem.Kind.CONSENSUS, text] for text in consensus]
            if existing is not None and not cells["suggestions"] and not cells["consensus"]:
                items = [[item.kind, item.text] for item in existing.record_items.all()]
            after = {
                "title": cells["title"] or cells["topic"],
                "platform_id": platform.pk if platform else None,
                "form": form,
                "starts_at": _iso(starts_at),
                "ends_at": _iso(ends_at),
                "place": cells["place"] or (existing.place if existing else (platform.address if platform else "")),
                "host": cells["host"] or (existing.host if existing else ""),
                "summary": summary,
                "answers": cells["answers"] or (existing.answers if existing else ""),
                **counts,
                "topic": [cells["topic"], town.pk if town else None],
                "items": sorted(items),
            }
            before = None
            if existing is not None:
                topics = list(existing.topics.all())
                before = {
                    "title": existing.title,
                    "platform_id": existing.platform_id,
                    "form": existing.form,
                    "starts_at": _iso(existing.starts_at),
                    "ends_at": _iso(existing.ends_at),
                    "place": existing.place,
                    "host": existing.host,
                    "summary": existing.summary,
                    "answers": existing.answers,
                    **{key: getattr(existing, key) for key, _h in COUNT_COLUMNS},
                    "topic": [topics[0].title, topics[0].town_id] if len(topics) == 1 else None,
                    "items": sorted([item.kind, item.text] for item in existing.record_items.all()),
                }
            labels = {
                **self.labels,
                "starts_at": "日期",
                "ends_at": "结束时间",
                "platform_id": "平台",
                "topic": "议题",
                "items": "意见建议",
            }
            row.settle(before=before, after=after, labels=labels)
            row.data = after | {
                "ref": cells["ref"],
                "meeting_id": existing.pk if existing else None,
                "year": day.year if day else None,
                "source": source,
                "category": category,
                "requester": cells["requester"],
                "recommender_id": recommender.pk if recommender else None,
            }
        return results

    def write(self, row: Row, *, by) -> None:
        data = row.data
        platform = Platform.objects.select_related("area").get(pk=data["platform_id"])
        title, town_id = data["topic"]
        topic = meeting_history.history_topic(
            title=title,
            town=Area.objects.get(pk=town_id) if town_id else None,
            year=data["year"],
            by=by,
            source=data["source"],
            category=data["category"],
            requesting_body=data["requester"],
            recommended_by=Member.objects.get(pk=data["recommender_id"]) if data["recommender_id"] else None,
        )
        meeting_history.meeting_backfill(
            by=by,
            platform=platform,
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            title=data["title"],
            topics=[topic],
            form=data["form"],
            place=data["place"],
            host=data["host"],
            summary=data["summary"],
            answers=data["answers"],
            items=[tuple(item) for item in data["items"]],
            ledger_ref=data["ref"],
            meeting=Meeting.objects.get(pk=data["meeting_id"]) if data["meeting_id"] else None,
            **{key: data[key] for key, _h in COUNT_COLUMNS},
        )
