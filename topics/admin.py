from django.contrib import admin

from consult_portal.admin_site import AuditedModelAdmin, masked_phone

from .models import ConsultationPlan, PlanEntry, Topic, TopicEvent


class TopicEventInline(admin.TabularInline):
    model = TopicEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_status", "to_status", "public_note", "internal_note")


@admin.register(Topic)
class TopicAdmin(AuditedModelAdmin):
    list_display = ("title", "source", "category", "town", "status", "year", "tracking_code")
    list_filter = ("source", "status", "category", "year", "town")
    search_fields = ("title", "tracking_code")
    list_select_related = ("town",)
    raw_id_fields = ("merged_into", "recommended_by", "village")
    exclude = ("submitter_phone",)
    readonly_fields = (masked_phone("submitter_phone"),)
    inlines = [TopicEventInline]


class PlanEntryInline(admin.TabularInline):
    model = PlanEntry
    extra = 0
    raw_id_fields = ("topic",)


@admin.register(ConsultationPlan)
class ConsultationPlanAdmin(AuditedModelAdmin):
    list_display = ("year", "status", "approved_by", "approved_on", "document_number")
    inlines = [PlanEntryInline]
