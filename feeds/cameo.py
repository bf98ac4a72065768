"""CAMEO event codes of the conflict roots 14-20 -> the ACLED event taxonomy used across minewatch.

GDELT codes every event with a CAMEO code (root 2 digits, base 3, leaf 4). Only roots 14-20 describe
protest, force, coercion and violence; they map onto ACLED types as follows, family by family:

==========  ==========================================  =============================================
root        CAMEO family                                ACLED type
==========  ==========================================  =============================================
14          Protest                                     protests; 145x (violent protest, riot): riots
15          Exhibit force posture (alerts, mobilising)  strategic_developments: no violence yet
16          Reduce relations (sanctions, expulsions)    strategic_developments: political, not armed
17          Coerce (seizures, curfews, arrests)         strategic_developments, as ACLED files arrests
                                                        and looting/property destruction; 175 (violent
                                                        repression): violence_against_civilians
18          Assault (abduction, assault, killing)       violence_against_civilians; 183x (bombings):
                                                        explosions_remote_violence
19          Fight (conventional force, blockade,        battles; 194 (artillery, tanks) and 195x
            occupation, small arms)                     (aerial weapons): explosions_remote_violence
20          Unconventional mass violence                violence_against_civilians
==========  ==========================================  =============================================

A code is typed by its longest listed prefix, so an unlisted leaf (say 1955) falls back to its base or root.

Which codes are incidents
-------------------------
Only physical violence, or force that directly threatens it at a place, is an incident minewatch places
near a mine. ``VIOLENCE_PREFIXES`` keeps:

==========  ===============================================================================================
145x        violent protest, riot: people hurt or property damaged in the street
1712        destroy property: physical damage (ACLED's looting/property destruction)
175         violent repression: force used on people
18x         assault: abduction, assault, torture, killing, bombing, human shields, assassination
19x         fight: conventional force, blockade by force (191: the direct threat to anyone who passes),
            occupation (192: a takeover), small arms, artillery, air strikes, ceasefire violations
20x         unconventional mass violence: expulsions, mass killings, ethnic cleansing, WMD
==========  ===============================================================================================

and leaves out, although they sit in roots 14-20:

- 140-144 demonstrations, hunger strikes, strikes, "obstruct passage": political acts, mostly peaceful, and
  GDELT's "block" is as often a bill as a road (blockades at a mine come from ACLED and the notices);
- 15x force posture (alerts, mobilisation): readiness, not an incident; GDELT codes troop movements and
  even withdrawals as 154;
- 16x reduced relations (sanctions, aid cuts, expulsions of diplomats): diplomacy, not a place;
- 170, 171, 1711 coercion and seizure of property (mostly confiscations by courts and customs), 172x
  administrative sanctions (visa, bans, curfews, states of emergency), 173 arrests, 174 deportations,
  176 cyber attacks: policy and policing, not violence at a place (the measured false positive was a visa
  story, CAMEO 172, pinned on a town near a lithium mine).

Root 13's threats (138 "threaten with military force") are words, not force at a place, and stay out.
"""

from __future__ import annotations

import pandas as pd

#: The CAMEO roots minewatch keeps.
CONFLICT_ROOTS: frozenset[str] = frozenset({"14", "15", "16", "17", "18", "19", "20"})

#: CAMEO code prefixes that are physical violence or its direct threat (see the module docstring).
VIOLENCE_PREFIXES: tuple[str, ...] = ("145", "1712", "175", "18", "19", "20")

#: ACLED type by CAMEO code prefix (root, base or leaf); the longest matching prefix wins.
_TYPE_BY_PREFIX: dict[str, str] = {
    "14": "protests",
    "145": "riots",
    "15": "strategic_developments",
    "16": "strategic_developments",
    "17": "strategic_developments",
    "175": "violence_against_civilians",
    "18": "violence_against_civilians",
    "183": "explosions_remote_violence",
    "19": "battles",
    "194": "explosions_remote_violence",
    "195": "explosions_remote_violence",
    "20": "violence_against_civilians",
}

#: Short CAMEO descriptions (the codebook's names without "not specified below").
DESCRIPTIONS: dict[str, str] = {
    "14": "Protest",
    "140": "Engage in political dissent",
    "141": "Demonstrate or rally",
    "1411": "Demonstrate for leadership change",
    "1412": "Demonstrate for policy change",
    "1413": "Demonstrate for rights",
    "1414": "Demonstrate for change in institutions, regime",
    "142": "Conduct hunger strike",
    "1421": "Conduct hunger strike for leadership change",
    "1422": "Conduct hunger strike for policy change",
    "1423": "Conduct hunger strike for rights",
    "1424": "Conduct hunger strike for change in institutions, regime",
    "143": "Conduct strike or boycott",
    "1431": "Conduct strike or boycott for leadership change",
    "1432": "Conduct strike or boycott for policy change",
    "1433": "Conduct strike or boycott for rights",
    "1434": "Conduct strike or boycott for change in institutions, regime",
    "144": "Obstruct passage, block",
    "1441": "Obstruct passage to demand leadership change",
    "1442": "Obstruct passage to demand policy change",
    "1443": "Obstruct passage to demand rights",
    "1444": "Obstruct passage to demand change in institutions, regime",
    "145": "Protest violently, riot",
    "1451": "Engage in violent protest for leadership change",
    "1452": "Engage in violent protest for policy change",
    "1453": "Engage in violent protest for rights",
    "1454": "Engage in violent protest for change in institutions, regime",
    "15": "Exhibit force posture",
    "150": "Demonstrate military or police power",
    "151": "Increase police alert status",
    "152": "Increase military alert status",
    "153": "Mobilize or increase police power",
    "154": "Mobilize or increase armed forces",
    "155": "Mobilize or increase cyber-forces",
    "16": "Reduce relations",
    "160": "Reduce relations",
    "161": "Reduce or break diplomatic relations",
    "162": "Reduce or stop material aid",
    "1621": "Reduce or stop economic assistance",
    "1622": "Reduce or stop military assistance",
    "1623": "Reduce or stop humanitarian assistance",
    "163": "Impose embargo, boycott, or sanctions",
    "164": "Halt negotiations",
    "165": "Halt mediation",
    "166": "Expel or withdraw",
    "1661": "Expel or withdraw peacekeepers",
    "1662": "Expel or withdraw inspectors, observers",
    "1663": "Expel or withdraw aid agencies",
    "17": "Coerce",
    "170": "Coerce",
    "171": "Seize or damage property",
    "1711": "Confiscate property",
    "1712": "Destroy property",
    "172": "Impose administrative sanctions",
    "1721": "Impose restrictions on political freedoms",
    "1722": "Ban political parties or politicians",
    "1723": "Impose curfew",
    "1724": "Impose state of emergency or martial law",
    "173": "Arrest, detain, or charge with legal action",
    "174": "Expel or deport individuals",
    "175": "Use tactics of violent repression",
    "176": "Attack cybernetically",
    "18": "Assault",
    "180": "Use unconventional violence",
    "181": "Abduct, hijack, or take hostage",
    "182": "Physically assault",
    "1821": "Sexually assault",
    "1822": "Torture",
    "1823": "Kill by physical assault",
    "183": "Conduct suicide, car, or other non-military bombing",
    "1831": "Carry out suicide bombing",
    "1832": "Carry out vehicular bombing",
    "1833": "Carry out roadside bombing",
    "1834": "Carry out location bombing",
    "184": "Use as human shield",
    "185": "Attempt to assassinate",
    "186": "Assassinate",
    "19": "Fight",
    "190": "Use conventional military force",
    "191": "Impose blockade, restrict movement",
    "192": "Occupy territory",
    "193": "Fight with small arms and light weapons",
    "194": "Fight with artillery and tanks",
    "195": "Employ aerial weapons",
    "1951": "Employ precision-guided aerial munitions",
    "1952": "Employ remotely piloted aerial munitions",
    "196": "Violate ceasefire",
    "20": "Use unconventional mass violence",
    "200": "Use unconventional mass violence",
    "201": "Engage in mass expulsion",
    "202": "Engage in mass killings",
    "203": "Engage in ethnic cleansing",
    "204": "Use weapons of mass destruction",
    "2041": "Use chemical, biological, or radiological weapons",
    "2042": "Detonate nuclear weapons",
}


def _longest_prefix(code: str, table: dict[str, str]) -> str | None:
    for length in range(len(code), 1, -1):
        if code[:length] in table:
            return table[code[:length]]
    return None


def event_type(code: str) -> str | None:
    """The ACLED type of a CAMEO code, or None when its root is outside 14-20."""
    return _longest_prefix(code, _TYPE_BY_PREFIX) if code[:2] in CONFLICT_ROOTS else None


def is_violence(code: str) -> bool:
    """Whether a CAMEO code is physical violence or its direct threat (``VIOLENCE_PREFIXES``)."""
    return code.startswith(VIOLENCE_PREFIXES)


def sub_type(code: str) -> str:
    """The sub_type text minewatch stores for a CAMEO code, e.g. 'CAMEO 193: Fight with small arms ...'."""
    description = _longest_prefix(code, DESCRIPTIONS)
    return f"CAMEO {code}: {description}" if description else f"CAMEO {code}"


def violence_mask(codes: pd.Series) -> pd.Series:
    """Vectorised ``is_violence`` of a column of codes (each distinct code looked up once)."""
    distinct = pd.unique(codes.to_numpy())
    return codes.map({code: is_violence(str(code)) for code in distinct}).astype(bool)


def classify(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised ``event_type`` and ``sub_type`` of a column of codes (each distinct code looked up once)."""
    distinct = pd.unique(codes.to_numpy())
    types = {code: event_type(code) or "" for code in distinct}
    subs = {code: sub_type(code) for code in distinct}
    return codes.map(types).astype(str), codes.map(subs).astype(str)
