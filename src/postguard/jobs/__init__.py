"""Background jobs: one interface (`enqueue(name, object_id)`), the database row as the truth,
and two ways of running them (an embedded worker polling the table, or Celery workers).

`from postguard.jobs.runner import enqueue, handler` is the interface; this package imports
nothing at load time so Django can load the app before its models.
"""
