"""What the fault suite's peers serve: each source's wire format, written for these tests (no real data).

RSS 2.0 items, UCDP GED rows and ACLED API rows are built from a number, so a case can say exactly how many
rows it serves and check exactly how many were stored.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.loopback import LoopbackServer, Response

START = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)


def rss(count: int, *, first: int = 0, title: str = "Kivu logistics update {n}") -> bytes:
    """An RSS 2.0 channel of ``count`` items numbered from ``first`` (ids and links unique by number)."""
    items = []
    for n in range(first, first + count):
        when = (START + timedelta(minutes=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        items.append(
            f"<item><title>{title.format(n=n)}</title><guid>urn:faults:item:{n}</guid>"
            f"<link>https://news.example/items/{n}</link><pubDate>{when}</pubDate>"
            f"<description>Road and river traffic report number {n}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fault suite news</title>'
        "<link>https://news.example/</link><description>Items for the fault suite</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def ged_row(n: int, **changes: Any) -> dict[str, Any]:
    """One UCDP GED row (the fields minewatch reads), id 900000 + n, near Walikale."""
    row: dict[str, Any] = {
        "id": 900_000 + n, "date_start": f"2025-03-0{1 + n % 9}T00:00:00", "type_of_violence": 1,
        "latitude": -1.42 + n * 1e-4, "longitude": 28.05, "best": n % 7, "where_prec": 1,
        "side_a": "Government of DR Congo (Zaire)", "side_b": "M23", "country": "DR Congo (Zaire)",
        "adm_1": "Nord Kivu province", "dyad_name": "Government of DR Congo (Zaire) - M23",
        "where_coordinates": f"Fault village {n}", "where_description": "Walikale territory",
    }  # fmt: skip
    row.update(changes)
    return row


def ged_page(rows: list[dict[str, Any]], next_url: str = "") -> Response:
    body = {"TotalCount": len(rows), "TotalPages": 1, "PreviousPageUrl": "", "NextPageUrl": next_url,
            "Result": rows}  # fmt: skip
    return Response(200, json.dumps(body), {"Content-Type": "application/json"})


def gdelt_zip(csv_text: bytes, name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, csv_text)
    return buffer.getvalue()


def serve_gdelt(server: LoopbackServer, stamp: str, payload: bytes, *, serve_zip: bool = True) -> str:
    """lastupdate.txt naming ``payload`` (its true size and md5) and, when ``serve_zip``, the zip itself."""
    path = f"/gdeltv2/{stamp}.export.CSV.zip"
    listing = f"{len(payload)} {hashlib.md5(payload).hexdigest()} {server.url(path)}\n"
    server.route("GET", "/gdeltv2/lastupdate.txt", Response(200, listing, {"Content-Type": "text/plain"}))
    if serve_zip:
        server.route("GET", path, Response(200, payload, {"Content-Type": "application/zip"}))
    return path
