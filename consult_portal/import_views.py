"""The office's imports (导入): one page listing every import with its template, and for each the same upload,
preview and confirm (`consult_portal.imports`). Nothing is written before confirm; the preview's rows wait in the
session under a one-time token."""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import imports
from .access import capability_required
from .forms import CleanTextMixin
from .models import ImportBatch
from .spreadsheets import XLSX_CONTENT_TYPE

SESSION_PREFIX = "import:"
CAPABILITY = "structure.import"


class ImportForm(CleanTextMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        help_text=gettext_lazy("At most 5 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )

    def __init__(self, *args, importer: imports.Importer, **kwargs):
        super().__init__(*args, **kwargs)
        self.importer = importer

    def clean_file(self):
        """A real workbook, whatever it is called: its content is read, never trusted by its name."""
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."), code="size")
        try:
            self.rows = self.importer.read(upload)
        except imports.SheetError as error:
            raise forms.ValidationError(str(error), code="sheet") from error
        if not self.rows:
            raise forms.ValidationError(_("The sheet has no data rows."), code="empty")
        return upload


def _importer(kind: str) -> imports.Importer:
    importer = imports.get(kind)
    if importer is None:
        raise Http404
    return importer


@require_safe
@capability_required(CAPABILITY)
def index(request):
    importers = imports.importers()
    titles = {importer.kind: importer.title for importer in importers}
    batches = list(ImportBatch.objects.select_related("confirmed_by")[:20])
    for batch in batches:
        batch.title = titles.get(batch.kind, batch.kind)
    return render(request, "portal/staff/imports.html", {"importers": importers, "batches": batches})


@require_safe
@capability_required(CAPABILITY)
def template(request, kind):
    importer = _importer(kind)
    response = HttpResponse(importer.template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-import-template.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(CAPABILITY)
def upload(request, kind):
    importer = _importer(kind)
    form = ImportForm(request.POST or None, request.FILES or None, importer=importer)
    if request.method == "POST" and form.is_valid():
        results = imports.preview(importer, form.rows)
        counts = imports.tally(results)
        file_name = form.cleaned_data["file"].name
        token = ""
        # One pending import per session: a new upload replaces the previous preview.
        for key in [key for key in request.session.keys() if key.startswith(SESSION_PREFIX)]:  # noqa: SIM118
            del request.session[key]
        if counts[imports.CREATE] or counts[imports.UPDATE]:
            token = secrets.token_urlsafe(16)
            request.session[SESSION_PREFIX + token] = {
                "kind": kind,
                "rows": form.rows,
                "digest": imports.plan_digest(results),
                "file": file_name,
            }
        context = {"importer": importer, "results": results, "token": token, "counts": counts, "file_name": file_name}
        return render(request, "portal/staff/import_preview.html", context)
    return render(request, "portal/staff/import_upload.html", {"importer": importer, "form": form})


@require_POST
@capability_required(CAPABILITY)
def confirm(request, kind):
    importer = _importer(kind)
    token = request.POST.get("token", "")
    pending = request.session.pop(SESSION_PREFIX + token, None) if token else None
    if pending is None or pending["kind"] != kind:
        if token and imports.was_confirmed(token):
            messages.warning(request, str(imports.ALREADY_CONFIRMED))
        else:
            messages.warning(request, _("This import has already been applied or has expired; upload the sheet again."))
        return redirect("import-upload", kind=kind)
    try:
        batch = imports.apply(
            importer,
            token=token,
            rows=pending["rows"],
            digest=pending["digest"],
            by=request.user,
            file_name=pending["file"],
        )
    except ValidationError as refused:  # confirmed already (a double click, a second tab), or the portal changed
        messages.warning(request, refused.messages[0])
        return redirect("import-upload", kind=kind)
    messages.success(
        request,
        _(
            "Import done: created %(create)d, updated %(update)d, unchanged %(unchanged)d, "
            "skipped for errors %(error)d."
        )
        % batch.counts,
    )
    if importer.handout:
        # Shown once, in this answer: the initial passwords are kept nowhere else.
        response = render(request, "portal/staff/import_handout.html", {"importer": importer, "batch": batch})
        add_never_cache_headers(response)
        return response
    return redirect("imports")
