"""Read results memoised by the store's data version: flipping a filter re-reads nothing until data changes.

The version is one cheap query (primary-key maxima and a watermark), so a cached read costs that query plus a
dictionary lookup; any collect, import, rescore or registry change gives a new version and fresh reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from monitor.reads.version import data_version
from monitor.store import Store

__all__ = ["QueryCache", "data_version"]

T = TypeVar("T")


class QueryCache:
    """An LRU of read results keyed by (name, key, data version); safe across the server's threads.

    Cached values are shared between requests: callers must not modify them in place."""

    def __init__(self, store: Store, maxsize: int = 16) -> None:
        self.store = store
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str, key: Hashable, compute: Callable[[], T], version: str | None = None) -> T:
        """The cached result of ``compute`` for ``(name, key)`` at the current data version (``version``
        when the caller has just read it)."""
        entry = (name, key, version if version is not None else data_version(self.store))
        with self._lock:
            if entry in self._entries:
                self._entries.move_to_end(entry)
                return self._entries[entry]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two threads may compute the same entry once each, harmlessly
        with self._lock:
            self._entries[entry] = value
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value
