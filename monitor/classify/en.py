"""English cue words (operators' releases, wires, trade press)."""

from __future__ import annotations

from monitor.classify.lexicon import Lexicon

_GUIDANCE_NOUN = (
    r"(?:guidance|outlook|forecasts?|targets?|estimates?|projections?|production range|expectations"
    r"|(?<=production )plans?|(?<=output )plans?)"
)
# Words allowed between a verb and its guidance noun ("cuts its 2025 copper production and sales guidance").
_GMODS_WORDS = (
    r"(?:(?:its|the|our|their|a|full-year|full|year|annual|fiscal|fy\d*|\d{4}|h[12]|q[1-4]|production|output"
    r"|sales|shipments?|copper|cobalt|tin|zinc|nickel|lithium|uranium|graphite|gold|silver|spodumene|tungsten"
    r"|tantalum|platinum|pgm|iron|ore|concentrate|cost|capex|consolidated|previous|prior|earlier|initial"
    r"|and|financial|operating|quarterly|group|mine|u3o8|\d{4}-\d{2,4}|fourth|third|second|first|quarter"
    r"|for)\s+){0,7}"
)
# Any words but those that end a guidance phrase ("reduced in line with guidance" is no cut).
_GMODS = (
    r"(?:(?!(?:in|with|despite|as|at|by|to|than|line|unchanged|while|but|maintain\w*|reiterat\w*)\s)"
    r"[\w'.,-]+\s+){0,9}?"
)
_CUT = (
    r"(?:cut(?:s|ting)?|lower(?:s|ed|ing)?|reduc(?:e|es|ed|ing)|downgrad\w*|slash\w*|trim(?:s|med|ming)?"
    r"|withdr[ae]w\w*|pull(?:s|ed|ing)?|suspend(?:s|ed|ing)?|scrap\w*|revis\w*\s+down\w*|discontinu\w*)"
)

EN = Lexicon(
    language="en",
    stop=(
        r"suspend(?:s|ed|ing)?|(?:temporar(?:y|ily)\s+)?halt(?:s|ed|ing)|paus(?:e|es|ed|ing)"
        r"|shut(?:s|ting)?\s+down|shut(?:s|ting)?|shuttered|idl(?:e|es|ed|ing)|standstill|force majeure"
        r"|care (?:and|&) maintenance|unable to(?= (?:export|ship))|offline|out of (?:action|operation)"
        r"|brought to a stop|mothball\w*"
        r"|only (?:critical|essential|minimal) (?:activities|operations|work)"
        r"|clos(?:e|es|ed|ing) (?:its|their) doors|(?:went|go|goes|going|are|were|is) on strike"
        # Headline strikes without a verb ("Escondida workers on strike") and walkouts.
        r"|(?:workers|miners|employees|staff|union members) on strike|walk(?:s|ed|ing)? off (?:the )?jobs?"
        r"|(?:operat\w*|running|run|runs) at (?:half|reduced|partial) (?:its )?capacity"
        r"|(?:began|begin|begins|start\w*|launch\w*) (?:an? )?(?:indefinite )?strike|strike at the mine"
    ),
    stop_noun=r"suspensions?|halt|shut-?downs?|stoppages?",
    stop_weak=(
        # "close to the mine" is near it.
        r"stop(?:s|ped|ping)?|ceas(?:e|es|ed|ing)|clos(?:e|es|ed|ing|ure)(?!\s+to\b)|interrupt(?:s|ed|ion"
        r"|ions)?"
        r"|block(?:s|ed|ing)?|stranded|stuck|held up|switch(?:es|ed|ing)? off|ban(?:s|ned|ning)?|prohibit\w*"
    ),
    resume=(
        r"resum(?:e|es|ed|ing|ption)|re-?start(?:s|ed|ing)?|re-?open(?:s|ed|ing)?|reopening"
        r"|back (?:in|into|to|on) (?:operation|production|full|line|stream|normal)\w*"
        r"|return(?:s|ed|ing)? to (?:production|operation|normal)\w*|recommission\w*|recommenc\w*"
        r"|restor(?:e|es|ed|ing) (?:\S+\s+){0,2}?(?:production|operations|output)|back online"
        r"|bring\w* (?:\S+\s+){0,4}?back (?:online|into production|on ?stream|on line)"
        r"|return(?:s|ed|ing)? to work|back to work"
        r"|return\w* (?:staff |workers |employees )?to (?:the |its )?(?:\S+ ){0,3}?(?:mine|site|operations)"
        r"|(?:head|heads|heading|headed|go|goes|going|went) back to"
    ),
    lifted=(
        r"(?:lift|end|withdr[ae]w|remov)\w*\s+(?:\S+\s+){0,3}?(?:of\s+)?(?:the\s+)?"
        r"(?:force majeure|suspension|strike|stoppage)"
        r"|(?:force majeure|suspension|strike)\s+(?:is\s+|was\s+|has been\s+|had been\s+)?"
        r"(?:lifted|ended|withdrawn|removed|called off|suspended)|call\w* off (?:the |a |their |its )?strike"
        r"|suspen\w* (?:of )?(?:the |a |their |its )?(?:strike|force majeure)"
        r"|strike (?:is |was |now )?over(?=\s*(?:$|[,.;:]))"
        r"|strike (?:\S+ ){0,4}?(?:ends|ended|has ended|comes to an end|came to an end|has come to an end)"
    ),
    evacuate=r"evacuat(?:e|es|ed|ing|ion|ions)",
    flee=r"fle(?:e|es|d|eing)",
    civilians=r"people|residents|villagers|families|civilians|displaced|population|inhabitants",
    evacuate_weak=(
        r"left|leav(?:e|es|ing)|relocat\w*|withdr[ae]w\w*|mov(?:e|es|ed|ing)|pull(?:s|ed|ing)? out"
        r"|fl(?:y|ew|own) out|airlift\w*|rescu\w*"
    ),
    guidance=(
        rf"{_CUT}\s+{_GMODS}{_GUIDANCE_NOUN}"
        rf"|{_GUIDANCE_NOUN}\b[^.;]{{0,100}}?\s(?:has|have|had) been (?:cut|lowered|reduced|downgraded"
        r"|withdrawn|slashed|trimmed)"
        rf"|{_GUIDANCE_NOUN}\s+(?:is\s+|was\s+|has been\s+|have been\s+)?(?:cut|lowered|reduced|downgraded"
        r"|withdrawn|slashed|trimmed|revised down\w*)"
        rf"|revis\w*\s+{_GMODS}{_GUIDANCE_NOUN}\s+(?:down(?:ward)?s?|lower)"
        r"|down from (?:an?\s+|its\s+|the\s+)?(?:earlier|previous|prior) (?:forecast|guidance|estimate)\w*"
        r"|warn\w* of (?:a |an )?(?:lower|weaker|reduced) (?:\S+ )?(?:output|production)"
        r"|(?:revising|reviewing) (?:its |the )?(?:\S+ ){0,3}?(?:guidance|forecasts?|outlook)"
        r"|(?:below|less than|lower than) (?:its |the )?(?:initial|original|earlier|previous) "
        r"(?:plans?|forecasts?|targets?|guidance)"
    ),
    objects={
        "ops": (
            r"operations?|operating|activit(?:y|ies)|production|producing|output|mines?|works?"
            r"|mining(?! (?:company|companies|firm|group|giant|major|sector|ministry|minister|code"
            r"|licen[cs]es?"
            r"|town|area|region|district|corridor|concessions?|permits?|royalt\w*|industry|houses?|agency))"
            r"|site|processing|extraction|pumping|digging|operate|produce"
            r"|processing (?:plant|facilit(?:y|ies))"
            # The plant of a processing site is the site: "nickel plant", "alumina refinery".
            r"|(?:nickel|ferronickel|cobalt|alumina|lithium hydroxide) (?:plant|refinery|processing plant)"
        ),
        "part": (
            r"underground|(?:mine)?shafts?|plants?|mills?|concentrators?|lines?|levels?|sections?|smelters?"
            r"|refiner(?:y|ies)|furnaces?|kilns?|circuits?|units?|stopes?|tunnels?|hpal|autoclaves?|blocks"
            r"|phases?|dredges?|conveyo?e?rs?(?: belts?)?"
            # "the north pit", not "its open pit mine".
            r"|(?<!open )(?<!open-)pits?"
        ),
        "export": (
            r"exports?|exporting|shipments?|shipping|deliver(?:y|ies)|sales|offtake|supply contracts"
            r"|contracted supplies|customers|trucking|haulage|port|consignments?|logistic\w*|rail(?:way)?"
            r"|pipeline|dock ?workers|port workers|rail line|railway line"
        ),
        "product": r"concentrates?|cargo(?:es)?|cathodes?|yellowcake|ore|tonnes",
        # "on strike to protest layoffs": a verb, not the object.
        # "strike-hit mine": an adjective, not what stops.
        "protest": r"(?<!to )protests?|blockades?|strikes?(?!-)|measures?|action|demonstrations?|sit-ins?",
        "access": (
            r"access|roads?|routes?|highways?|corridor|traffic|services|internet|entr(?:ances?|yways?)|gates?"
            r"|convoys?"
        ),
        "project": (
            r"construction|expansion|development|projects?|exploration|drilling|opening|studies|study"
            r"|dewatering|pumping (?:of )?water|pumping (?:\S+ )?out|pumping(?=[^.]*\bflood)"
            r"|(?:water )?inflows?|ingress"
        ),
        "funding": r"funding|financing|investments?|payments?",
        "decline": r"declines?|fall|slide|drop|slump",
        "visit": r"visits?|tours?|visitors",
        "trading": r"trading|shares?|stock|listing",
        "talks": (
            r"talks|negotiations?|auctions?|tenders?|dialogue|discussions|mediation|arbitration|lawsuit"
            r"|litigation"
            r"|(?:legal )?proceedings|claims?|ruling|injunction"
        ),
        "staff": (
            r"staff|personnel|employees|workers|workforce|expatriates?|contractors|miners|diggers"
            r"|crews?|teams?|traders"
        ),
    },
    partial=(
        r"one of (?:the|its|our|their)\s+(?:\S+\s+){0,2}(?:plants|lines|shafts|concentrators|mills|kilns"
        r"|furnaces|levels|units|smelters|trains)"
        r"|(?:line|level|shaft|unit|plant|kiln|furnace|train) (?:no\.?\s*)?\d+|partial(?:ly)?(?! lockdown)"
        r"|(?:in|at) (?:the|an|one|some|certain) areas?\b|(?:certain|some) (?:areas|operations|sections)"
        r"|(?<!in )(?<!at )part of (?:its|the)"
        r"|(?:no\.?\s*)?\d+\s+(?:shaft|level|line|plant|furnace)(?!s)"
        r"|(?:half|reduced) (?:of )?(?:its )?capacity|(?:cut|reduc)\w* (?:its )?(?:processing "
        r"|production )?capacity|(?:at|in) part of"
        r"|\b[1-9]\d?\s*%\s*(?:and|to)\s*[1-9]\d?\s*%(?=\s+(?:\S+\s+){0,2}?(?:of|de|da|do|du"
        r"|des)\s+(?:\S+\s+)?(?:production|output|capacity|produccion|capacidad|producao|capacidade|capacite"
        r"|operations|operaciones|operacoes))"
        r"|\b[1-9]\d?\s*(?:%|percent|per cent) of its (?:production|output|capacity)"
        r"|(?:one|some|several|two|three) (?:of (?:the|its) )?(?:\S+\s+)?(?:pits|areas|zones|sections|shafts"
        r"|lines|plants)"
    ),
    object_end=(
        r"after|for|due|because|following|amid|as|since|until|during|while|over|by|from|pending|despite"
    ),
    # "Glencore to mothball ..." but not "forced to", "decided to", "had to", "force MMG to".
    # "set to halt" and "poised to" are a step about to happen, not a plan.
    plan=(
        r"^(?!.*\b(?:forc|order|compel|oblig|decid|had|has|have|began|start|mov|agre|made|about|prompt|led"
        r"|lead|caus)\w*\s)"
        r".*\sto(?:\s+\w+ly)?"
    ),
    negation=(
        r"no(?!\.?\s*\d)|not|exempt\w*|eas(?:e|es|ed|ing)|never|without|nor|neither|n't|rul(?:e|es|ed) out"
        r"|den(?:y|ies|ied)|prevent\w*"
        # "Strikers block BHP from restarting".
        r"|(?:block|bar|stop)(?:s|red|ped|ring|ping|ed|ing)? (?:\S+ ){0,2}?from"
    ),
    negation_after=r"(?:(?:has|have|had|is|was|were|are|will|would)\s+)?(?:been\s+)?not",
    denial=(
        r"den(?:y|ies|ied|ying)|refut\w*|false|unfounded|baseless|untrue|no truth"
        r"|dismiss\w* (?:the )?(?:reports|rumou?rs)|misunderstanding"
        r"|reject\w* (?:the )?(?:reports|rumou?rs|claims)"
        r"|(?:does|did|will|would) not affect (?:production|operations|output)"
        r"|without affecting (?:production|operations|output)"
    ),
    hedge=(
        r"may|might|could|would|possibl[ey]|potential(?:ly)?|risks? of|threat\w*|warn\w*|consider\w*"
        r"|plan(?:s|ned|ning)?|intend\w*|likely|should|if|unless|until|pending|once|propos\w*|seek\w* to"
        r"|expect\w*|mull\w*|weigh\w*|stud(?:y|ies|ying)|evaluat\w*|assess\w*|prepar\w*|contingency"
        r"|in case|ready to|aim\w* to|think\w* (?:of|about)|would like to|wants? to|wish\w* to"
        r"|vot(?:e|es|ed|ing)|depend\w* on|slated|scheduled|backtrack\w*|delay\w*|postpon\w*|defer\w*"
        r"|avoid\w*"
        r"|avert\w*|how to|decid\w* whether"
        r"|in favou?r of|advanc\w*|progress\w*|approv\w*|before|hop(?:e|es|ing) to|reports? of"
        r"|rumou?rs? (?:of|that)|alleged(?:ly)?"
        r"|reportedly|speculat\w*|unconfirmed|talk of|fears? (?:of|that)|updates? on|closer to|towards?"
        r"|path to|steps? toward|request(?:s|ed|ing)? (?:to|permission|approval)|asks? to"
        r"|seek\w* (?:permission|approval)|appl(?:y|ies|ied) to|recommend\w*"
    ),
    hedge_after=(
        r"expected|planned|possible|likely|could|would|may|threat\w*|risk|if|unless|once|rumou?rs?|as soon as"
    ),
    earlier=(
        r"last time|had|had been|suffered|experienced|went through|endured|(?:in|since) (?:19|20)\d\d"
        r"|which was|which were|that was|that were"
    ),
    earlier_noun=(
        r"following|after(?! it| they| we| the company)|since|end of|post|before|earlier|previous|prior"
        r"|recent|past|follows?"
        r"|impacts? of|cost of|losses from|effects? of|fallout from|due to|because of|owing to"
    ),
    noun=(
        r"suspensions?|halt|shut-?downs?|standstill|stoppages?|closures?|restart|resumption|reopening"
        r"|force majeure|evacuations?|care and maintenance|interruptions?|pause|lifting|end"
    ),
    drill=r"exercises?|drills?|simulat\w*|mock|rehears\w*",
    continues=(
        r"continu\w* (?:to |as )?(?:operat|run|produc|min|work|normal)\w*|operat\w* normally"
        r"|running normally|keep\w* (?:running|mining|operating|producing)|unaffected"
        r"|(?:not|never) (?:been )?(?:affected|impacted|disrupted)|business as usual"
        r"|no (?:material |significant )?(?:impact|effect|disruption|damage)s?|uninterrupted"
        r"|fully operational|remains? operational|operations (?:are |were |remain\w* )?normal"
        r"|continues as planned|(?:is|are|was|were) running"
        r"|(?:operations|production|mining) continues?(?=\s*$)"
        r"|continu\w* to (?:process|treat|mill|ship)\w*"
    ),
    contrast=r"but|while|whereas|although|as|when|because",
    imminent=(
        r"this week|later this week|today|tonight|tomorrow|this weekend|this month|next week"
        # A weekday, but not the day something was said ("said on Tuesday").
        r"|(?<!said )(?<!says )(?<!said on )(?<!says on )(?<!announced )(?<!announced on )(?<!told )"
        r"(?<!told on )(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    ),
    ahead=(
        r"(?:in|by|from|during|around|before|for)\s+(?:the\s+)?(?:(?:(?:first|second|third|fourth|1st|2nd"
        r"|3rd|4th"
        r"|final|last)\s+(?:half|quarter)|h[12]|q[1-4])(?:\s+(?:of\s+)?(?:fiscal\s+|calendar\s+)?(?:19"
        r"|20)\d\d)?"
        r"|(?:(?:early|mid|late|end of)[- ]?)?(?:(?:fiscal\s+|calendar\s+)?(?:19|20)\d\d|next year)"
        r"|(?:coming|next)\s+(?:few\s+)?(?:months|year))"
        r"|(?:early |late |later )?next year|(?:from |by |towards? )?the end of (?:this|the) year"
        r"|(?:from|starting|beginning|as of) (?:early |mid-?|late )?(?:january|february|march|april|may|june"
        r"|july|august|september|october|november|december)\b"
    ),
    past=r"\w+ed|(?:was|were|had|has|have)(?: been)? \S+",
    condition=r"if|unless|should|in case of|in the event of|failing",
    request=r"request\w*|call(?:s|ed|ing)? for|urg(?:e|es|ed|ing)|push(?:es|ed|ing)? for",
    report=(
        r"(?:(?:(?:first|second|third|fourth|1st|2nd|3rd|4th|june|march|september|december)[- ]quarter"
        r"|half[- ]year|first[- ]half|full[- ]year|quarterly|q[1-4]\b|h[12]\b)(?:\s+\S+){0,3}?\s+(?:output"
        r"|production|results|sales|profit|earnings|loss|revenue)|(?:output|production|results|sales|profit"
        r"|earnings)\s+(?:\S+\s+){0,4}?(?:in|for)\s+(?:the\s+)?(?:first|second|third|fourth)\s+(?:quarter"
        r"|half))"
        r"|(?:one|a|two|three|\d+) years? (?:after|on|ago)|anniversary|looks? back|remember\w*"
    ),
    reported=r"said|says|told|announced|reported|confirmed|added|stated|explained|indicated",
)
