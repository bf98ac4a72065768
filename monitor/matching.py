"""Events x sites/routes -> exposures by great-circle distance; notices -> sites by mine, operator, place."""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pycountry

from monitor.geo import argsort_keys, pairs_within, route_pairs_within
from monitor.textnorm import word_key, words, words_as_written

EXPOSURE_COLUMNS = ["event_id", "site_id", "via", "distance_km"]


def _route_points(value: Any) -> np.ndarray:
    """A site's route as an (n, 2) float array of [lat, lon]; anything unusable is an empty route."""
    if value is None or isinstance(value, (str, bytes, float, int)):
        return np.empty((0, 2))
    try:
        # list() first: Parquet hands back an object array of per-waypoint arrays.
        pts = np.asarray([list(p) for p in value], dtype=np.float64)
    except (TypeError, ValueError):
        return np.empty((0, 2))
    if pts.size == 0 or pts.ndim != 2 or pts.shape[1] != 2:
        return np.empty((0, 2))
    return pts[np.isfinite(pts).all(axis=1)]


def site_radii(sites: pd.DataFrame, site_radius_km: float) -> np.ndarray:
    """Each site's matching radius: ``site_radius_km`` plus its ``coord_precision_km`` (0 when unknown).

    The true mine may lie anywhere within its precision of the registry's point, so an event within
    ``site_radius_km`` of the mine is within the sum of the two of the point: a district centroid with a
    50 km precision reaches 50 km farther than a pit surveyed to 0.1 km.
    """
    if "coord_precision_km" not in sites.columns:
        return np.full(len(sites), float(site_radius_km))
    precision = pd.to_numeric(sites["coord_precision_km"], errors="coerce").to_numpy(dtype=np.float64)
    return site_radius_km + np.where(np.isfinite(precision) & (precision > 0), precision, 0.0)


def match_events(
    events: pd.DataFrame, sites: pd.DataFrame, site_radius_km: float, route_corridor_km: float
) -> pd.DataFrame:
    """Exposures: events near a site (via 'site', within ``site_radii``) or its route (``route_corridor_km``).

    ``events`` has columns id, lat, lon; ``sites`` has id, lat, lon and optionally coord_precision_km and
    route ([[lat, lon], ...]). A site without coordinates gets no 'site' rows, and no 'route' rows unless it
    has a route; a corridor of 0 km turns route matching off. Rows are sorted by event id, site id, via.
    """
    ev_lat = pd.to_numeric(events["lat"], errors="coerce").to_numpy(dtype=np.float64)
    ev_lon = pd.to_numeric(events["lon"], errors="coerce").to_numpy(dtype=np.float64)
    site_lat = pd.to_numeric(sites["lat"], errors="coerce").to_numpy(dtype=np.float64)
    site_lon = pd.to_numeric(sites["lon"], errors="coerce").to_numpy(dtype=np.float64)
    q, p, d = pairs_within(ev_lat, ev_lon, site_lat, site_lon, site_radii(sites, site_radius_km))
    via = np.ones(q.size, dtype=np.int8)  # 1 = site, 0 = route: the sort order of the labels
    if route_corridor_km > 0 and "route" in sites.columns:
        routes = [_route_points(r) for r in sites["route"]]
        rq, rp, rd = route_pairs_within(ev_lat, ev_lon, routes, route_corridor_km)
        q, p, d = np.concatenate([q, rq]), np.concatenate([p, rp]), np.concatenate([d, rd])
        via = np.concatenate([via, np.zeros(rq.size, np.int8)])
    event_ids, site_ids = events["id"].reset_index(drop=True), sites["id"].reset_index(drop=True)
    event_rank = _ranks(event_ids)
    site_rank = _ranks(site_ids)
    n_sites = max(len(site_ids), 1)
    order = argsort_keys((event_rank[q] * n_sites + site_rank[p]) * 2 + via, len(event_ids) * n_sites * 2)
    q, p, d, via = q[order], p[order], d[order], via[order]
    # take() on the columns' own arrays keeps their dtype and avoids re-parsing a million strings.
    return pd.DataFrame(
        {
            "event_id": event_ids.array.take(q),
            "site_id": site_ids.array.take(p),
            "via": pd.array(["route", "site"], dtype="str").take(via),
            "distance_km": d,
        },
        columns=EXPOSURE_COLUMNS,
    )


def _ranks(ids: pd.Series) -> np.ndarray:
    """Rank of each id in sorted order (ties by position), for a cheap integer sort key."""
    rank = np.empty(len(ids), np.int64)
    rank[ids.argsort(kind="stable").to_numpy()] = np.arange(len(ids))
    return rank


# --- text: notices -> sites -------------------------------------------------------------------------------


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that say nothing about which mine: a key made only of these (or numbers) is never matched.
GENERIC_WORDS = _wordset(
    """
    mining mine mines minier miniere minieres minera minero minerals mineral company compagnie societe
    society corporation corp group groupe holdings holding resources resource ressources ressource
    copper cuivre cobalt tin etain lithium nickel uranium graphite coltan tantalum tantale tantalite
    cassiterite zinc gold or silver rare earth earths terres metals metal metaux materials steel
    congo drc rdc rd democratic democratique republic republique africa afrique international
    the of de la le les du des et and d l a sa sas sarl sprl ltd inc plc llc pty ag pt co
    artisanal project projet plant usine zone area district region town hub concession border trade
    north south east west nord sud est ouest mount lake new operator operations exploration etc
    """
)
_NAME_TAIL = _wordset(
    """mine mines mining minerals project projet plant usine zone area district region concession hub town
    artisanal underground etc copper cobalt tin lithium nickel uranium graphite tantalite coltan"""
) | {"open pit", "rare earth"}
_OPERATOR_TAIL = _wordset(
    """sa sas sarl sprl spa srl ltd limited inc incorporated plc llc pty ag gmbh nv bv corp corporation co
    company compagnie mining mines minerals mineral resources resource ressources group groupe holdings
    holding exploration operator licence license and et"""
)
_OPERATOR_HEAD = frozenset({"pt"})
#: Words that mark a fragment of the operator field as a remark rather than a company name.
_PROSE_WORDS = _wordset(
    """see formerly various since under with contested deal control not verified nationalised nationalized
    per holds part listing current stake buying"""
)
#: Words that alone never name an operator. A label parsed from the operator field that has nothing left once
#: these and numbers are set aside, or only a country or province name (``place_names``), is dropped; a label
#: with another word keeps them ("Almonty Industries" stays, "Industries" alone goes). Besides GENERIC_WORDS:
#: more legal and business words; states, people and armed forces, who hold or work a mine but do not run it
#: as a company; news abbreviations; and regions that are neither countries nor ISO provinces. "kia" is killed
#: in action, Kia Motors, and the Kachin Independence Army, which controls the Kachin mines but does not run
#: them. Aliases are curated, so they are not filtered: a name dropped here can still be listed as an alias.
OPERATOR_STOP_WORDS = GENERIC_WORDS | _wordset(
    """
    limited incorporated gmbh spa srl sae jsc pjsc ojsc llp lp bhd sdn tbk jv venture ventures partners
    partnership trust fund funds capital investment investments investissement investissements industries
    industrie industry enterprise enterprises entreprise entreprises services trading global worldwide general
    generale national nationale united energy power industrial technology technologies african asian european
    government gouvernement state states etat ministry ministere authority authorities autorite autorites
    public publique federal provincial province community communities communaute cooperative cooperatives
    cooperativa people workers travailleurs miners mineurs diggers creuseurs exploitants operators operateurs
    owner owners various divers unknown inconnu private prive chinese chinois foreign etrangers local locals
    army armee military militaire militia milice rebels rebelles forces soldiers troops police
    kia kio bgf m23 afc fardc fdlr adf uwsa mia wia pow idp idps onu usa ceo cfo ipo esg ngo ong
    kivu katanga pilbara bushveld sahel
    """
)
#: Languages whose country names count as place names besides English: those of the registry's news.
_COUNTRY_NAME_LANGUAGES = ("fr", "es", "pt")
#: An all-capital label this short counts only where the notice writes it in capitals too. Three-letter
#: tokens are mostly initialisms when capitalised and ordinary words or brands when not ("bhp" brake
#: horsepower, "pls", "Kia"); longer acronyms are often written like words ("Cmoc"), so they keep matching
#: in any case. An all-capital headline still matches: the stop-list is what keeps "KIA" out.
_SHORT_ACRONYM = 3
_MAX_KEY_WORDS = 6
_RANK = {"name": 0, "alias": 0, "operator": 1, "place": 2}
_STAKE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _trim(label: str, tail: frozenset[str], head: frozenset[str] = frozenset()) -> str:
    """Drop generic words at the end (and given ones at the start), keeping the original spelling."""
    tokens = label.replace("&", " & ").split()
    while tokens and (word_key(tokens[-1]) in tail or not word_key(tokens[-1])):
        tokens.pop()
    while tokens and word_key(tokens[0]) in head:
        tokens.pop(0)
    return " ".join(tokens).strip(" .,:;-")


def _usable(key: str) -> bool:
    """A key that can identify something: not too short, not only generic words or numbers."""
    parts = key.split()
    return (
        0 < len(parts) <= _MAX_KEY_WORDS
        and len(key.replace(" ", "")) >= 3
        and any(w not in GENERIC_WORDS and not w.isdigit() for w in parts)
    )


@functools.cache
def place_names() -> frozenset[str]:
    """Folded names of the countries (English, French, Spanish, Portuguese) and their top-level provinces.

    From ISO 3166 (pycountry); a country or province alone never identifies an operator. Cached: reading the
    tables takes a few tenths of a second.
    """
    catalogs = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in _COUNTRY_NAME_LANGUAGES
    ]
    names: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                names.add(word_key(name))
                names.update(word_key(catalog.gettext(name)) for catalog in catalogs)
    names.update(word_key(s.name) for s in pycountry.subdivisions if not s.parent_code)
    names.discard("")
    return frozenset(names)


def _names_no_operator(label: str) -> bool:
    """A label made only of stop words and numbers, or of those and a country or province name."""
    key = word_key(label)
    rest = " ".join(w for w in key.split() if w not in OPERATOR_STOP_WORDS and not w.isdigit())
    return not rest or rest in place_names() or key in place_names()


def _split_groups(text: str) -> tuple[str, list[str]]:
    """The text outside parentheses, and the contents of each top-level parenthesised group."""
    outside: list[str] = []
    groups: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
            if depth == 1:
                current = []
                outside.append(" ")
                continue
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append("".join(current))
                continue
        (current if depth else outside).append(ch)
    if depth:
        groups.append("".join(current))
    return "".join(outside), groups


def name_labels(name: str) -> list[tuple[str, str]]:
    """(field, label) keys of a site name: the name without its parentheses, each part inside as an alias."""
    outside, groups = _split_groups(name)
    labels = [("name", _trim(outside, _NAME_TAIL))]
    for group in groups:
        for part in re.split(r"[,;+/:]|\s-\s|\bvs\.?\s", group):
            labels.append(("alias", _trim(part, _NAME_TAIL)))
    return labels


def _names_in(fragment: str) -> list[str]:
    """Company names in one fragment of the operator field ("Zijin/Jinxiang 61%" -> Zijin, Jinxiang)."""
    fragment = fragment.rsplit(":", 1)[-1]
    stake = _STAKE.search(fragment)
    if stake:
        fragment = fragment[: stake.start()]
    # A remark word anywhere speaks for every name in the fragment: in "KIA/KIO control since 2024" and in
    # "formerly under NDA-K/BGF" the name before the slash belongs to the remark as much as the one after it.
    if _PROSE_WORDS.intersection(words(fragment)):
        return []
    return [_trim(part, _OPERATOR_TAIL, _OPERATOR_HEAD) for part in fragment.split("/")]


def _stake(item: str) -> float | None:
    found = _STAKE.search(item)
    return float(found.group(1).replace(",", ".")) if found else None


def operator_labels(operator: str) -> list[str]:
    """Company names that stand for the operator, from a free-text operator field.

    The named company (legal form and words like Mining/Resources removed), plus from its parentheses the
    owner with the largest stake, a party called operator, or a lone name: "Alphamin Bisie Mining SA
    (Alphamin Resources Corp. 80.75%; ...)" gives "Alphamin Bisie" and "Alphamin". Remarks ("KIA/KIO control
    since 2024") give none, and neither do names made of OPERATOR_STOP_WORDS and a place ("Portugal").
    """
    outside, groups = _split_groups(operator)
    labels: list[str] = []
    for fragment in re.split(r"[;,]|\s-\s|\bvs\.?\s", outside):
        labels.extend(_names_in(fragment))
    for group in groups:
        items = [i for i in re.split(r"[;,]", group) if i.strip()]
        stakes = [_stake(i) for i in items]
        top = max((s for s in stakes if s is not None), default=None)
        for item, stake in zip(items, stakes, strict=True):
            lone = len(items) == 1 and stake is None
            if lone or (stake is not None and stake == top) or "operator" in words(item):
                labels.extend(_names_in(item))
    return [label for label in dict.fromkeys(labels) if not _names_no_operator(label)]


def _as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [v for v in value.split(";") if v.strip()]
    if isinstance(value, dict):
        return [value]
    return list(value) if isinstance(value, Iterable) else []


def _place_name(place: Any) -> str:
    if isinstance(place, dict):
        return str(place.get("name") or "")
    return str(place).split(":", 1)[0]


_ANY_CASE, _CAPITAL, _CAPITALS = 0, 1, 2


def _case_rule(label: str) -> int:
    """How a one-word label must be written in a notice: a short acronym in capitals, a name capitalised.

    Proper names keep their capital in news text, so a lower-case word is another word ("for the sake of"
    is not the town of Sake, "a la altura de" not Altura); multi-word labels are specific enough as they are.
    """
    if len(words(label)) != 1:
        return _ANY_CASE
    letters = "".join(ch for ch in label if ch.isalnum())
    if letters.isalpha() and letters.isupper() and len(letters) <= _SHORT_ACRONYM:
        return _CAPITALS
    return _CAPITAL if letters[:1].isupper() else _ANY_CASE


def _written_as(rule: int, spelling: str) -> bool:
    if rule == _CAPITALS:
        return spelling.isupper()
    return rule != _CAPITAL or spelling[:1].isupper()


@dataclass(frozen=True)
class _Entry:
    site_id: str
    field: str
    label: str
    case: int = _ANY_CASE


@dataclass
class SiteTextIndex:
    """Folded names, aliases, operators and places of the sites, looked up by the word n-grams of a text."""

    keys: dict[str, list[_Entry]] = field(default_factory=dict)
    max_words: int = 0

    @classmethod
    def build(cls, sites: pd.DataFrame) -> SiteTextIndex:
        """Index sites (columns id, name, and optionally operator, aliases, places) for notice matching."""
        index = cls()
        for row in sites.to_dict("records"):
            site_id = str(row["id"])
            entries: list[tuple[str, str]] = name_labels(str(row.get("name") or ""))
            entries += [("alias", str(a).strip()) for a in _as_list(row.get("aliases"))]
            entries += [("operator", o) for o in operator_labels(str(row.get("operator") or ""))]
            entries += [("place", _place_name(p).strip()) for p in _as_list(row.get("places"))]
            for kind, label in entries:
                index._add(word_key(label), _Entry(site_id, kind, label, _case_rule(label)))
        return index

    def _add(self, key: str, entry: _Entry) -> None:
        if not _usable(key):
            return
        bucket = self.keys.setdefault(key, [])
        # One entry per site and rank: the name is added before an alias that repeats it.
        if not any(e.site_id == entry.site_id and _RANK[e.field] == _RANK[entry.field] for e in bucket):
            bucket.append(entry)
            self.max_words = max(self.max_words, len(key.split()))

    def _hits(self, texts: Sequence[str]) -> list[tuple[int, int, str, _Entry]]:
        """(word position, -key length, key, entry) for every key found in the texts, title words first."""
        hits: list[tuple[int, int, str, _Entry]] = []
        offset = 0
        for text in texts:
            written = words_as_written(text)
            ws = [w for w, _ in written]
            for n in range(1, self.max_words + 1):
                for i in range(len(ws) - n + 1):
                    key = " ".join(ws[i : i + n])
                    hits.extend(
                        (offset + i, -len(key), key, entry)
                        for entry in self.keys.get(key, ())
                        if _written_as(entry.case, written[i][1])
                    )
            offset += len(ws) + 1  # a gap, so no key spans the title and the summary
        return hits

    def match(self, title: str, summary: str = "") -> list[tuple[str, str]]:
        """Sites a notice is about, as (site_id, matched_on) like ("bisie", "operator: Alphamin").

        A mine name or alias names its site. An operator matches all its sites unless one of them is named;
        a place matches the sites around it unless one of them is already matched by name or operator.
        A one-word name counts only capitalised, and an acronym of up to three letters only in capitals.
        Sorted by strength (name or alias, operator, place), then site id.
        """
        groups: dict[tuple[int, str], list[tuple[int, int, _Entry]]] = {}
        for pos, neg_len, key, entry in self._hits([title, summary]):
            groups.setdefault((_RANK[entry.field], key), []).append((pos, neg_len, entry))
        best: dict[str, tuple[int, int, int, str]] = {}
        for rank in sorted(set(_RANK.values())):
            matched_before = set(best)
            for (group_rank, _), group in sorted(groups.items()):
                if group_rank != rank or matched_before.intersection(e.site_id for _, _, e in group):
                    continue
                for pos, neg_len, entry in group:
                    candidate = (rank, pos, neg_len, f"{entry.field}: {entry.label}")
                    if entry.site_id not in best or candidate < best[entry.site_id]:
                        best[entry.site_id] = candidate
        ordered = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
        return [(site_id, value[3]) for site_id, value in ordered]
