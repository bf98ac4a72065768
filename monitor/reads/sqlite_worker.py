"""A child process that reads a SQLite store through ADBC and answers with Arrow IPC streams.

ADBC's SQLite driver fills Arrow columns in native code, 2.5-3x faster than the DB-API cursor's rows of
Python objects. It links its own copy of SQLite, and two copies in one process break SQLite's locking: POSIX
locks belong to the process, so when one copy closes its file, the locks the other holds on the same file
(a writer's, a reader's snapshot) are dropped and another process may write under them, corrupting the
store (sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1). ``minewatch run`` serves exports in
the process that writes scores, so the driver runs here, in a process of its own, where its locks are its
own. ``monitor.reads.arrow`` starts it (``python -I thisfile DATABASE``) and sends one request a line:

    {"query": "SELECT ... WHERE date >= ?1", "params": ["2025-01-01"]}

and reads back one Arrow IPC stream per request; a failed request's stream has no batches and its schema's
metadata holds ``error``. The process ends at the end of its input. It imports nothing of minewatch (and is
run isolated) so that it starts in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

import pyarrow as pa

__all__ = ["ERROR_KEY", "main", "serve"]

#: The schema metadata key of a failed request's message.
ERROR_KEY = b"error"
#: Rows per batch, and so the rows over which the driver infers each column's type (SQLite types values,
#: not columns: with fewer, a column NULL in a first batch is taken as integers, and a later real number in
#: it is an error). Every result is one batch.
_BATCH_ROWS = 1 << 30


def serve(database: str, requests: BinaryIO, replies: BinaryIO) -> None:
    """Answer each request line of ``requests`` with an Arrow IPC stream on ``replies``."""
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    with adbc_driver_sqlite.connect(database) as db, adbc.AdbcConnection(db) as conn:
        for line in requests:
            request = json.loads(line)
            try:
                table = _query(adbc, conn, request["query"], request["params"])
            except Exception as exc:  # the parent raises it; this process goes on serving
                table = pa.schema([], metadata={ERROR_KEY: f"{type(exc).__name__}: {exc}"}).empty_table()
            with pa.ipc.new_stream(replies, table.schema) as writer:
                writer.write_table(table)
            replies.flush()


def _query(adbc: Any, conn: Any, query: str, params: list[Any]) -> pa.Table:
    with adbc.AdbcStatement(conn) as statement:
        statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_BATCH_ROWS)})
        statement.set_sql_query(query)
        if params:
            names = [f"p{i}" for i in range(len(params))]
            statement.bind(pa.record_batch([pa.array([p]) for p in params], names=names))
        stream, _ = statement.execute_query()
        reader = pa.RecordBatchReader._import_from_c(stream.address)  # type: ignore[attr-defined]
        return reader.read_all()  # type: ignore[no-any-return]


def main() -> int:
    """Serve the database named by the first argument on standard input and output.

    Its standard error is the user's terminal: what stops it (the driver missing, the file unreadable, the
    user's Ctrl-C, which reaches the whole process group) is one line there, never a traceback; the parent
    reports the lost worker as a ``StoreError``."""
    try:
        serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"minewatch: the SQLite reader process stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
