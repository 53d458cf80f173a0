"""Imports every module that registers a job handler or a periodic check, so that the worker
(embedded or Celery) knows them all. A module that gains a handler adds its import here."""

from __future__ import annotations

import postguard.publishing.integrity  # noqa: F401  # the integrity watch and its schedule
from postguard.publishing import publisher  # noqa: F401  # publish, reconcile, enqueue_lost
