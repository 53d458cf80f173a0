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


def bind_address(
    name: str, default: tuple[str, int], environ: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets: [::1]:8000); the port is 1 to 65535."""
    value = raw(name, environ)
    if value is None:
        return default
    text = value.strip()
    accepted = "accepted: HOST:PORT such as 127.0.0.1:8000, 0.0.0.0:8080 or [::1]:8000"
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise SettingError(f"{name}={value!r} is not a bind address; {accepted}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise SettingError(f"{name}={value!r}: put an IPv6 host in brackets; {accepted}")
    port = int(port_text)
    if not 1 <= port <= 65535 or not host:
        raise SettingError(f"{name}={value!r}: the port must be 1 to 65535; {accepted}")
    return host, port


def byte_size(
    name: str, default: int, *, minimum: int = 1, environ: Mapping[str, str] | None = None
) -> int:
    """A size in bytes: a whole number, optionally with a unit (10MB, 512KiB, 2G)."""
    value = raw(name, environ)
    if value is None:
        return default
    text = value.strip().upper().replace(" ", "")
    units = {
        "": 1, "B": 1,
        "K": 1000, "KB": 1000, "KIB": 1024,
        "M": 1000**2, "MB": 1000**2, "MIB": 1024**2,
        "G": 1000**3, "GB": 1000**3, "GIB": 1024**3,
    }  # fmt: skip
    digits = len(text) - len(text.lstrip("0123456789"))
    number, unit = text[:digits], text[digits:]
    if not number or unit not in units:
        raise SettingError(
            f"{name}={value!r} is not a size; use bytes or a unit: 10MB, 512KiB, 2GB"
        )
    size = int(number) * units[unit]
    if size < minimum:
        raise SettingError(f"{name}={value!r} is too small; the minimum is {minimum} bytes")
    return size


def url(
    name: str,
    default: str | None,
    schemes: tuple[str, ...],
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """A URL whose scheme is one of `schemes`; the message never repeats a password."""
    value = raw(name, environ)
    if value is None or not value.strip():
        return default
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in schemes or not rest:
        shown = f"{scheme}://..." if sep else "<not a URL>"
        raise SettingError(
            f"{name}={shown} is not a URL with one of the schemes: {', '.join(schemes)}"
        )
    return text
