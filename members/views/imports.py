"""Office staff import members from an Excel sheet (preview, then confirm) and export the member list."""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consult_portal.access import capability_required
from consult_portal.forms import CleanTextMixin
from consult_portal.spreadsheets import XLSX_CONTENT_TYPE

from .. import excel, services_import

SESSION_PREFIX = "member_import:"


class ImportForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        help_text=gettext_lazy("At most 5 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an Excel workbook (.xlsx)."), code="extension")
        if upload.size > excel.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."), code="size")
        try:
            self.rows = excel.read_rows(upload)
        except excel.SheetError as error:
            raise forms.ValidationError(str(error), code="sheet") from error
        if not self.rows:
            raise forms.ValidationError(_("The sheet has no data rows."), code="empty")
        return upload


@require_GET
@capability_required("members.change")
def import_template(request):
    response = HttpResponse(excel.template_workbook(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="member-import-template.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required("members.change")
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        results = services_import.check_rows(form.rows)
        good = [result["data"] for result in results if result["action"] != "error"]
        token = ""
        if good:
            token = secrets.token_urlsafe(16)
            # Only one pending import per session: a new upload replaces the previous preview.
            stale = [key for key in request.session.keys() if key.startswith(SESSION_PREFIX)]  # noqa: SIM118
            for key in stale:
                del request.session[key]
            request.session[SESSION_PREFIX + token] = good
        counts = {action: sum(r["action"] == action for r in results) for action in ("create", "update", "error")}
        return render(
            request,
            "members/staff/import_preview.html",
            {"results": results, "token": token, "counts": counts, "file_name": form.cleaned_data["file"].name},
        )
    return render(request, "members/staff/import.html", {"form": form})


@require_POST
@capability_required("members.change")
def import_confirm(request):
    token = request.POST.get("token", "")
    rows = request.session.pop(SESSION_PREFIX + token, None) if token else None
    if rows is None:
        if token and services_import.was_confirmed(token):
            messages.warning(request, str(services_import.ALREADY_CONFIRMED))
        else:
            messages.warning(
                request, _("This import has already been applied or has expired; upload the sheet again.")
            )
        return redirect("members:import")
    try:
        counts = services_import.apply_import(token=token, rows=rows, by=request.user)
    except ValidationError as refused:  # another request (a double click, a second tab) confirmed it first
        messages.warning(request, refused.messages[0])
        return redirect("members:import")
    messages.success(
        request,
        ngettext(
            "Import done: %(created)d member created, %(updated)d updated, %(unchanged)d unchanged; "
            "assignments added: %(assignments)d.",
            "Import done: %(created)d members created, %(updated)d updated, %(unchanged)d unchanged; "
            "assignments added: %(assignments)d.",
            counts["created"],
        )
        % counts,
    )
    return redirect("members:import")
