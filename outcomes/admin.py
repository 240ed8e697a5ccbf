from django.contrib import admin

from consult_portal.admin_site import AuditedModelAdmin

from .models import OutcomeItem, ProgressUpdate, SatisfactionResponse


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 0


@admin.register(OutcomeItem)
class OutcomeItemAdmin(AuditedModelAdmin):
    list_display = ("__str__", "unit", "deadline", "status", "published_at")
    list_filter = ("status", "unit")
    search_fields = ("text",)
    list_select_related = ("unit",)
    raw_id_fields = ("meeting", "topic", "record_item", "supervisors")
    inlines = [ProgressUpdateInline]


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(admin.ModelAdmin):
    list_display = ("item", "rating", "created_at")
    list_filter = ("rating",)
    raw_id_fields = ("item", "village")
