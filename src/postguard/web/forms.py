"""Turning service errors into form errors on the field they name."""

from __future__ import annotations

from django import forms


def add_service_error(form: forms.BaseForm, exc: Exception) -> None:
    """Registry errors read "field: what was wrong"; show them next to that field if it exists."""
    message = str(exc)
    field, sep, rest = message.partition(": ")
    if sep and field in form.fields:
        form.add_error(field, rest[:1].upper() + rest[1:])
    else:
        form.add_error(None, message)
