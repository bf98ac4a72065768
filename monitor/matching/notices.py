"""Notices -> the sites they are about: by mine name or alias, by operator, by place, and which operators a
notice names without a site to tie them to.

The rules (docs/notices.md, "Site links"):

- a mine's name or alias names its site;
- an operator with one site in the registry names that site; an operator with several names those of its
  sites whose place (a town in the site's ``places``) or country the text also names, and otherwise none:
  the notice keeps the operator as a mention (``NoticeLinks.operators``) and no site changes. An operator
  whose mine the text names adds nothing more;
- a place names the sites around it, unless one of them is already tied by name or operator: a place two
  operators' sites share goes to the one whose operator the text names.

Each operator in a text is read on its own, so two operators in one notice go to their own sites.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from monitor.domain import PLACE_TIE
from monitor.matching.labels import country_codes, name_labels, operator_labels, usable
from monitor.textnorm import word_key, words, words_as_written

__all__ = ["NoticeLinks", "SiteTextIndex"]

#: An all-capital label this short counts only where the notice writes it in capitals too. Three-letter
#: tokens are mostly initialisms when capitalised and ordinary words or brands when not ("bhp" brake
#: horsepower, "pls", "Kia"); longer acronyms are often written like words ("Cmoc"), so they keep matching
#: in any case. An all-capital headline still matches: the stop-list is what keeps "KIA" out.
_SHORT_ACRONYM = 3
_NAME, _OPERATOR, _PLACE = 0, 1, 2
_RANK = {"name": _NAME, "alias": _NAME, "operator": _OPERATOR, "place": _PLACE}


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


@dataclass(frozen=True, order=True)
class _Entry:
    site_id: str
    field: str
    label: str
    case: int = _ANY_CASE


@dataclass(frozen=True)
class NoticeLinks:
    """What a notice is about: (site_id, matched_on) pairs, strongest first, and the operators it names
    without a site they could be tied to (registry spelling)."""

    sites: list[tuple[str, str]]
    operators: list[str]


#: A key found in a text: (word position, -key length, entry); lower sorts first.
_Hit = tuple[int, int, _Entry]


@dataclass
class SiteTextIndex:
    """Folded names, aliases, operators and places of the sites, looked up by the word n-grams of a text."""

    keys: dict[str, list[_Entry]] = field(default_factory=dict)
    max_words: int = 0
    country_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, sites: pd.DataFrame) -> SiteTextIndex:
        """Index sites (columns id, name, and optionally operator, aliases, places, country) for notices."""
        index = cls()
        for row in sites.to_dict("records"):
            site_id = str(row["id"])
            entries: list[tuple[str, str]] = name_labels(str(row.get("name") or ""))
            entries += [("alias", str(a).strip()) for a in _as_list(row.get("aliases"))]
            entries += [("operator", o) for o in operator_labels(str(row.get("operator") or ""))]
            entries += [("place", _place_name(p).strip()) for p in _as_list(row.get("places"))]
            for kind, label in entries:
                index._add(word_key(label), _Entry(site_id, kind, label, _case_rule(label)))
            country = row.get("country")
            if isinstance(country, str) and country.strip():
                index.country_of[site_id] = country.strip().upper()
        return index

    def _add(self, key: str, entry: _Entry) -> None:
        if not usable(key):
            return
        bucket = self.keys.setdefault(key, [])
        # One entry per site and rank: the name is added before an alias that repeats it.
        if not any(e.site_id == entry.site_id and _RANK[e.field] == _RANK[entry.field] for e in bucket):
            bucket.append(entry)
            self.max_words = max(self.max_words, len(key.split()))

    def _hits(self, texts: Sequence[str]) -> dict[tuple[int, str], list[_Hit]]:
        """Every key found in the texts (title words first), grouped by (rank, key)."""
        groups: dict[tuple[int, str], list[_Hit]] = {}
        for i, n, key, spelling in _ngrams(texts, self.max_words):
            for entry in self.keys.get(key, ()):
                if _written_as(entry.case, spelling):
                    groups.setdefault((_RANK[entry.field], key), []).append((i, -n, entry))
        return groups

    def links(self, title: str, summary: str = "") -> NoticeLinks:
        """The sites a notice is about and the operators it names without one (the module's rules).

        A one-word name counts only capitalised, and an acronym of up to three letters only in capitals.
        Sites are sorted by strength (name or alias, operator, place), then id.
        """
        groups = self._hits([title, summary])
        countries = _countries([title, summary])
        best: dict[str, tuple[int, int, int, str]] = {}

        def tie(site_id: str, rank: int, hit: _Hit, matched_on: str) -> None:
            candidate = (rank, hit[0], hit[1], matched_on)
            if site_id not in best or candidate < best[site_id]:
                best[site_id] = candidate

        def of_rank(rank: int) -> list[list[_Hit]]:
            return [group for (r, _), group in sorted(groups.items()) if r == rank]

        for group in of_rank(_NAME):
            for hit in group:
                tie(hit[2].site_id, _NAME, hit, f"{hit[2].field}: {hit[2].label}")
        named = set(best)
        placed: dict[str, _Hit] = {}
        for group in of_rank(_PLACE):
            for hit in group:
                if hit[2].site_id not in placed or hit < placed[hit[2].site_id]:
                    placed[hit[2].site_id] = hit
        mentions: list[str] = []
        for group in of_rank(_OPERATOR):
            first = min(group)
            label = first[2].label
            sites = sorted({hit[2].site_id for hit in group})
            if named.intersection(sites):
                continue  # the text names its mine
            if len(sites) == 1:
                tie(sites[0], _OPERATOR, first, f"operator: {label}")
                continue
            where = {s: f"place: {placed[s][2].label}" for s in sites if s in placed}
            where |= {
                s: f"country: {countries[self.country_of[s]]}"
                for s in sites
                if s not in where and self.country_of.get(s) in countries
            }
            for site_id, place in where.items():
                tie(site_id, _OPERATOR, first, f"operator: {label} + {place}")
            if not where:
                mentions.append(label)
        tied = set(best)
        for group in of_rank(_PLACE):
            if tied.intersection(hit[2].site_id for hit in group):
                continue
            for hit in group:
                tie(hit[2].site_id, _PLACE, hit, f"{PLACE_TIE}{hit[2].label}")
        ordered = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
        return NoticeLinks([(site_id, value[3]) for site_id, value in ordered], list(dict.fromkeys(mentions)))

    def match(self, title: str, summary: str = "") -> list[tuple[str, str]]:
        """Sites a notice is about, as (site_id, matched_on) like ("bisie", "alias: Alphamin")."""
        return self.links(title, summary).sites


def _ngrams(texts: Sequence[str], max_words: int) -> Iterable[tuple[int, int, str, str]]:
    """(position, word count, folded key, first word as written) of every word n-gram up to ``max_words``;
    a gap between texts, so no n-gram spans the title and the summary."""
    offset = 0
    for text in texts:
        written = words_as_written(text)
        ws = [w for w, _ in written]
        for n in range(1, max_words + 1):
            for i in range(len(ws) - n + 1):
                yield offset + i, n, " ".join(ws[i : i + n]), written[i][1]
        offset += len(ws) + 1


@functools.cache
def _longest_country_name() -> int:
    return max(len(key.split()) for key in country_codes())


def _countries(texts: Sequence[str]) -> dict[str, str]:
    """ISO alpha-2 code -> the (folded) words naming it in the texts (a one-word name only capitalised)."""
    codes = country_codes()
    found: dict[str, str] = {}
    for _, n, key, spelling in _ngrams(texts, _longest_country_name()):
        if key in codes and (n > 1 or spelling[:1].isupper()):
            for code in sorted(codes[key]):
                found.setdefault(code, key)
    return found
