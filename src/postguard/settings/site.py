"""Django settings, built only from `postguard.settings.env` readers.

The default needs no services: SQLite in POSTGUARD_DATA_DIR and the embedded worker.
"""

from __future__ import annotations

from pathlib import Path

from postguard.settings import env

DATA_DIR = Path(env.string("POSTGUARD_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env.boolean("POSTGUARD_DEBUG", False)
SECRET_KEY = env.string("POSTGUARD_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = list(env.string_list("POSTGUARD_ALLOWED_HOSTS", ("localhost", "127.0.0.1")))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "postguard.core",
]
AUTH_USER_MODEL = "core.User"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "postguard.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
