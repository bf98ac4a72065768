"""Panels to bytes: CSV (vectorised in Arrow) and Parquet, streamed block by block, and their metadata.

CSV: UTF-8 without BOM, comma-separated, LF line ends, a header, quotes only where a cell needs them (RFC
4180), ISO dates, times as ``YYYY-MM-DDTHH:MM:SSZ``, numbers in their shortest exact form with ``.``, empty
cells for unknown values. Text cells a spreadsheet would run as a formula get a leading ``'`` unless raw.
Parquet: the panel's typed columns, zstd, the metadata as JSON under the key ``minewatch``.
Nothing in either depends on the wall clock, so the same panel gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from monitor.exports.schemas import PanelSchema
from monitor.spreadsheet import FORMULA_PREFIXES

__all__ = [
    "FORMULA_PREFIXES",
    "METADATA_KEY",
    "csv_stream",
    "encode_csv",
    "neutralise",
    "parquet_stream",
    "sidecar_bytes",
]

METADATA_KEY = b"minewatch"
_FORMULA = "^[" + FORMULA_PREFIXES.replace("-", r"\-").replace("\t", r"\t").replace("\r", r"\r") + "]"
_NEEDS_QUOTES = '[",\r\n]'
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def neutralise(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Prefix ``'`` to text cells that start like a formula (``=``, ``+``, ``-``, ``@``, tab, CR)."""
    risky = pc.match_substring_regex(column, _FORMULA)
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def _cells(column: pa.ChunkedArray, kind: str, neutral: bool) -> pa.ChunkedArray:
    """One column as CSV cell text (nulls as empty cells)."""
    if kind == "timestamp":
        text = pc.strftime(column.cast(pa.timestamp("s", tz="UTC")), format=_TIME_FORMAT)
    elif kind == "string":
        text = neutralise(column) if neutral else column
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(pc.match_substring_regex(text, _NEEDS_QUOTES), quoted, text)
    else:  # dates as YYYY-MM-DD, numbers in their shortest exact decimal form
        text = column.cast(pa.string())
    return text.fill_null("")


def encode_csv(table: pa.Table, panel: PanelSchema, neutral: bool = True) -> bytes:
    """The rows of ``table`` (in ``panel``'s columns) as CSV lines, without the header."""
    if table.num_rows == 0:
        return b""
    cells = [_cells(table.column(c.name), c.type, neutral) for c in panel.columns]
    lines = pc.binary_join_element_wise(*cells, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n").combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return bytes(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def csv_stream(tables: Iterable[pa.Table], panel: PanelSchema, neutral: bool = True) -> Iterator[bytes]:
    """The header, then each block's lines."""
    yield (",".join(panel.names) + "\n").encode()
    for table in tables:
        block = encode_csv(table, panel, neutral)
        if block:
            yield block


class _Sink(io.RawIOBase):
    """A write-only stream that hands back what was written since the last ``drain``."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def parquet_stream(
    tables: Iterable[pa.Table], panel: PanelSchema, metadata: Mapping[str, Any]
) -> Iterator[bytes]:
    """A Parquet file of the blocks (one row group or more each), yielded as it is written."""
    schema = panel.arrow().with_metadata({METADATA_KEY: _json(metadata)})
    sink = _Sink()
    writer = pq.ParquetWriter(sink, schema, compression="zstd", version="2.6")
    try:
        for table in tables:
            if table.num_rows:
                writer.write_table(table.replace_schema_metadata(schema.metadata), row_group_size=1 << 20)
                yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


def sidecar_bytes(metadata: Mapping[str, Any], data_sha256: str, rows: int) -> bytes:
    """The CSV's sidecar JSON: the metadata plus the data file's row count and sha256."""
    return _json({**metadata, "rows": rows, "sha256": data_sha256}, indent=2) + b"\n"


class Digest:
    """Counts and hashes bytes as they pass (for the sidecar of a streamed CSV)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def feed(self, parts: Iterable[bytes]) -> Iterator[bytes]:
        for part in parts:
            self._hash.update(part)
            yield part

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _json(value: Any, indent: int | None = None) -> bytes:
    """Canonical JSON: sorted keys, UTF-8, the same text for the same value."""
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, separators=separators)
    return text.encode()
