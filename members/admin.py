from django.contrib import admin

from consult_portal.admin_site import AreaSelects, AuditedModelAdmin

from .models import Assignment, Member


class AssignmentInline(AreaSelects, admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("area",)


@admin.register(Member)
class MemberAdmin(AuditedModelAdmin):
    list_display = ("name", "level", "sector", "committee", "duty_code", "is_active")
    list_filter = ("level", "sector", "committee", "is_active")
    search_fields = ("name", "duty_code", "expertise")
    list_select_related = ("sector", "committee")
    inlines = [AssignmentInline]
