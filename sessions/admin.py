from django.contrib import admin

from consult_portal.admin_site import AuditedModelAdmin, masked_phone

from .models import Meeting, Participant, Platform, RecordItem, Research


@admin.register(Platform)
class PlatformAdmin(AuditedModelAdmin):
    list_display = ("name", "level", "kind", "area", "is_pilot")
    list_filter = ("level", "kind", "is_pilot")
    search_fields = ("name",)
    list_select_related = ("area",)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ("member",)
    exclude = ("phone",)
    readonly_fields = (masked_phone("phone"),)


class RecordItemInline(admin.TabularInline):
    model = RecordItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(AuditedModelAdmin):
    list_display = ("title", "platform", "form", "starts_at", "status")
    list_filter = ("status", "form")
    search_fields = ("title",)
    list_select_related = ("platform",)
    raw_id_fields = ("topics",)
    inlines = [ParticipantInline, RecordItemInline]


@admin.register(Research)
class ResearchAdmin(AuditedModelAdmin):
    list_display = ("date", "kind", "committee", "subject", "meeting", "topic")
    list_filter = ("kind", "committee")
    list_select_related = ("committee", "meeting", "topic")
    raw_id_fields = ("meeting", "topic", "members")
