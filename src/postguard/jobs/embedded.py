"""The embedded worker: a loop polling the job table, in its own process (`postguard worker`)
or as a thread beside the web server (`postguard serve`)."""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection

from postguard.jobs import runner
from postguard.jobs.backends import EmbeddedBackend

logger = logging.getLogger("postguard.jobs")

POLL_SECONDS = 1.0
SWEEP_SECONDS = 30.0


class Worker:
    def __init__(self, *, poll: float = POLL_SECONDS, sweep_every: float = SWEEP_SECONDS) -> None:
        self.poll = poll
        self.sweep_every = sweep_every
        self.stopping = threading.Event()
        self._last_sweep = 0.0

    def run_once(self) -> int:
        """Sweep when due, then run every due job; how many jobs ran."""
        ran = 0
        if time.monotonic() - self._last_sweep >= self.sweep_every:
            runner.sweep()
            self._last_sweep = time.monotonic()
        while not self.stopping.is_set() and runner.run_next() is not None:
            ran += 1
        return ran

    def run_forever(self) -> None:
        logger.info("embedded worker started")
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    self.run_once()
                except Exception:
                    logger.exception("embedded worker: the job loop failed; retrying")
                EmbeddedBackend.wake.wait(self.poll)
                EmbeddedBackend.wake.clear()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        EmbeddedBackend.wake.set()


def start_thread() -> tuple[Worker, threading.Thread]:
    """Start a worker in a daemon thread (for `postguard serve`)."""
    worker = Worker()
    thread = threading.Thread(target=worker.run_forever, name="postguard-worker", daemon=True)
    thread.start()
    return worker, thread
