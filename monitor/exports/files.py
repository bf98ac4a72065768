"""Panel files: a ``Query``'s panel as CSV (+ sidecar JSON) or Parquet bytes, streamed (the API) or written
to a file (the CLI), with the metadata every file carries. Both roads give the same bytes.

Schemas: ``monitor.exports.schemas``; rows: ``monitor.exports.panels``; encoding:
``monitor.exports.encoding``; docs/exports.md documents them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Literal, get_args

import pyarrow as pa

from monitor import reads
from monitor.dialect import naive_utc
from monitor.exports.encoding import Digest, csv_stream, parquet_stream, sidecar_bytes
from monitor.exports.panels import chunks
from monitor.exports.query import Query
from monitor.exports.schemas import ATTRIBUTION, SCHEMAS
from monitor.pipeline import Pipeline, params_hash
from monitor.reads.arrow import open_reader

__all__ = ["FORMATS", "ExportResult", "Format", "metadata", "sidecar", "stream", "write_file"]

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = get_args(Format)


@dataclass(frozen=True)
class ExportResult:
    """What ``write_file`` wrote."""

    path: Path
    rows: int
    sidecar: Path | None


def metadata(pipeline: Pipeline, query: Query, fmt: Format) -> dict[str, Any]:
    """What every exported file carries: schema, parameters, generation time, filters and attributions.

    ``generated_at`` is the vintage time, else the data's high-water mark (the newest row minewatch
    stored), never the wall clock: the same panel exported twice gives the same bytes.
    """
    panel = SCHEMAS[query.panel]
    generated: datetime | None = query.as_known_at
    basis = "as_known_at"
    if generated is None:
        generated = reads.version.high_water_mark(pipeline.store, alerts=query.panel == "alerts")
        basis = "newest stored row"
    return {
        "panel": panel.name,
        "title": panel.title,
        "schema_version": panel.version,
        "columns": panel.spec(),
        "format": fmt,
        "generated_at": _iso(generated),
        "generated_at_basis": basis,
        "filters": {
            "from": query.start.isoformat(),
            "to": query.end.isoformat(),
            "site": list(query.sites),
            "commodity": list(query.commodities),
            "country": list(query.countries),
            "as_known_at": _iso(query.as_known_at),
        },
        "derived_only": query.derived_only,
        "formula_neutralised": fmt == "csv" and not query.raw,
        "scoring_params_hash": params_hash(pipeline.settings.scoring),
        "attribution": dict(ATTRIBUTION),
        "minewatch_version": _version(),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else naive_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version() -> str:
    try:
        return importlib_metadata.version("minewatch")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


# ---- bytes ----
class _Counter:
    """Counts the rows of the blocks passing through."""

    def __init__(self) -> None:
        self.rows = 0

    def feed(self, tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
        for table in tables:
            self.rows += table.num_rows
            yield table


def stream(
    pipeline: Pipeline, query: Query, fmt: Format, *, fast: bool = True, counter: _Counter | None = None
) -> Iterator[bytes]:
    """The panel file's bytes, block by block (what ``write_file`` writes and the API sends)."""
    panel = SCHEMAS[query.panel]
    meta = metadata(pipeline, query, fmt)
    counter = counter or _Counter()
    with open_reader(pipeline.store, fast=fast) as reader:
        tables = counter.feed(chunks(pipeline, query, reader))
        if fmt == "csv":
            yield from csv_stream(tables, panel, neutral=not query.raw)
        else:
            yield from parquet_stream(tables, panel, meta)


def sidecar(pipeline: Pipeline, query: Query, *, fast: bool = True) -> bytes:
    """The CSV's sidecar JSON (the panel is built to count and hash it)."""
    counter, digest = _Counter(), Digest()
    for _ in digest.feed(stream(pipeline, query, "csv", fast=fast, counter=counter)):
        pass
    return sidecar_bytes(metadata(pipeline, query, "csv"), digest.hexdigest, counter.rows)


def write_file(
    pipeline: Pipeline, query: Query, path: Path, fmt: Format, *, fast: bool = True
) -> ExportResult:
    """Write the panel to ``path`` (and ``<path>.json`` beside a CSV); a failure leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counter, digest = _Counter(), Digest()
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as fh:
            for part in digest.feed(stream(pipeline, query, fmt, fast=fast, counter=counter)):
                fh.write(part)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if fmt != "csv":
        return ExportResult(path, counter.rows, None)
    side = path.with_name(path.name + ".json")
    side.write_bytes(sidecar_bytes(metadata(pipeline, query, "csv"), digest.hexdigest, counter.rows))
    return ExportResult(path, counter.rows, side)
