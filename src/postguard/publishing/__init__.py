"""Publishing: connected platform accounts, deliveries of approved posts, pauses, and the watch.

models.py       Connection, Delivery, Pause, IntegrityAlert (the contract; see each docstring)
connections.py  store and read a platform account's credentials; `connector_for(account)`
publisher.py    the publish and reconcile jobs: scheduled → publishing → published | failed
                | unconfirmed, exactly once per (post, account)
pause.py        stop and resume scheduled posts for one account or the organization
integrity.py    the periodic re-read of published posts; alerts on edits, deletions and
                posts Postguard did not make
archive.py      published posts with their evidence: search and export (JSON, CSV)
"""
