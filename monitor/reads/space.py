"""How much of a SQLite store's file is free pages: space an upgrade (a dropped or rebuilt table) or deleted
rows left, which later writes reuse but only a ``VACUUM`` gives back to the disk. PostgreSQL frees a dropped
table's files at once, and its own autovacuum reuses the rest."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.reads import sql
from monitor.store import Store

__all__ = ["FileSpace", "file_space"]

#: Free pages worth a ``VACUUM``: at least this many bytes, and at least ``VACUUM_SHARE`` of the file.
VACUUM_BYTES = 64 * 2**20
VACUUM_SHARE = 0.25


@dataclass(frozen=True)
class FileSpace:
    """The store file's size and how much of it is free pages, in bytes."""

    file_bytes: int
    free_bytes: int

    @property
    def file_mb(self) -> float:
        return self.file_bytes / 2**20

    @property
    def free_mb(self) -> float:
        return self.free_bytes / 2**20

    @property
    def worth_vacuum(self) -> bool:
        """Whether a ``VACUUM`` would give back enough to be worth stopping the scheduler for."""
        return self.free_bytes >= VACUUM_BYTES and self.free_bytes >= VACUUM_SHARE * self.file_bytes


def file_space(store: Store) -> FileSpace | None:
    """The SQLite store's file space (None on PostgreSQL)."""
    if store.dialect != "sqlite":
        return None
    page = int(sql.scalar(store, "PRAGMA page_size"))
    pages = int(sql.scalar(store, "PRAGMA page_count"))
    free = int(sql.scalar(store, "PRAGMA freelist_count"))
    return FileSpace(file_bytes=page * pages, free_bytes=page * free)
