"""FIPS 10-4 country codes (what GDELT writes) -> ISO 3166-1 alpha-2 (what minewatch stores).

The two code lists share letters but not meanings (FIPS ``CG`` is DR Congo, ISO ``CG`` is the Republic of
the Congo), so a FIPS code is never passed through unless it is listed here. Codes with no ISO equivalent
(Paracel and Spratly Islands, the Cyprus base areas, dissolved states, tiny French islands) map to "".
Kosovo maps to ``XK``, the user-assigned code in common use (ISO 3166-1 has none).
"""

from __future__ import annotations

import pandas as pd

#: FIPS codes that are the ISO alpha-2 code of the same country or territory.
_SAME: frozenset[str] = frozenset(
    {
        "AE", "AF", "AL", "AM", "AO", "AR", "BB", "BE", "BR", "BT", "BV", "CA", "CM", "CO", "CU", "CV",
        "CY", "DJ", "EC", "EG", "ER", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GH", "GI", "GL", "GP",
        "GR", "GT", "GY", "HK", "HM", "HR", "HU", "ID", "IM", "IN", "IO", "IR", "IT", "JE", "JM", "JO",
        "KE", "KG", "KZ", "LA", "LU", "LY", "MD", "MK", "ML", "MR", "MT", "MV", "MX", "MY", "MZ", "NC",
        "NF", "NL", "NO", "NP", "NR", "NZ", "PE", "PK", "PL", "QA", "RE", "RO", "RW", "SA", "SH", "SI",
        "SL", "SM", "SO", "SY", "TH", "TV", "TW", "TZ", "UG", "US", "UY", "UZ", "VC", "VE", "WF", "WS",
    }
)  # fmt: skip

#: FIPS codes whose ISO alpha-2 code differs.
_DIFFERENT: dict[str, str] = {
    "AA": "AW", "AC": "AG", "AG": "DZ", "AJ": "AZ", "AN": "AD", "AQ": "AS", "AS": "AU", "AU": "AT",
    "AV": "AI", "AY": "AQ", "BA": "BH", "BC": "BW", "BD": "BM", "BF": "BS", "BG": "BD", "BH": "BZ",
    "BK": "BA", "BL": "BO", "BM": "MM", "BN": "BJ", "BO": "BY", "BP": "SB", "BU": "BG", "BX": "BN",
    "BY": "BI", "CB": "KH", "CD": "TD", "CE": "LK", "CF": "CG", "CG": "CD", "CH": "CN", "CI": "CL",
    "CJ": "KY", "CK": "CC", "CN": "KM", "CQ": "MP", "CS": "CR", "CT": "CF", "CW": "CK", "DA": "DK",
    "DO": "DM", "DR": "DO", "EI": "IE", "EK": "GQ", "EN": "EE", "ES": "SV", "EZ": "CZ", "FG": "GF",
    "FP": "PF", "FS": "TF", "GA": "GM", "GB": "GA", "GG": "GE", "GJ": "GD", "GK": "GG", "GM": "DE",
    "GQ": "GU", "GV": "GN", "GZ": "PS", "HA": "HT", "HO": "HN", "IC": "IS", "IS": "IL", "IV": "CI",
    "IZ": "IQ", "JA": "JP", "JN": "SJ", "KN": "KP", "KR": "KI", "KS": "KR", "KT": "CX", "KU": "KW",
    "KV": "XK", "LE": "LB", "LG": "LV", "LH": "LT", "LI": "LR", "LO": "SK", "LS": "LI", "LT": "LS",
    "MA": "MG", "MB": "MQ", "MC": "MO", "MF": "YT", "MG": "MN", "MH": "MS", "MI": "MW", "MJ": "ME",
    "MN": "MC", "MO": "MA", "MP": "MU", "MU": "OM", "NE": "NU", "NG": "NE", "NH": "VU", "NI": "NG",
    "NN": "SX", "NS": "SR", "NU": "NI", "OD": "SS", "PA": "PY", "PC": "PN", "PM": "PA", "PO": "PT",
    "PP": "PG", "PS": "PW", "PU": "GW", "RI": "RS", "RM": "MH", "RN": "MF", "RP": "PH", "RQ": "PR",
    "RS": "RU", "SB": "PM", "SC": "KN", "SE": "SC", "SF": "ZA", "SG": "SN", "SN": "SG", "SP": "ES",
    "ST": "LC", "SU": "SD", "SV": "SJ", "SW": "SE", "SX": "GS", "SZ": "CH", "TB": "BL", "TD": "TT",
    "TI": "TJ", "TK": "TC", "TL": "TK", "TN": "TO", "TO": "TG", "TP": "ST", "TS": "TN", "TT": "TL",
    "TU": "TR", "TX": "TM", "UC": "CW", "UK": "GB", "UP": "UA", "UV": "BF", "VI": "VG", "VM": "VN",
    "VQ": "VI", "VT": "VA", "WA": "NA", "WE": "PS", "WI": "EH", "WZ": "SZ", "YM": "YE", "ZA": "ZM",
    "ZI": "ZW",
    # United States Minor Outlying Islands: Baker, Howland, Jarvis, Johnston, Kingman, Midway, Navassa,
    # Palmyra, Wake.
    "FQ": "UM", "HQ": "UM", "DQ": "UM", "JQ": "UM", "KQ": "UM",
    "MQ": "UM", "BQ": "UM", "LQ": "UM", "WQ": "UM",
}  # fmt: skip

#: Every FIPS 10-4 country code we can translate, to its ISO 3166-1 alpha-2 code.
FIPS_TO_ISO: dict[str, str] = {**{code: code for code in _SAME}, **_DIFFERENT}


def fips_to_iso(codes: pd.Series) -> pd.Series:
    """Translate a column of FIPS country codes to ISO alpha-2 ("" when empty or unknown)."""
    return codes.map(FIPS_TO_ISO).fillna("").astype(str)
