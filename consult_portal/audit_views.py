"""The audit viewer for office staff: filters, pages and the .xlsx export (#8). Nothing here writes to
the log but the export's own entry: entries are read, never changed."""

import json
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import audit
from .access import capability_required
from .forms import CleanTextMixin, DateInput
from .models import AuditEntry
from .roles import APPS
from .spreadsheets import xlsx_stream_download

PAGE_SIZE = 50
VALUE_LENGTH = 200


def _object_types() -> list[tuple[str, str]]:
    models = [m for label in APPS for m in apps.get_app_config(label).get_models()]
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in models), key=lambda choice: choice[1])


def _actions() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in audit.ACTION_LABELS.items()), key=lambda choice: choice[1])


class AuditFilterForm(CleanTextMixin, forms.Form):
    actor = forms.CharField(label=gettext_lazy("Account"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    date_from = forms.DateField(label=gettext_lazy("Date from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Date to"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "—"), *_actions()]
        self.fields["object_type"].choices = [("", "—"), *_object_types()]
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def full_clean(self):
        super().full_clean()
        # Mark the fields in error for assistive technology: the message sits beside the field.
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] += " is-invalid"
                widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"{name}-errors"})

    def clean_actor(self):
        username = self.cleaned_data["actor"].strip()
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No account has this username."), code="unknown")
        return user

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, entries):
        """Apply the cleaned filters; call only when the form is valid."""
        data = self.cleaned_data
        if data.get("actor"):
            entries = entries.filter(actor=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("object_type"):
            model = apps.get_model(data["object_type"])
            entries = entries.filter(content_type=ContentType.objects.get_for_model(model))
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=zone))
        if data.get("date_to"):
            entries = entries.filter(
                at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=zone)
            )
        return entries


def _entries():
    return AuditEntry.objects.select_related("actor", "content_type").order_by("-at", "-id")


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each value the entry changed or set, in field order."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("", _short(before), _short(after))]
    rows = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        rows.append((key, _short(old) if key in before else "", _short(new) if key in after else ""))
    return rows


def _actor_name(entry: AuditEntry) -> str:
    """The account's name now, or the name the entry kept when the account is gone."""
    if entry.actor is None:
        return entry.actor_name
    return entry.actor.get_full_name() or entry.actor.username


def _object_type(entry: AuditEntry) -> str:
    return str(entry.content_type.name) if entry.content_type is not None else ""


@capability_required("audit.view")
@require_safe
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    entries = form.filter(_entries()) if form.is_bound and valid else _entries()
    page = Paginator(entries if valid else AuditEntry.objects.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.label = audit.action_label(entry.action)
        entry.actor_name = _actor_name(entry)
        entry.object_type = _object_type(entry)
        entry.changes = changes(entry)
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "portal/staff/audit.html",
        {"form": form, "page": page, "query": query, "valid": valid},
        status=200 if valid else 400,
    )


EXPORT_HEADER = [
    gettext_lazy("Time"),
    gettext_lazy("Account"),
    gettext_lazy("Action"),
    gettext_lazy("Action code"),
    gettext_lazy("Object type"),
    gettext_lazy("Object ID"),
    gettext_lazy("Object"),
    gettext_lazy("Address"),
    gettext_lazy("Before"),
    gettext_lazy("After"),
]


def _export_row(entry: AuditEntry) -> list:
    return [
        timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor.username if entry.actor is not None else entry.actor_name,
        audit.action_label(entry.action),
        entry.action,
        _object_type(entry),
        entry.object_id,
        entry.object_repr,
        entry.ip or "",
        json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
        json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
    ]


@capability_required("audit.view")
@require_safe
def audit_export(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "portal/staff/audit.html", {"form": form, "page": None, "valid": False}, status=400)
    entries = form.filter(_entries()) if form.is_bound else _entries()
    filters = {k: v for k, v in request.GET.items() if k in form.fields and v}

    def done(count: int, complete: bool) -> None:
        # Written once the last row is sent (the export streams, #17); a download broken off says so.
        after = {"filters": filters, "rows": count} | ({} if complete else {"broken_off": True})
        audit.record(actor=request.user, action="audit_export", after=after, request=request)

    return xlsx_stream_download(
        filename=f"audit-{timezone.localdate():%Y%m%d}.xlsx",
        sheet_title=_("Audit log"),
        header=[str(title) for title in EXPORT_HEADER],
        rows=(_export_row(entry) for entry in entries.iterator(chunk_size=2000)),
        done=done,
    )
