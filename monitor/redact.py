"""Secrets out of any text minewatch shows or keeps: one function, ``redact``, used by the log formatter,
feed-run errors, the Feeds page, alerts and the command line's error line.

It masks, in this order: every known secret value (registered once at the edge from the resolved
environment, ``remember``), the userinfo of any URL (``scheme://user:password@`` keeps the user, a lone
``token@`` does not), and the query string of http(s) URLs (API keys travel there). Masking is textual on
purpose: secrets reach error text through exception messages we do not write (httpx, SQLAlchemy, smtplib).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["MASK", "MIN_SECRET_CHARS", "RedactingFormatter", "forget", "redact", "remember"]

MASK = "***"
#: Shorter values are not masked as known secrets (a two-letter password would blank out every word).
MIN_SECRET_CHARS = 4

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]*)(?P<pw>:[^/@\s]*)?@")
# The query runs to the next blank, quote or fragment; a trailing ``:`` ``,`` ``.`` ``)`` is the sentence's.
_QUERY = re.compile(
    r"(?P<head>\bhttps?://[^\s?#\"'<>]*)\?[^\s#\"'<>]*?(?=[:,.;)\]]?(?:[\s#\"'<>]|$))", re.IGNORECASE
)
_known: tuple[str, ...] = ()


def remember(values: Iterable[str]) -> None:
    """Add secret values to mask from now on (the CLI and the WSGI factory call it with the environment's)."""
    global _known
    kept = {v for v in (*_known, *values) if v and len(v) >= MIN_SECRET_CHARS}
    _known = tuple(sorted(kept, key=len, reverse=True))  # longest first: a secret inside another


def forget() -> None:
    """Drop every remembered value (tests)."""
    global _known
    _known = ()


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secrets (and ``secrets``), URL userinfo and http(s) query strings masked."""
    values = sorted(
        {*_known, *(s for s in secrets if s and len(s) >= MIN_SECRET_CHARS)}, key=len, reverse=True
    )
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    # user:password@ keeps the user (it helps to see whose login failed); a lone user@ may be a token.
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user'] + ':' if m['pw'] else ''}{MASK}@", text)
    return _QUERY.sub(lambda m: f"{m['head']}?{MASK}", text)


class RedactingFormatter(logging.Formatter):
    """Formats as ``inner`` does (tracebacks included), then redacts the whole line."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))
