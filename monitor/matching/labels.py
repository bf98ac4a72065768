"""The words that name a site in text: its name and aliases, its operator's company names, the places and
countries around it, and the words that never name anything (``GENERIC_WORDS``, ``OPERATOR_STOP_WORDS``)."""

from __future__ import annotations

import functools
import gettext
import re

import pycountry

from monitor.textnorm import word_key, words

__all__ = [
    "GENERIC_WORDS", "MAX_KEY_WORDS", "OPERATOR_STOP_WORDS", "country_codes", "name_labels",
    "operator_labels", "place_names", "usable",
]  # fmt: skip


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
MAX_KEY_WORDS = 6
_STAKE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _trim(label: str, tail: frozenset[str], head: frozenset[str] = frozenset()) -> str:
    """Drop generic words at the end (and given ones at the start), keeping the original spelling."""
    tokens = label.replace("&", " & ").split()
    while tokens and (word_key(tokens[-1]) in tail or not word_key(tokens[-1])):
        tokens.pop()
    while tokens and word_key(tokens[0]) in head:
        tokens.pop(0)
    return " ".join(tokens).strip(" .,:;-")


def usable(key: str) -> bool:
    """A key that can identify something: not too short, not only generic words or numbers."""
    parts = key.split()
    return (
        0 < len(parts) <= MAX_KEY_WORDS
        and len(key.replace(" ", "")) >= 3
        and any(w not in GENERIC_WORDS and not w.isdigit() for w in parts)
    )


#: How the news names some countries where ISO 3166 and its translations do not (folded word keys).
_COUNTRY_ALIASES: dict[str, str] = {
    "drc": "CD", "rdc": "CD", "dr congo": "CD", "rd congo": "CD", "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD", "republique democratique du congo": "CD",
    "republica democratica del congo": "CD", "republica democratica do congo": "CD", "congo kinshasa": "CD",
    "congo": "CD CG", "myanmar": "MM", "burma": "MM", "birmanie": "MM", "russia": "RU", "russie": "RU",
    "bolivia": "BO", "bolivie": "BO", "vietnam": "VN", "viet nam": "VN", "new caledonia": "NC",
    "nouvelle caledonie": "NC", "nueva caledonia": "NC",
}  # fmt: skip


#: Provinces as the news names them where ISO 3166-2 spells them otherwise (folded).
_PROVINCE_ALIASES = frozenset({"inner mongolia", "north kivu", "south kivu", "nord kivu", "sud kivu"})


@functools.cache
def country_codes() -> dict[str, frozenset[str]]:
    """Folded country names (English, French, Spanish, Portuguese; ISO 3166 via pycountry, plus the news'
    own spellings such as "DRC" or "RDC") -> the ISO alpha-2 codes they may stand for.

    Cached: reading the tables takes a few tenths of a second.
    """
    catalogs = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in _COUNTRY_NAME_LANGUAGES
    ]
    codes: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                for spelling in (name, *(catalog.gettext(name) for catalog in catalogs)):
                    codes.setdefault(word_key(spelling), set()).add(country.alpha_2)
    for key, aliases in _COUNTRY_ALIASES.items():
        codes.setdefault(key, set()).update(aliases.split())
    codes.pop("", None)
    return {key: frozenset(value) for key, value in codes.items()}


@functools.cache
def place_names() -> frozenset[str]:
    """Folded names of the countries (``country_codes``) and their top-level provinces (ISO 3166-2): a
    country or province alone never identifies an operator."""
    names = set(country_codes())
    names.update(word_key(s.name) for s in pycountry.subdivisions if not s.parent_code)
    names.update(_PROVINCE_ALIASES)
    names.discard("")
    return frozenset(names)


@functools.cache
def province_countries() -> dict[str, str]:
    """Folded names of top-level provinces (ISO 3166-2) that belong to one country only -> its ISO alpha-2
    code ("goias" -> "BR", "para" -> "BR"): where a text names a province, it names its country."""
    found: dict[str, set[str]] = {}
    for s in pycountry.subdivisions:
        if not s.parent_code and (key := word_key(s.name)):
            found.setdefault(key, set()).add(s.country_code)
    return {
        key: next(iter(codes))
        for key, codes in found.items()
        if len(codes) == 1 and key not in country_codes() and not set(key.split()) <= _COMMON_PROVINCE_WORDS
    }


#: Words some provinces are named by alone ("Sud", "Central", "Capital"), which a text mostly writes as
#: ordinary words ("l'usine du Sud", "America Central").
_COMMON_PROVINCE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """north south east west northern southern eastern western central centre center centro capital
    nord sud
    est ouest norte sur este oeste leste littoral coast coastal plateau plateaux lakes lagunes maritime
    savanes highlands lowlands upper lower haut bas alto bajo baixo grand""",
    )
)


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
    """(field, label) keys of a site name: the name without its parentheses, and each item inside: a
    ``part`` of the site where the parentheses list several names ("Bisie tin mine (Mpama North and Mpama
    South)", "Collahuasi (Rosario and Ujina pits)"), else an ``alias`` ("Tenke Fungurume (TFM)", "Rossing
    (SJ pit)": its one pit is the mine). An acronym stays an alias (it is mostly the company: "KNS"), and a
    country or province named there is where the site lies, not another name of it.
    """
    outside, groups = _split_groups(name)
    labels = [("name", _trim(outside, _NAME_TAIL))]
    for group in groups:
        items = [item for item in _PARENTHESIS_ITEM.split(group) if item.strip()]
        several = sum(1 for item in items if not _ACRONYM.fullmatch(_trim(item, _NAME_TAIL).strip())) > 1
        for item in items:
            label = _trim(item, _NAME_TAIL)
            if word_key(label) in place_names():  # "(...; Minas Gerais)" says where, not which mine
                continue
            if set(word_key(label).split()) <= _PART_KIND_WORDS:
                continue  # "(open pit and Hugo North underground)": "open pit" names no part
            part = several and not _ACRONYM.fullmatch(label.strip())
            labels.append(("part" if part else "alias", label))
    return labels


_PART_KIND_WORDS = frozenset(
    {"open", "pit", "pits", "shaft", "shafts", "underground", "plant", "mine", "mines"}
)
_PARENTHESIS_ITEM = re.compile(r"[,;+/:]|\s-\s|\bvs\.?\s|\s(?:and|et|y|e)\s|\bincl\.?\s")
_ACRONYM = re.compile(r"[A-Z0-9-]{2,6}")


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
