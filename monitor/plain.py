"""A value read through pandas or numpy as JSON takes it: the one rule for the documents minewatch writes
from frames (an alert's details, a score explained over HTTP, a site's stored facts)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """A scalar missing (None, NaN, ``pd.NA``, ``NaT``) as None, a numpy or pandas scalar as Python's;
    anything else (text, lists, mappings, arrays) as it is."""
    if value is None or not pd.api.types.is_scalar(value) or isinstance(value, str):
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
