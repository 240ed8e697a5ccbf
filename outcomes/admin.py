from django.contrib import admin

from consult_portal.admin_site import AuditedModelAdmin, masked_phone

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
class SatisfactionResponseAdmin(AuditedModelAdmin):
    """Residents' answers are read here, never written: a changed answer would falsify the rate."""

    list_display = ("item", "rating", "created_at")
    list_filter = ("rating",)
    exclude = ("phone", "browser_token")
    readonly_fields = ("item", "rating", "comment", "village", masked_phone("phone"), "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
