"""Each worker thread reuses its connectors: one sign-in and one HTTP client per account.

Building a connector per delivery signed in to Bluesky anew every time and built a new HTTP
client; most of a publish job went there. A worker thread now keeps the connectors it built
(at most MAX_CONNECTORS, the least recently used closed first), each keyed by exactly what it
was built from: the account and its platform, the stored connection's row, its encrypted
credential, server address and login, and the HTTP settings. So:

- a reconnect or a key rotation (a new encrypted credential), a change of server or login, or
  a disconnect and connect again (a new row) builds a new connector, and the old one is closed;
- a disconnected or broken account is refused as `connector_for()` refuses it (the stored row
  is read for every lease), and its connectors are closed;
- a connector whose `with` block is left by an exception is closed and forgotten, since what
  state it was left in is not known.

Connectors are not shared between threads (see `postguard.connectors.base.Connector`): every
thread has its own cache. `close_all()` closes the calling thread's connectors (a worker's
shutdown); a thread that ends without calling it has its connectors closed when its cache is
collected, and the process closes what is left at exit.

The Bluesky connector keeps its session between leases: the SDK refreshes the access token
before it expires, and a session the PDS no longer accepts gets one new sign-in (see
`BlueskyConnector._call`), so a stale session never turns into a failed delivery.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from types import TracebackType
from typing import NamedTuple

from postguard.connectors.base import Connector
from postguard.publishing.connections import (
    client_settings,
    connector_from,
    usable_connection,
)
from postguard.publishing.models import Connection
from postguard.registry.models import PlatformAccount

logger = logging.getLogger(__name__)

MAX_CONNECTORS = 16  # per worker thread; each holds an HTTP client and, on Bluesky, a session


class Key(NamedTuple):
    """Everything a connector was built from; any change means a new connector."""

    account_id: int
    platform: str
    connection_id: int
    credential: bytes  # a digest of the encrypted credential (a new one on every connect)
    service_url: str
    login: str
    client: tuple[bool, bool, float]


def key_for(account: PlatformAccount, connection: Connection) -> Key:
    return Key(
        account_id=account.pk,
        platform=account.platform,
        connection_id=connection.pk,
        credential=hashlib.sha256(connection.credential.encode()).digest(),
        service_url=connection.service_url,
        login=connection.login,
        client=client_settings(),
    )


def _close(connector: Connector) -> None:
    try:
        connector.close()
    except Exception:  # closing must not fail a job; the connector is dropped either way
        logger.warning("closing %r failed", connector, exc_info=True)


def _close_entries(entries: OrderedDict[Key, Connector]) -> None:
    while entries:
        _, connector = entries.popitem(last=False)
        _close(connector)


class ConnectorCache:
    """One thread's connectors, least recently used first."""

    def __init__(self, size: int = MAX_CONNECTORS) -> None:
        if size < 1:
            raise ValueError(f"a connector cache holds at least 1 connector, not {size}")
        self.size = size
        self._entries: OrderedDict[Key, Connector] = OrderedDict()
        # Closes what is left when the cache is collected (its thread ended) or at exit.
        self._finalizer = weakref.finalize(self, _close_entries, self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def lease(self, account: PlatformAccount) -> Lease:
        """This account's connector, for a `with` block that keeps it open for the next one.

        Raises ConnectError (and UnsupportedPlatformError) as `connector_for()` does, at once.
        """
        return Lease(self, self.get(account))

    def get(self, account: PlatformAccount) -> Connector:
        """The cached connector for the account as it is stored now, or a new one."""
        try:
            connection = usable_connection(account)
        except Exception:
            self.forget(account.pk)
            raise
        key = key_for(account, connection)
        connector = self._entries.get(key)
        if connector is not None:
            self._entries.move_to_end(key)
            return connector
        self.forget(account.pk)  # built from what is no longer stored: never used again
        connector = connector_from(account, connection)
        self._entries[key] = connector
        while len(self._entries) > self.size:
            _, evicted = self._entries.popitem(last=False)
            _close(evicted)
        return connector

    def forget(self, account_id: int) -> None:
        """Close and drop every connector of this account."""
        for key in [key for key in self._entries if key.account_id == account_id]:
            _close(self._entries.pop(key))

    def discard(self, connector: Connector) -> None:
        """Close and drop this connector."""
        for key in [key for key, held in self._entries.items() if held is connector]:
            del self._entries[key]
        _close(connector)

    def close(self) -> None:
        """Close and drop every connector."""
        _close_entries(self._entries)


class Lease:
    """`with` gives the connector; leaving normally keeps it, an exception closes it."""

    def __init__(self, owner: ConnectorCache, connector: Connector) -> None:
        self.owner = owner
        self.connector = connector

    def __enter__(self) -> Connector:
        return self.connector

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.owner.discard(self.connector)


_local = threading.local()


def cache() -> ConnectorCache:
    """The calling thread's cache."""
    current: ConnectorCache | None = getattr(_local, "cache", None)
    if current is None:
        current = _local.cache = ConnectorCache()
    return current


def lease(account: PlatformAccount) -> Lease:
    """The calling thread's connector for the account: `with lease(account) as connector:`.

    Raises ConnectError (and UnsupportedPlatformError) at once, as `connector_for()` does.
    """
    return cache().lease(account)


def close_all() -> None:
    """Close the calling thread's connectors (a worker shutting down; tests)."""
    current: ConnectorCache | None = getattr(_local, "cache", None)
    if current is not None:
        current.close()
