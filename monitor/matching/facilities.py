"""Names of mines and plants as a notice writes them: "Newmont's Batu Hijau open pit mine", "the Coleman
Mine", "la mina de Brucutu", "la mine d'uranium d'Arlit", "the Altonorte smelter".

The site linker (``monitor.matching.notices``) asks whether a text names an operation the registry does not
hold: then an operator named beside it is that operation's, not one of its registry sites'. Only capitalised
names count, so "a copper mine", "its Congolese mine" and "la mine" name nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.matching.labels import place_names
from monitor.textnorm import word_key

__all__ = ["facility_names"]

_FACILITY = r"(?:mines?|smelters?|refiner(?:y|ies)|mills?|complex|projects?|operations|ops)"
_MATERIAL = (
    r"(?:open[- ]pit|underground|copper|gold|silver|iron|ore|tin|nickel|zinc|lithium|uranium|coal|graphite"
    r"|platinum|cobalt|tungsten|manganese|rare earths?|copper-gold|gold-copper|and|&)"
)
_CAPITAL = "A-ZÀ-ÖØ-Þ"
# A currency before an amount ("US$ 10,000 millones") is no name.
# A word of a name: capitalised, with a dot only as an abbreviation ("Mt.", "St."), never a sentence's end.
_NAME_WORD = rf"[{_CAPITAL}](?:\w?\.|[\w'’-]*)"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}(?![\w'’.-]*\$)"
# English puts the name before: "the Batu Hijau open pit mine".
# A capitalised "Mines" after a name is a company ("Ivanhoe Mines"), not a mine.
_BEFORE = re.compile(rf"\b({_NAME})\s+(?:(?i:{_MATERIAL})\s+){{0,4}}(?!Mines\b)(?i:{_FACILITY})\b")
# French, Spanish and Portuguese after: "la mina de Brucutu", "la mine d'uranium d'Arlit", "usina Pitinga".
_ROMANCE_FACILITY = (
    r"(?:mines?|minas?|usines?|usinas?|fonderies?|fundici[oó]n|fundi[cç][aã]o|raffinerie|affinerie|refiner[ií]a|complexe"
    r"|complejos?|complexos?|complexes|yacimientos?|jazidas?|gisements?|proyectos?|projetos?|projets?"
    r"|(?:opera[cç](?:[aã]o|[oõ]es)|operaci[oó]n(?:es)?|op[ée]rations?)\s+(?:em|en|[àa]|de))"
)
_ROMANCE_MATERIAL = (
    r"(?:min[ée]rio de ferro|mineral de hierro|minerai de fer|min[ée]rio"
    r"|[ée]tain|cuivre|cobre|ouro|oro|or|grafite|graphite|uranium|urânio|nickel|n[ií]quel|fer|ferro|hierro"
    r"|l[ií]tio|lithium|cobalt|cobalto|zinc|zinco|plata|prata|charbon|carb[oó]n|carv[aã]o|rubis|rub[ií]es"
    r"|coltan|estanho|esta[nñ]o|manganèse|manganeso|mangan[eê]s|tungst[eè]ne|tungsteno|volfr[aâ]mio)"
)
_LINK = r"(?:d['’]|de\s+|du\s+|del\s+|da\s+|do\s+)"
# What stands between the word for a mine and its name: "de cobre e ouro", "a céu aberto", "subterránea".
_ROMANCE_BETWEEN = (
    rf"(?:(?i:{_LINK}|e\s+|y\s+|et\s+)?{_ROMANCE_MATERIAL}\s+"
    r"|(?i:a\s+c[ée]u\s+aberto|a\s+cielo\s+abierto|a\s+ciel\s+ouvert|subterr[aâá]ne[ao]s?|souterraine?)\s+)"
)
_AFTER = re.compile(rf"(?i:\b{_ROMANCE_FACILITY})\s+{_ROMANCE_BETWEEN}{{0,4}}(?i:{_LINK})?({_NAME})")
#: Words a capitalised run may start with that are not part of a name (a headline's or a sentence's first
#: word, an article, a country's adjective).
_NOT_NAMES = frozenset(
    re.findall(
        r"\S+",
        """the its their our his her this that a an at in of on to from for by world's world giant key largest
    biggest second third major top new old main former mexico's peru's chile's brazil's
    indonesian chilean peruvian congolese brazilian mexican australian canadian chinese zambian mozambican
    bolivian argentine argentinian panamanian nigerien malian namibian african american russian philippine
    zimbabwean rwandan kazakh mongolian indian portuguese spanish french german polish south north east west
    la le les el los las o os a as une un uma um sa son sua seu su""",
    )
)


#: A region, not a mine: "la mayor mina de cobre de América Central".
_CONTINENTS = frozenset(
    re.findall(r"\S+", "america amerique africa afrique asia asie europe europa oceania oceanie")
)


def _clean(name: str) -> str:
    words = name.replace("’", "'").split()
    while words and (words[0].lower() in _NOT_NAMES or words[0].lower().rstrip("'s") in _NOT_NAMES):
        words.pop(0)
    if words and words[0].lower().endswith(("'s", "’s")):
        words.pop(0)  # "Newmont's Batu Hijau mine": the owner, then the mine
    if words and word_key(words[0]) in _CONTINENTS:
        return ""
    return " ".join(words).strip(" .,'-")


def facility_names(texts: Sequence[str]) -> list[str]:
    """The capitalised names of mines, plants and smelters the texts write, in order (possessives and
    leading articles dropped). A place written with such a word ("Minas Gerais") is no mine."""
    found: list[str] = []
    for text in texts:
        for pattern in (_BEFORE, _AFTER):
            for m in pattern.finditer(text or ""):
                if word_key(m.group()) not in place_names():
                    found.append(_clean(m.group(1)))
    return [name for name in dict.fromkeys(found) if name]
