"""The .xlsx exports of the staff topic list and of an annual plan."""

from django.utils.translation import gettext as _

from consult_portal import audit, office
from consult_portal.access import capability_required, town_scope
from consult_portal.spreadsheets import CHUNK, audited_export, choice_labels, local_time, place_label, xlsx_download
from consult_portal.templatetags.portal import mask_phone

from .. import selectors as topic_selectors
from ..models import ConsultationPlan, PlanEntry, Topic
from .staff import TopicFilterForm


@capability_required("exports.download")
def topics_xlsx(request):
    """The staff topic list, with its filters, search and sort; residents' phones masked."""
    town = town_scope(request.user)
    form = TopicFilterForm(request.GET or None, town_scope=town)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {k: data.get(k) for k in ("source", "status", "category", "town", "year")}
    topics = topic_selectors.staff_topics(
        town=town, filters=filters, search=data.get("q", ""), sort=data.get("sort") or "new"
    ).values(
        "tracking_code",
        "title",
        "source",
        "category",
        "town__name",
        "village__name",
        "status",
        "year",
        "created_at",
        "submitter_name",
        "submitter_phone",
        "requesting_body",
        "recommended_by__name",
    )
    sources, categories = choice_labels(Topic.Source.choices), choice_labels(Topic.Category.choices)
    statuses = choice_labels(Topic.Status.choices)
    rows = (
        [
            t["tracking_code"],
            t["title"],
            sources.get(t["source"], t["source"]),
            categories.get(t["category"], t["category"]),
            place_label(t["town__name"] or office.current().whole_county_word, t["village__name"]),
            statuses.get(t["status"], t["status"]),
            t["year"],
            local_time(t["created_at"]),
            t["requesting_body"] or t["recommended_by__name"] or t["submitter_name"],
            mask_phone(t["submitter_phone"]),
        ]
        for t in topics.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Tracking code"),
        _("Title"),
        _("Source"),
        _("Category"),
        _("Where"),
        _("Status"),
        _("Year"),
        _("Received"),
        _("Proposed by"),
        _("Submitter's phone"),
    ]
    return audited_export(
        request, name="topics", sheet=str(_("Topics")), header=header, rows=rows, action="topic_export"
    )


@capability_required("exports.download")
def plan_xlsx(request, year: int):
    """The annual plan of /staff/plans/<year>/: its entries by quarter, liaison staff their own town's."""
    town = town_scope(request.user)
    plan = ConsultationPlan.objects.filter(year=year).first()
    entries = topic_selectors.plan_entries(plan, town=town) if plan else PlanEntry.objects.none()
    levels = choice_labels(PlanEntry.PlatformLevel.choices)
    rows = (
        [
            f"Q{e['quarter']}",
            e["topic__tracking_code"],
            e["topic__title"],
            place_label(e["topic__town__name"] or office.current().whole_county_word, e["topic__village__name"]),
            levels.get(e["platform_level"], e["platform_level"]),
        ]
        for e in entries.values(
            "quarter",
            "topic__tracking_code",
            "topic__title",
            "topic__town__name",
            "topic__village__name",
            "platform_level",
        ).iterator(chunk_size=CHUNK)
    )
    header = [_("Quarter"), _("Tracking code"), _("Topic"), _("Where"), _("Platform level")]
    response, count = xlsx_download(
        filename=f"plan-{year}.xlsx", sheet_title=str(_("Annual plan")), header=header, rows=rows
    )
    audit.record(
        actor=request.user,
        action="plan_export",
        obj=plan,
        after={"rows": count, "year": year, "status": plan.status if plan else None},
        request=request,
    )
    return response
