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

A registry label is read for what it is, whatever column holds it: an alias that is a company (an operator
label of any site, or the start of the site's own operator label, as "Vale" of "Vale Base Metals") is read
as an operator; a name or alias that is a town around several sites ("Kolwezi") as a place; a name one site
holds as its name and others only as an alias ("Marropino") names that site. An operator is not tied to any
site when the text names a mine or plant the registry does not hold ("Newmont's Batu Hijau mine", "la mina de
Brucutu") or, for an operator's only site, when it names countries and not the site's: the notice is about
that other operation, and the operator stays a mention.

Each operator in a text is read on its own, so two operators in one notice go to their own sites.

A site's name that lists several parts ("Bisie tin mine (Mpama North and Mpama South)") ties a notice naming
one of them as that part (``monitor.domain.PART_TIE``: its halt is a partial one); a dateline ("JOHANNESBURG
-") names no place; a country inside a company's name names no country; a province names its country.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from monitor.domain import PART_TIE, PLACE_TIE
from monitor.matching.facilities import facility_names
from monitor.matching.labels import (
    GENERIC_WORDS,
    country_codes,
    name_labels,
    operator_labels,
    place_names,
    province_countries,
    usable,
)
from monitor.textnorm import word_key, words, words_as_written

__all__ = ["NoticeLinks", "SiteTextIndex"]

#: An all-capital label this short counts only where the notice writes it in capitals too. Three-letter
#: tokens are mostly initialisms when capitalised and ordinary words or brands when not ("bhp" brake
#: horsepower, "pls", "Kia"); longer acronyms are often written like words ("Cmoc"), so they keep matching
#: in any case. An all-capital headline still matches: the stop-list is what keeps "KIA" out.
_SHORT_ACRONYM = 3
_NAME, _OPERATOR, _PLACE = 0, 1, 2
#: A news dateline opening a summary: "JOHANNESBURG -", "Rio de Janeiro -", "KINSHASA, 3 mars (Reuters) -".
_DATELINE = re.compile(
    r"^\s*[A-ZÀ-ÖØ-Þ][\w'’.]*(?:\s+(?:de|do|da|del|du|[A-ZÀ-ÖØ-Þ][\w'’.]*)){0,3}"
    r"(?:\s*,\s*[\w .]{1,25}?)?(?:\s*\([^)]{1,30}\))?\s*[-–—]\s"
)
_RANK = {"name": _NAME, "alias": _NAME, "part": _NAME, "operator": _OPERATOR, "place": _PLACE}


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
    #: Folded words of each site's name, generic words left out, to tell which of an operator's sites a
    #: mine named beside it is ("Implats ... its Rustenburg mine").
    name_words: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, sites: pd.DataFrame) -> SiteTextIndex:
        """Index sites (columns id, name, and optionally operator, aliases, places, country) for notices."""
        index = cls()
        rows = sites.to_dict("records")
        operators = {str(row["id"]): operator_labels(str(row.get("operator") or "")) for row in rows}
        around: dict[str, set[str]] = {}
        for row in rows:
            for p in _as_list(row.get("places")):
                around.setdefault(word_key(_place_name(p)), set()).add(str(row["id"]))
        shared_places = {key for key, ids in around.items() if len(ids) > 1}
        for row in rows:
            site_id = str(row["id"])
            names: list[tuple[str, str]] = name_labels(str(row.get("name") or ""))
            aliases = [str(a).strip() for a in _as_list(row.get("aliases"))]
            names += [("alias", a) for a in aliases]
            own = {word_key(o) for o in operators[site_id]}
            others = {
                _company_core(word_key(o)) for i, labels in operators.items() if i != site_id for o in labels
            }
            site = _SiteWords(word_key(names[0][1]), {word_key(a) for a in aliases}, own, others)
            index.name_words[site_id] = (
                frozenset(word_key(str(row.get("name") or "")).split()) - GENERIC_WORDS
            )
            entries = [(site.field(kind, word_key(label), shared_places), label) for kind, label in names]
            entries += [("operator", o) for o in operators[site_id]]
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

    def _company(self, key: str) -> bool:
        """Whether a registry label that is not only a town ("Rustenburg") reads ``key``: a company or a
        site's name."""
        return any(e.field != "place" for e in self.keys.get(key, ()))

    def _drop_defined_acronyms(
        self, groups: dict[tuple[int, str], list[_Hit]], texts: Sequence[str]
    ) -> dict[tuple[int, str], list[_Hit]]:
        """The hits, without an acronym the text spells out as another name: "Montepuez Ruby Mining
        Limitada (MRM)" is not McArthur River Mine's "MRM"."""
        defined = _defined_acronyms(texts)
        kept: dict[tuple[int, str], list[_Hit]] = {}
        for key, hits in groups.items():
            words = defined.get(key[1])
            mine = [h for h in hits if not words or words & self.name_words.get(h[2].site_id, frozenset())]
            if mine:
                kept[key] = mine
        return kept

    def _outside_name(self, entry: _Entry) -> bool:
        """An alias none of whose words is in the site's name ("Allkem" of Olaroz, not "Mpama South" of
        "Bisie tin mine (Mpama North and Mpama South)"): often a company or a former name."""
        ws = set(word_key(entry.label).split()) - GENERIC_WORDS
        return entry.field == "alias" and not ws & self.name_words.get(entry.site_id, frozenset())

    def _sites_named(self, facility: str, sites: Iterable[str]) -> list[str]:
        """Those of ``sites`` whose name holds every word of a mine the text names ("Rustenburg" of
        "Impala Rustenburg lease area")."""
        ws = set(word_key(facility).split()) - GENERIC_WORDS
        return sorted(s for s in sites if ws and ws <= self.name_words.get(s, frozenset()))

    def _other_facility(self, names: Sequence[str], operator_sites: set[str]) -> str:
        """A mine or plant the texts name (``names``) that no registry label names, nor the name of one
        of the sites of an operator the text names ("" when none)."""
        for name in names:
            if self._sites_named(name, operator_sites):
                continue
            if any(
                e.field == "place" and e.site_id in operator_sites for e in self.keys.get(word_key(name), ())
            ):
                continue  # "Minsur ... the Pisco smelter": the operator's plant in its site's town
            ws = word_key(name).split()
            if " ".join(ws) in place_names():
                continue  # "la mina de grafite de Moçambique" says where, not which
            # "Vale Sudbury Coleman mine", "a mina da Sigma Lithium": a company the registry knows, then
            # the mine's own name (or nothing but generic words, when the company is the mine's owner).
            known = max((n for n in range(1, len(ws) + 1) if self._company(" ".join(ws[:n]))), default=0)
            ws = ws[known:]
            if all(w in GENERIC_WORDS for w in ws):
                continue
            grams = {" ".join(ws[i:j]) for i in range(len(ws)) for j in range(i + 1, len(ws) + 1)}
            if ws and not any(_RANK[e.field] == _NAME for g in grams for e in self.keys.get(g, ())):
                return name
        return ""

    def _hits(self, texts: Sequence[str]) -> dict[tuple[int, str], list[_Hit]]:
        """Every key found in the texts (title words first), grouped by (rank, key)."""
        found: list[tuple[int, int, str, list[_Entry]]] = []
        for i, n, key, spelling in _ngrams(texts, self.max_words):
            entries = [e for e in self.keys.get(key, ()) if _written_as(e.case, spelling)]
            if entries:
                found.append((i, n, key, entries))
        groups: dict[tuple[int, str], list[_Hit]] = {}
        for i, n, key, entries in found:
            rank = min(_RANK[e.field] for e in entries)
            if any(
                j <= i and i + n <= j + m and m > n and min(_RANK[e.field] for e in longer) <= rank
                for j, m, _, longer in found
            ):
                continue  # inside a longer label as strong: "Vale" in "Vale do Jequitinhonha"
            for entry in entries:
                groups.setdefault((_RANK[entry.field], key), []).append((i, -n, entry))
        return groups

    def links(self, title: str, summary: str = "") -> NoticeLinks:
        """The sites a notice is about and the operators it names without one (the module's rules).

        A one-word name counts only capitalised, and an acronym of up to three letters only in capitals.
        Sites are sorted by strength (name or alias, operator, place), then id.
        """
        summary = _DATELINE.sub("", summary or "", count=1)  # where the story was filed, not the mine
        groups = self._drop_defined_acronyms(self._hits([title, summary]), [title, summary])
        # Word positions inside labels of two words or more: a country written there is a name's, not a place.
        covered = {
            i + k
            for group in groups.values()
            for i, minus_n, _ in group
            if minus_n < -1
            for k in range(-minus_n)
        }
        countries = _countries([title, summary], covered)
        provinces = _province_countries([title, summary], covered)
        best: dict[str, tuple[int, int, int, str]] = {}

        def tie(site_id: str, rank: int, hit: _Hit, matched_on: str) -> None:
            candidate = (rank, hit[0], hit[1], matched_on)
            if site_id not in best or candidate < best[site_id]:
                best[site_id] = candidate

        def of_rank(rank: int) -> list[list[_Hit]]:
            return [group for (r, _), group in sorted(groups.items()) if r == rank]

        operator_sites = {hit[2].site_id for group in of_rank(_OPERATOR) for hit in group}
        facilities = facility_names([title, summary])
        elsewhere = self._other_facility(facilities, operator_sites)
        mentions: list[str] = []
        for (rank, key), group in sorted(groups.items()):
            if rank != _NAME:
                continue
            companies = {h[2].site_id for h in groups.get((_OPERATOR, key), ())}
            for hit in _named_by(group, operator_sites):
                if elsewhere and hit[2].site_id in companies:
                    mentions.append(hit[2].label)  # the site's company, beside another of its mines
                    continue
                if elsewhere and self._outside_name(hit[2]):
                    continue  # a company or province listed as an alias ("Allkem" of Olaroz), by another mine
                on = PART_TIE if hit[2].field == "part" else f"{hit[2].field}: "
                tie(hit[2].site_id, _NAME, hit, f"{on}{hit[2].label}")
        named = set(best)
        placed: dict[str, _Hit] = {}
        for group in of_rank(_PLACE):
            for hit in group:
                if hit[2].site_id not in placed or hit < placed[hit[2].site_id]:
                    placed[hit[2].site_id] = hit
        for (rank, key), group in sorted(groups.items()):
            if rank != _OPERATOR or (_NAME, key) in groups:
                continue  # "McArthur River" names a mine before it names a company
            first = min(group)
            label = first[2].label
            sites = sorted({hit[2].site_id for hit in group})
            if named.intersection(sites):
                continue  # the text names its mine
            if elsewhere:
                mentions.append(label)  # the text names another of its operations
                continue
            if len(sites) == 1:
                named_lands = set(countries) | provinces
                if named_lands and self.country_of.get(sites[0]) not in named_lands:
                    mentions.append(label)  # its only site is not in the country the text names
                else:
                    tie(sites[0], _OPERATOR, first, f"operator: {label}")
                continue
            by_mine = {s: f"mine: {f}" for f in facilities for s in self._sites_named(f, sites)}
            if by_mine:
                for site_id, mine in by_mine.items():
                    tie(site_id, _OPERATOR, first, f"operator: {label} + {mine}")
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
        if best or elsewhere:
            # A place beside a named site is where it lies; beside a mine the registry does not hold
            # ("its Rustenburg platinum mine"), where that mine lies.
            return self._ordered(best, mentions)
        for group in of_rank(_PLACE):
            for hit in group:
                tie(hit[2].site_id, _PLACE, hit, f"{PLACE_TIE}{hit[2].label}")
        return self._ordered(best, mentions)

    @staticmethod
    def _ordered(best: dict[str, tuple[int, int, int, str]], mentions: list[str]) -> NoticeLinks:
        ordered = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
        return NoticeLinks([(site_id, value[3]) for site_id, value in ordered], list(dict.fromkeys(mentions)))

    def match(self, title: str, summary: str = "") -> list[tuple[str, str]]:
        """Sites a notice is about, as (site_id, matched_on) like ("bisie", "alias: Alphamin")."""
        return self.links(title, summary).sites


@dataclass(frozen=True)
class _SiteWords:
    """A site's own words, to tell what each of its name and alias labels really is."""

    name: str  # folded key of its name
    aliases: set[str]  # folded keys of its listed aliases
    own: set[str]  # folded keys of its operator labels
    others: set[str]  # folded keys of every other site's operator labels

    def field(self, field: str, key: str, shared_places: set[str]) -> str:
        """``field`` of a label, or what the label really is: a town around several sites ("place",
        "Kolwezi" of "Kolwezi artisanal cobalt zone"), unless the site lists it as an alias too ("Chipwi");
        a company ("operator"): another site's operator ("Minsur" as an alias of Pitinga) or the start of
        an operator's name ("Vale" of "Vale Base Metals", "Albemarle" of "Albemarle Limitada"). A label
        that starts the site's name stays a name ("Kamoto", "Mutanda"), and so does an alias that is only
        this site's own company ("KFM")."""
        if key in shared_places and key not in self.aliases:
            return "place"
        if field == "part" and (self.name == key or self.name.startswith(key + " ")):
            return "alias"  # "Kamoto" of "Kamoto Copper Company (..., Kamoto underground, ...)" is the site
        if field == "name" or self.name == key or self.name.startswith(key + " "):
            return field
        core = _company_core(key)
        if core in self.own and core not in self.others:
            return "alias" if field == "part" else field  # the site's own company ("Antam") is the site
        if core in self.others or any(
            o.startswith(core + " ") or o.endswith(" " + core) for o in self.own | self.others
        ):
            return "operator"  # "Vale" of "Vale Base Metals", "Minmetals" of "China Minmetals"
        return field


def _company_core(key: str) -> str:
    """A company label without its trailing generic words ("ivanhoe mines" -> "ivanhoe")."""
    ws = key.split()
    while len(ws) > 1 and ws[-1] in GENERIC_WORDS:
        ws.pop()
    return " ".join(ws)


def _named_by(group: list[_Hit], operator_sites: set[str]) -> list[_Hit]:
    """The hits of one name key that name a site: a site's own name over others' alias ("Marropino"), and of
    a name several sites share ("Salar de Atacama"), those whose operator the text also names."""
    names = [hit for hit in group if hit[2].field == "name"]
    if names:
        group = names
    operated = [hit for hit in group if hit[2].site_id in operator_sites]
    if operated and len({hit[2].site_id for hit in group}) > 1:
        group = operated
    return group


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


_DEFINED_ACRONYM = re.compile(r"((?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\s+){1,6})\(([A-Z]{2,5})\)")


def _defined_acronyms(texts: Sequence[str]) -> dict[str, frozenset[str]]:
    """Folded acronyms the texts spell out ("Montepuez Ruby Mining Limitada (MRM)") -> the folded words of
    the name they stand for, generic words left out."""
    out: dict[str, frozenset[str]] = {}
    for text in texts:
        for m in _DEFINED_ACRONYM.finditer(text or ""):
            name, acronym = m.group(1).split(), m.group(2)
            initials = iter(w[0].upper() for w in name)
            if all(letter in initials for letter in acronym):  # the letters, in order, among the initials
                out[word_key(acronym)] = frozenset(word_key(m.group(1)).split()) - GENERIC_WORDS
    return out


def _province_countries(texts: Sequence[str], covered: set[int]) -> set[str]:
    """ISO alpha-2 codes of the countries whose provinces the texts name capitalised ("estado de Goiás")."""
    provinces = province_countries()
    return {
        provinces[key]
        for i, n, key, spelling in _ngrams(texts, _longest_province_name())
        if key in provinces and spelling[:1].isupper() and not covered.intersection(range(i, i + n))
    }


@functools.cache
def _longest_province_name() -> int:
    return max(len(key.split()) for key in province_countries())


@functools.cache
def _longest_country_name() -> int:
    return max(len(key.split()) for key in country_codes())


def _countries(texts: Sequence[str], covered: set[int]) -> dict[str, str]:
    """ISO alpha-2 code -> the (folded) words naming it in the texts (a one-word name only capitalised), but
    not inside a longer registry label (word positions ``covered``: "China" of "China Minmetals")."""
    codes = country_codes()
    found: dict[str, str] = {}
    for i, n, key, spelling in _ngrams(texts, _longest_country_name()):
        if covered.intersection(range(i, i + n)):
            continue
        if key in codes and (n > 1 or spelling[:1].isupper()):
            for code in sorted(codes[key]):
                found.setdefault(code, key)
    return found
