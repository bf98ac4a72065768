"""Country codes: ISO 3166-1 numeric codes and the country names ACLED and UCDP write -> alpha-2.

ISO data comes from ``pycountry``; the alias table covers the short and historical names the conflict
datasets use where they differ from ISO's ("Democratic Republic of Congo", UCDP's "DR Congo (Zaire)").
Lookups work on the distinct values of a column only, so a 100k-row file costs a handful of lookups.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pandas as pd
import pycountry

from feeds.checks import map_distinct

#: Names (normalised by ``_key``) the conflict datasets use that ISO 3166 spells differently.
ALIASES: dict[str, str] = {
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "congo kinshasa": "CD",
    "republic of congo": "CG",
    "republic of the congo": "CG",
    "congo brazzaville": "CG",
    "congo": "CG",
    "ivory coast": "CI",
    "kosovo": "XK",
    "palestine": "PS",
    "russia": "RU",
    "turkey": "TR",
    "cape verde": "CV",
    "micronesia": "FM",
    "brunei": "BN",
    "east timor": "TL",
    "macedonia": "MK",
    "macedonia fyr": "MK",
    "vatican city": "VA",
    "caribbean netherlands": "BQ",
    "swaziland": "SZ",
    "kingdom of eswatini": "SZ",
    "bosnia herzegovina": "BA",
    "united states": "US",
    "saint helena": "SH",
    "falkland islands": "FK",
    "virgin islands us": "VI",
    "virgin islands british": "VG",
}


def _key(name: str) -> str:
    """A spelling-insensitive key: no accents, case, parenthetical former names or punctuation."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    text = re.sub(r"\(.*?\)", " ", text).replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@cache
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index[_key(value)] = country.alpha_2
    index.update(ALIASES)
    return index


@cache
def _numeric_index() -> dict[str, str]:
    return {str(int(c.numeric)): c.alpha_2 for c in pycountry.countries}


def alpha2_from_name(name: str) -> str:
    """The alpha-2 code of a country name as ACLED or UCDP writes it, or "" when unknown."""
    return _name_index().get(_key(name), "") if name else ""


def alpha2_from_numeric(code: str | int) -> str:
    """The alpha-2 code of an ISO 3166-1 numeric code ("180", "076", 180), or "" when unknown."""
    text = str(code).strip()
    if text.endswith(".0"):  # numeric columns that went through a float
        text = text[:-2]
    if not text.isdigit():
        return ""
    return _numeric_index().get(str(int(text)), "")


def alpha2_column(numeric: pd.Series | None, names: pd.Series) -> pd.Series:
    """Alpha-2 codes from a column of numeric codes, else from the names ("" when neither is known)."""
    by_name = map_distinct(names, lambda v: alpha2_from_name(v) if isinstance(v, str) else "")
    if numeric is None:
        return by_name
    by_code = map_distinct(numeric, lambda v: alpha2_from_numeric(v) if isinstance(v, str | int) else "")
    return by_code.where(by_code != "", by_name)
