"""Typed readers for environment variables that fail loudly with a message naming the variable.

Secrets may come from a file: for any variable NAME, NAME_FILE names a file whose contents
(stripped of a trailing newline) are the value. Setting both is an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PREFIX = "POSTGUARD_"


class SettingError(ValueError):
    """A setting has a value that cannot be used; the message says which and what would do."""


def raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    value = env.get(name)
    file_name = env.get(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise SettingError(f"{name} and {name}_FILE are both set; set only one of them")
    if file_name is not None:
        try:
            return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            message = f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}"
            raise SettingError(message) from None
    return value


def string(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = raw(name, environ)
    return default if value is None else value


def optional_string(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = raw(name, environ)
    return value if value else None


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def boolean(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(f"{name}={value!r} is not a boolean; use one of: true, false, 1, 0, yes, no")


def integer(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise SettingError(f"{name}={number} is too small; the minimum is {minimum}")
    if maximum is not None and number > maximum:
        raise SettingError(f"{name}={number} is too large; the maximum is {maximum}")
    return number


def choice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] | None = None
) -> str:
    value = raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise SettingError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def string_list(
    name: str, default: tuple[str, ...], environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    value = raw(name, environ)
    if value is None:
        return default
    return tuple(item.strip() for item in value.split(",") if item.strip())
