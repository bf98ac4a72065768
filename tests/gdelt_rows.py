"""GDELT 2.0 export lines written for tests: 61 tab-separated fields in the codebook's order, no header."""

from __future__ import annotations

from datetime import datetime

from feeds import gdelt

#: Places the tests use: (ActionGeo_FullName, FIPS country, FIPS ADM1, lat, lon).
PLACES: dict[str, tuple[str, str, str, float, float]] = {
    "Walikale": ("Walikale, Nord-Kivu, Democratic Republic Of The Congo", "CG", "CG11", -1.418, 28.050),
    "Kibua": ("Kibua, Nord-Kivu, Democratic Republic Of The Congo", "CG", "CG11", -1.330, 28.380),
    "Harare": ("Harare, Harare, Zimbabwe", "ZI", "ZI10", -17.8178, 31.0447),
    "Harare Province": ("Harare, Zimbabwe", "ZI", "ZI10", -17.8333, 31.05),
    "Zimbabwe": ("Zimbabwe", "ZI", "ZI", -20.0, 30.0),
}
# Eight villages around the Bisie mine, 15-35 km from it (test places, not a gazetteer).
for _i, (_dlat, _dlon) in enumerate(
    [
        (0.2, 0.0),
        (-0.2, 0.0),
        (0.0, 0.2),
        (0.0, -0.2),
        (0.15, 0.15),
        (-0.15, 0.15),
        (0.15, -0.15),
        (-0.15, -0.15),
    ]
):
    _name = f"Bisie area {_i}"
    PLACES[_name] = (f"{_name}, Nord-Kivu, Democratic Republic Of The Congo", "CG", "CG11", -1.033 + _dlat,
                     27.733 + _dlon)  # fmt: skip


def line(
    event_id: int,
    day: str,
    code: str,
    place: str,
    *,
    added: datetime,
    url: str,
    sources: int = 1,
    articles: int = 1,
    root: bool = True,
    geo_type: int = 4,
    actor1: str = "REBEL",
    actor2: str = "",
) -> str:
    """One export line: ``day`` as YYYYMMDD, ``code`` a CAMEO code, ``place`` a key of PLACES."""
    name, country, adm1, lat, lon = PLACES[place]
    fields = [""] * gdelt.FIELDS
    fields[gdelt.EVENT_ID] = str(event_id)
    fields[gdelt.SQLDATE] = day
    fields[2], fields[3] = day[:6], day[:4]
    fields[4] = f"{int(day[:4]) + int(day[4:6]) / 12:.4f}"
    fields[gdelt.ACTOR1_NAME], fields[gdelt.ACTOR2_NAME] = actor1, actor2
    fields[gdelt.IS_ROOT] = "1" if root else "0"
    fields[gdelt.EVENT_CODE], fields[27], fields[gdelt.ROOT_CODE] = code, code[:3], code[:2]
    fields[29] = "4" if code[:2] >= "14" else "1"  # QuadClass
    fields[30] = "-10.0"
    fields[31] = str(articles)  # NumMentions
    fields[gdelt.NUM_SOURCES], fields[gdelt.NUM_ARTICLES] = str(sources), str(articles)
    fields[34] = "-8.0"
    geo = [str(geo_type), name, country, adm1, "", str(lat), str(lon), "-1"]
    fields[gdelt.GEO_TYPE : gdelt.GEO_TYPE + 8] = geo
    fields[gdelt.DATEADDED] = added.strftime("%Y%m%d%H%M%S")
    fields[gdelt.SOURCEURL] = url
    return "\t".join(fields)


def export(lines: list[str]) -> bytes:
    """The text of an export holding ``lines``."""
    return ("\n".join(lines) + "\n").encode()
