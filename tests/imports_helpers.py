"""Filling an import's own template, as an office clerk does: download it, type rows under its headers, upload it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook


def filled(client, kind: str, rows: list[dict], *, name: str | None = None) -> SimpleUploadedFile:
    """The template of `kind` downloaded by `client`, with `rows` ({header: value}) typed under its headers."""
    response = client.get(reverse("import-template", args=[kind]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    unknown = {header for row in rows for header in row} - set(headers)
    assert not unknown, f"not in the {kind} template: {unknown}"
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name or f"{kind}.xlsx", buffer.getvalue())


def upload(client, kind: str, file):
    file.seek(0)
    return client.post(reverse("import-upload", args=[kind]), {"file": file})


def preview(client, kind: str, rows: list[dict]):
    """The preview of `kind`'s template filled with `rows`: a page with a row of results each."""
    response = upload(client, kind, filled(client, kind, rows))
    assert response.status_code == 200
    return response


def confirm(client, kind: str, token: str):
    return client.post(reverse("import-confirm", args=[kind]), {"token": token})


def results_by_line(response) -> dict[int, object]:
    return {row.line: row for row in response.context["results"]}


def preview_and_confirm(client, kind: str, file):
    """Upload, check that every row is good, confirm; the confirm's response."""
    response = upload(client, kind, file)
    assert response.status_code == 200, response.content.decode()[:2000]
    refused = {row.line: row.reasons for row in response.context["results"] if row.action == "error"}
    assert not refused, refused
    return confirm(client, kind, response.context["token"])
