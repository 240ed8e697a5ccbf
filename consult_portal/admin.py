from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import audit
from .admin_site import AuditedModelAdmin, masked_address
from .models import Area, AuditEntry, Committee, Notification, ResponsibleUnit, Sector, User


def has_history(user: User) -> bool:
    """Whether the account acted in the portal (audit entries) or other records point at it: such an account is
    deactivated, never deleted, so that its history keeps naming it."""
    if AuditEntry.objects.filter(actor=user).exists():
        return True
    relations = [
        rel
        for rel in User._meta.get_fields(include_hidden=True)  # the hidden ones too: an author's related_name="+"
        if rel.is_relation and rel.auto_created and not rel.concrete
        # not the account's own links to its groups and permissions
        and rel.related_model is not AuditEntry and not rel.related_model._meta.auto_created
    ]
    return any(rel.related_model._base_manager.filter(**{rel.field.name: user}).exists() for rel in relations)


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Scope"), {"fields": ("town", "unit")}),
        (_("Security"), {"fields": ("must_change_password",)}),
    )
    list_display = ("username", "first_name", "last_name", "town", "unit", "is_active")
    list_filter = ("groups", "is_active", "town")
    list_select_related = ("town", "unit")
    actions = ["deactivate"]

    def get_deleted_objects(self, objs, request):
        """An account with a history is refused deletion, on the confirmation page, with the way out."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        kept = [
            _("%(user)s has a history in the portal: deactivate the account instead.") % {"user": user}
            for user in objs
            if has_history(user)
        ]
        return deleted, counts, perms_needed, [*protected, *kept]

    @admin.action(description=_("Deactivate the selected accounts"))
    def deactivate(self, request, queryset):
        """What the office does instead of deleting: the account can no longer sign in, its history stays."""
        with transaction.atomic():
            users = list(queryset.select_for_update(of=("self",)).filter(is_active=True))
            for user in users:
                before = self.audit_snapshot(user)
                user.is_active = False
                user.save(update_fields=["is_active"])
                after = self.audit_snapshot(user)
                audit.record(
                    actor=request.user, action="admin_change", obj=user, before=before, after=after, request=request
                )
        count = len(users)
        message = ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count)
        self.message_user(request, message % {"count": count})

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the office chose the first password: the user replaces it
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        """The office setting someone else's password: audited, and that user must replace it at next login."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None and user.pk != request.user.pk:
                User.objects.filter(pk=user.pk).update(must_change_password=True)
                audit.record(actor=request.user, action="admin_set_password", obj=user, request=request)
            elif user is not None:
                audit.record(actor=request.user, action="password_change", obj=user, request=request)
        return response


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "level", "parent", "is_pilot")
    list_filter = ("level", "is_pilot")
    search_fields = ("name", "code")
    list_select_related = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")  # the autocomplete's labels name the town


@admin.register(Sector)
class NamedAdmin(AuditedModelAdmin):
    search_fields = ("name",)


@admin.register(Committee)
class CommitteeAdmin(AuditedModelAdmin):
    search_fields = ("name",)
    filter_horizontal = ("stations",)


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "town", "contact_name")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Notification)
class NotificationAdmin(AuditedModelAdmin):
    """The outbox, read-only: an SMS goes to a resident's phone, shown masked in the list and the message like every
    resident's number outside its audited reveal. Removing a message is audited."""

    list_display = ("created_at", "channel", "kind", "subject", masked_address, "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("subject", "dedup_key")
    exclude = ("address",)
    readonly_fields = [*(f.name for f in Notification._meta.fields if f.name != "address"), masked_address]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin, BaseGroupAdmin):
    """The role groups are kept in code (`roles.ensure_roles`); a change made here anyway is audited."""


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedModelAdmin):
    list_display = ("at", "actor", "action", "object_repr", "ip")
    list_filter = ("action",)
    search_fields = ("object_repr", "action")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
