"""The employee directory: search, and CSV upload validated whole before anything is written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from postguard.core.permissions import can, require
from postguard.registry import services
from postguard.registry.models import DirectoryEntry


@login_required
def directory_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "directory.view", request=request)
    entries = DirectoryEntry.objects.restrict(request.user, "directory.view", request=request)
    total = entries.count()
    q = request.GET.get("q", "").strip()[:200]
    if q:
        entries = entries.filter(
            Q(name__icontains=q)
            | Q(preferred_name__icontains=q)
            | Q(department__icontains=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
        )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/directory/list.html",
        {
            "entries": page,
            "page_obj": page,
            "q": q,
            "total": total,
            "can_import": can(request.user, "directory.import", request=request),
        },
    )


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_BYTES)


def _row_errors(errors: Any) -> list[dict[str, Any]]:
    return [
        {"row": e.row, "field": e.field, "message": f"{e.reason} (accepted: {e.accepted})"}
        for e in errors
    ]


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file")
    skip_invalid = forms.BooleanField(required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size} bytes; the limit is {limit} bytes. Split it, or ask "
                "an administrator to raise the directory upload limit."
            )
        return upload


@login_required
def directory_import(request: HttpRequest) -> HttpResponse:
    require(request.user, "directory.import", request=request)
    errors: list[dict[str, Any]] = []
    result_text = ""
    imported = False
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.import_directory(
                    request.user,
                    upload.read(),
                    source=upload.name or "upload.csv",
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
            except services.DirectoryImportError as exc:
                errors = _row_errors(exc.errors)
                status = 400
            else:
                imported = True
                result_text = report.summary()
                errors = _row_errors(report.skipped)
        else:
            status = 400
    else:
        form = ImportForm()
    return render(
        request,
        "web/directory/import.html",
        {
            "form": form,
            "errors": errors,
            "imported": imported,
            "result": result_text,
            "max_kb": max_upload_bytes() // 1024,
        },
        status=status,
    )
