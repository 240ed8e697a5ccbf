from functools import wraps

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.forms.models import _get_foreign_key
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Area, Role
from .privacy import mask_address, mask_phone, personal_fields
from .text import clean_data


class AreaSelects:
    """Every area select of the admin lists the areas by code, a village after its town ("甲镇 / 岚坝村": `Area.label`),
    so that two villages of one name are told apart (#14)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Area:
            kwargs.setdefault("queryset", Area.objects.select_related("parent").order_by("code"))
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and db_field.related_model is Area:
            formfield.label_from_instance = Area.label.fget
        return formfield


class AutocompleteView(AutocompleteJsonView):
    """An autocomplete names an area as the area selects do."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, Area):
            result["text"] = obj.label
        return result


class PortalAdminSite(admin.AdminSite):
    site_header = _("Consultation portal administration")
    site_title = _("Consultation portal")
    index_title = _("Administration")

    def has_permission(self, request):
        """Office staff only: other roles work through the portal's own pages."""
        user = request.user
        return user.is_active and user.is_staff and user.has_role(Role.OFFICE)

    def autocomplete_view(self, request):
        return AutocompleteView.as_view(admin_site=self)(request)

    def password_change(self, request, extra_context=None):
        """One's own password is changed on the portal's page, which audits it."""
        return redirect("password_change")

    def admin_view(self, view, cacheable=False):
        """Every admin page, its inlines included, gets what the portal's forms get (`forms.CleanTextMixin`):
        the control characters no export or document can hold are taken out of what was posted (#13)."""

        @wraps(view)
        def cleaned(request, *args, **kwargs):
            if request.method == "POST":
                request.POST = clean_data(request.POST)
            return view(request, *args, **kwargs)

        return super().admin_view(cleaned, cacheable)


def personal_path(model, lookup: str) -> str | None:
    """The first field of `lookup` (a filter, search or ordering path) that holds personal data or a secret, if any."""
    for part in lookup.lstrip("-^=@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if part in personal_fields(model) or audit.is_secret(part):
            return part
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return None


def _before_saving(request) -> dict:
    """The snapshots taken in `save_model`, by object, until `save_related` records them."""
    if not hasattr(request, "_audit_before"):
        request._audit_before = {}
    return request._audit_before


class AuditedModelAdmin(AreaSelects, admin.ModelAdmin):
    """Every change made through the admin goes into the audit log, as every staff write does.

    No lookup in the address reaches a resident's personal data (`privacy.PERSONAL_FIELDS`) or a secret: a count
    answered to `?submitter_phone__startswith=1391` would spell a masked number out. The refusal is audited.
    """

    def lookup_allowed(self, lookup, value, request=None):
        refused = personal_path(self.model, lookup)
        if refused is not None:
            if request is not None:
                audit.record(
                    actor=request.user,
                    action="admin_lookup_refused",
                    after={"model": self.model._meta.label_lower, "lookup": lookup},
                    request=request,
                )
            return False
        return super().lookup_allowed(lookup, value, request)

    # The values before and after, with the many-to-many and the inline rows: the database holds the old ones until
    # `save_model`, and the new many-to-many and inlines only after `save_related`.

    def audit_snapshot(self, obj) -> dict:
        """The object as the log keeps it: its fields and many-to-many (`audit.snapshot`), and each inline's rows."""
        data = audit.snapshot(obj)
        for inline in self.inlines:
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            rows = inline.model._default_manager.filter(**{fk.name: obj.pk}).order_by("pk") if obj.pk else []
            data[fk.remote_field.get_accessor_name()] = [
                {key: value for key, value in audit.snapshot(row).items() if key != fk.name} for row in rows
            ]
        return data

    def save_model(self, request, obj, form, change):
        if change:
            before = self.audit_snapshot(type(obj)._default_manager.get(pk=obj.pk))
            _before_saving(request)[id(obj)] = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit.record(
            actor=request.user,
            action="admin_change" if change else "admin_add",
            obj=obj,
            before=_before_saving(request).pop(id(obj), None),
            after=self.audit_snapshot(obj),
            request=request,
        )

    def delete_model(self, request, obj):
        before = self.audit_snapshot(obj)
        audit.record(actor=request.user, action="admin_delete", obj=obj, before=before, request=request)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            before = self.audit_snapshot(obj)
            audit.record(actor=request.user, action="admin_delete", obj=obj, before=before, request=request)
        super().delete_queryset(request, queryset)


def masked_phone(field_name: str):
    """A read-only admin column showing a resident's phone masked (138****1234), for models whose phone field
    the admin excludes: staff who need the number whole use the portal's audited "show the number"."""

    def column(obj) -> str:
        return mask_phone(getattr(obj, field_name, ""))

    column.short_description = _("phone")
    return column


def masked_address(obj) -> str:
    """A notification's address, phone or email, masked like every resident's number outside its audited reveal."""
    return mask_address(obj.address)


masked_address.short_description = _("address")
