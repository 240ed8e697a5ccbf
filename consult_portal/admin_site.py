from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Role
from .privacy import mask_phone


class PortalAdminSite(admin.AdminSite):
    site_header = _("Consultation portal administration")
    site_title = _("Consultation portal")
    index_title = _("Administration")

    def has_permission(self, request):
        """Office staff only: other roles work through the portal's own pages."""
        user = request.user
        return user.is_active and user.is_staff and user.has_role(Role.OFFICE)


class AuditedModelAdmin(admin.ModelAdmin):
    """Every change made through the admin goes into the audit log, as every staff write does."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="admin_change" if change else "admin_add",
            obj=obj,
            before=before,
            after=audit.snapshot(obj),
            request=request,
        )

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin_delete", obj=obj, before=audit.snapshot(obj), request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(
                actor=request.user, action="admin_delete", obj=obj, before=audit.snapshot(obj), request=request
            )
        super().delete_queryset(request, queryset)


def masked_phone(field_name: str):
    """A read-only admin column showing a resident's phone masked (138****1234), for models whose phone field
    the admin excludes: staff who need the number whole use the portal's audited "show the number"."""

    def column(obj) -> str:
        return mask_phone(getattr(obj, field_name, ""))

    column.short_description = _("phone")
    return column
