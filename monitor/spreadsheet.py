"""Cells a spreadsheet would run as formulas, neutralised by one rule for every CSV minewatch writes.

Feed text (an event's notes, a notice's title) can start with ``=HYPERLINK(...)``: opened in a spreadsheet,
such a cell runs. Every CSV minewatch writes (CLI and API exports, the backtest's episodes, the dashboard's
downloads) prefixes ``'`` to a text cell that starts with one of ``FORMULA_PREFIXES``. The exports apply
the rule to whole Arrow columns (``monitor.exports.encoding``); the rest use ``neutral_cell`` and
``neutral_frame``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutral_cell", "neutral_frame"]

#: A text cell starting with one of these is a formula to a spreadsheet (tab and CR too: some strip them).
FORMULA_PREFIXES = "=+-@\t\r"


def neutral_cell(text: str) -> str:
    """``text`` with ``'`` in front when it starts like a formula."""
    return "'" + text if text.startswith(tuple(FORMULA_PREFIXES)) else text


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised (numbers, dates and empty cells unchanged)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: neutral_cell(v) if isinstance(v, str) else v)
    return out
