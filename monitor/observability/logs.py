"""Logging for every command, set once at the CLI edge: a level and a format (text lines or JSON lines).

JSON lines carry the same fields as text lines (time, level, logger, message) plus any ``extra=`` fields, so
a log shipper can index them without parsing text.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO, get_args

from pythonjsonlogger.json import JsonFormatter

from monitor.redact import RedactingFormatter

LogFormat = Literal["text", "json"]
#: The formats ``--log-format`` accepts.
LOG_FORMATS: tuple[LogFormat, ...] = get_args(LogFormat)
LogLevel = Literal["debug", "info", "warning", "error"]
#: The levels ``--log-level`` accepts.
LOG_LEVELS: tuple[LogLevel, ...] = get_args(LogLevel)

_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries whose INFO lines are noise next to ours (one line per HTTP request, per scheduler job).
_CHATTY = ("apscheduler", "httpx", "waitress")


def configure(level: LogLevel, fmt: LogFormat, stream: TextIO | None = None) -> None:
    """Route every logger to ``stream`` (stderr) at ``level`` in ``fmt``; safe to call again (replaces)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT))
    handler.setFormatter(RedactingFormatter(handler.formatter))  # no secret in any line, whatever the format
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
