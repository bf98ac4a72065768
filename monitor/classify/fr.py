"""French cue words (DRC, Niger, Mali, New Caledonia, Canadian releases)."""

from __future__ import annotations

from monitor.classify.lexicon import Lexicon

_GUIDANCE_NOUN = r"(?:objectifs?|previsions?|perspectives?|guidance|estimations?|fourchette|cible)"
_GMODS = (
    r"(?:(?:ses|son|sa|les|le|la|l'|de|des|du|d'|annuel\w*|\d{4}|production|cuivre|cobalt|etain|zinc"
    r"|nickel|lithium|uranium|minerai|concentre|ventes|pour|\d+|%)\s*){0,6}"
)

FR = Lexicon(
    language="fr",
    stop=(
        r"suspen(?:d|ds|du|due|dus|dues|dre|dent|dons|dra|dront|drait|draient)"
        r"|(?:seules|uniquement) (?:les )?activites (?:essentielles|critiques)"
        r"|(?:a|a l'|mise? a l'|mis a l')\s*arret|(?:mise?|passe|placee?) en sommeil|en sommeil"
        r"|force majeure|paralys(?:e|es|ee|ees|ent|er|ant)|a l'abandon|hors service"
        r"|mis(?:e|es)? en veille|en veille|en (?:entretien|soins) et maintenance"
        r"|(?:placee?s?|mise?s?) en maintenance"
        r"|n'arrive\w* pas a(?= exporter)|ne (?:peut|peuvent|pouvait) (?:plus )?(?=exporter)"
        r"|impossibilite d(?=')"
        r"|(?:chomage|conge) technique"
        r"|ferm\w* (?:definitivement )?(?:ses|leurs) portes|fonctionn\w* a capacite reduite"
        r"|redui\w* (?:ses|sa) (?:activites|capacite)"
        r"|(?:entr\w* en|en|se mettent en|declenche\w*(?: une)?) greve|greve (?:a|dans) la mine"
        r"|(?:demarr|entam|lanc|commenc)\w* (?:une |la |leur )?greve|poursui\w* (?:leur |la |sa )?greve"
    ),
    stop_noun=r"suspensions?|arret|fermeture|interruption|paralysie|cessation",
    stop_weak=(
        # "l'arrete du ministre", "un arrete ministeriel": a decree, not a stop.
        r"(?<!l')(?<!un )(?<!cet )(?<!par )(?<!d'un )arret(?:e|es|ee|ees|ent|er|ons|ait|aient)"
        r"(?!\s+(?:du|ministeriel\w*|provincial\w*|interministeriel\w*|portant|n[o°]|signe|pris))"
        r"|interromp\w*|cess(?:e|ent|er|era)"
        r"|cesse(?:e|es|s)?|ferm(?:e|ent|er|era|ee|ees|es)|stopp\w*|bloqu(?:e|es|ee|ees|ent|er|ait|aient|ant)"
        r"|immobilis\w*|interdi\w*"
        r"|fin de"
    ),
    resume=(
        r"reprise|reprend\w*(?! pied)|repris(?:e|es)?|reprenn\w*|redemarr\w*|relanc\w*|rouvr\w*|reouverture"
        r"|retour au travail"
        r"|retour a (?:la )?(?:production|normale)|remise en (?:service|route|marche)"
        r"|retabl\w* (?:la |sa |leur )?(?:production|activite)"
    ),
    lifted=(
        r"lev(?:ee|er|e|ent)\s+(?:\S+\s+){0,4}?(?:de\s+)?(?:la\s+)?(?:force majeure|suspension|greve)"
        r"|fin de la (?:force majeure|greve)|mett\w* fin a la greve|greve (?:\S+ ){0,3}?(?:prend fin"
        r"|a pris fin|est terminee)"
        r"|force majeure (?:a ete |est )?levee"
        r"|greve (?:a ete |est )?suspendue|suspen\w* (?:de )?(?:la |leur )?(?:greve|force majeure)"
    ),
    evacuate=r"evacu(?:e|ee|es|ees|er|ent|ation|ations|ons|era)",
    flee=r"fui(?:ent|r|t)|fuyant",
    civilians=r"personnes|habitants|villageois|familles|civils|deplaces|population",
    evacuate_weak=r"quitt\w*|repli|retrait|transfer\w*|relocalis\w*|rapatri\w*|exfiltr\w*|retir\w*",
    guidance=(
        rf"(?:abaiss|baiss|redui|reduct|ramen|retir|suspend|coup|rabot)\w*\s+{_GMODS}{_GUIDANCE_NOUN}"
        r"|(?:revu|revue|revus|revues|revoit|revoir|revise\w*|revision)\s+(?:\S+\s+){0,4}?a la baisse"
        rf"|a la baisse\s+{_GMODS}{_GUIDANCE_NOUN}"
        rf"|{_GUIDANCE_NOUN}\s+(?:\S+\s+){{0,10}}?(?:de nouveau |a nouveau )?en baisse"
        r"|met\w* en garde contre (?:une? )?(?:\S+ ){0,3}?(?:baisse|bas|recul)"
        r"|produir\w* (?:\S+ ){0,6}?moins (?:\S+ ){0,3}?que prevu"
        r"|(?:moins|inferieur\w*) (?:que|a|au) (?:son |sa |le |la |ses |les )?"
        r"(?:plan|objectif|prevision)s? initia\w*"
    ),
    objects={
        "ops": (
            r"operations?|activites?|production|exploitation|extraction|travaux|mines?|sites?|traitement"
            r"|puits|operer|extraire"
            r"|usine de traitement|centres? miniers?"
            # The plant of a processing site is the site: "l'usine de nickel KNS", "l'usine du Nord".
            r"|usines? (?:de|du) (?:nickel|cobalt|cuivre|lithium|manganese|uranium|nord|sud)"
            r"|usine (?:metallurgique|pyrometallurgique|hydrometallurgique)"
            r"|produire"
        ),
        "part": (
            r"souterrain\w*|usines?|lignes?|niveaux?|concentrateurs?|fours?|circuits?|unites?"
            r"|fonderies?|raffineries?|galeries?|tunnels?|trains? de traitement|fosses?|circuits?|blocs"
            r"|dragues?"
        ),
        "export": (
            r"exportations?|exporter|expeditions?|livraisons?|chargements?|ventes|embarquements?"
            r"|voie d'exportation|port|logistique|approvisionnements|chemin de fer|voie ferree|portuaires?"
            r"|dockers|ligne ferroviaire"
        ),
        "product": r"concentres?|cargaisons?|yellowcake|cathodes|minerai|camions|tonnes|alliages",
        "protest": r"greves?|blocus|barrages?|mouvements?|manifestations?|mesures?|sit-in",
        "access": r"acces|routes?|axes?|circulation|corridor|services|convois",
        "project": r"construction|extension|projets?|exploration|forages?|ouverture|etudes?|chantiers?",
        "funding": r"financements?|investissements?|paiements?",
        "decline": r"baisse|chute|declin|recul",
        "visit": r"visites?|visiteurs",
        "trading": r"cotation|bourse|actions|titres?|echanges",
        "talks": (
            r"negociations?|pourparlers|encheres|appels? d'offres|dialogue|discussions|arbitrage|procedures?"
            r"|plaintes?|proces|decision"
            r"|ordonnance|jugement"
        ),
        "staff": (
            r"personnel|employes|salaries|agents|travailleurs|expatries|creuseurs|mineurs|effectifs|equipes"
        ),
    },
    partial=(
        r"(?:l'une|une|l'un|un) des\s+(?:\S+\s+){0,2}(?:usines|lignes|puits|concentrateurs|fours|niveaux"
        r"|unites|zones|fosses|sections)|(?:ligne|niveau|puits|unite|usine|four) (?:n[o°]\s*)?\d+"
        r"|(?<!chomage )(?<!activite )partiel\w*|partiellement|(?:a la )?moitie de (?:sa )?capacite"
        r"|capacite reduite|redui\w* (?:ses|sa) (?:activites|capacite)"
        r"|(?:sur|dans|a) une partie (?:de|du|des)|\b[1-9]\d?\s*%\s*(?:et"
        r"|a)\s*[1-9]\d?\s*%(?=\s+(?:\S+\s+){0,2}?(?:of|de|da|do|du|des)\s+(?:\S+\s+)?(?:production|output"
        r"|capacity|produccion|capacidad|producao|capacidade|capacite|operations|operaciones|operacoes))"
        r"|\b[1-9]\d?\s*% de sa (?:production|capacite)"
        r"|(?:une|certaines|plusieurs) (?:des )?(?:zones|fosses|sections)|une zone|certaines (?:operations"
        r"|activites)|dans la zone (?:de|du|des)|une partie d"
    ),
    object_end=(
        r"apres|pour|suite|en raison|depuis|pendant|jusqu|faute|a cause|par|malgre|tant qu\w*|lorsque"
        r"|en consequence"
    ),
    plan=r"\s(?:va|vont|allait|allaient|doit|doivent|devait|devaient)",
    negation=r"pas|aucun\w*|exempt\w*|exoner\w*|assoupli\w*|sans|ni|jamais|dement\w*|empech\w*",
    negation_after=r"n'(?:a|ont|est|sont|etait|ait)\s+pas",
    denial=(
        r"dement\w*|dementi\w*|infonde\w*|sans fondement|faux|fausses?|calomni\w*|diffamatoire\w*|malentendu"
        r"|n'affecte pas (?:la )?production|sans affecter (?:la )?production"
    ),
    hedge=(
        r"pourr\w*|risqu\w*|menac\w*|envisag\w*|prevo\w*|prevu\w*|eventuel\w*|probabl\w*|devr\w*|jusqu"
        r"|si|projet\w* de|plan de|etudi\w*|evalu\w*|tenter|aurai(?:t|ent)|averti\w*|craint\w*|redout\w*"
        r"|possibl\w*|rumeurs?|pretendu\w*|suppose\w*|selon lesquelles|point sur|mise a jour sur"
        r"|vers (?:la|une)|sollicit\w*|recommand\w*|preconis\w*|aimerai\w*|souhait\w*|voudrai\w*|esper\w*"
        r"|en faveur d\w*|approuv\w*|avant de|avant la|avant le|approch\w*|vot\w*|convoqu\w*|dependr\w*"
        r"|programm\w*|report(?:e|ent|er|ee)\b|differ\w*|eviter|decider\w* si|comment"
    ),
    hedge_after=(
        r"prevue?s?|envisagee?s?|possibles?|eventuel\w*|si|pourr\w*|des que|aussitot que|se precise"
        r"|\w+(?:rait|raient)|dependr\w*"
    ),
    earlier=r"avait|avaient|(?:en|depuis) (?:19|20)\d\d|derniere fois|a connu|a subi|avait connu",
    earlier_noun=(
        r"suite a|apres|depuis|avant|a la suite de|consecutive a|precedent\w*|dernier\w*|ancien\w*"
        r"|impacts? de|cout de|pertes (?:liees|dues) a|consequences? de|en raison de|a cause de"
    ),
    noun=(
        r"suspensions?|arret|fermeture|interruption|paralysie|cessation|reprise|redemarrage|relance"
        r"|reouverture|force majeure|evacuation|mise en sommeil|levee|fin|remise en (?:service|route|marche)"
        r"|retour"
    ),
    drill=(
        r"exercices? (?:de simulation|d'evacuation|d'urgence|grandeur nature)|simulation\w*|simul(?:e|ant|ee)"
        r"|fictive?s?"
    ),
    continues=(
        r"pas d'(?:impact|incidence|effet)|aucun\w* (?:impact|incidence|effet|perturbation)"
        r"|sans (?:impact|incidence|perturbation)|poursui\w* (?:normalement|ses activites|sa production"
        r"|ses operations|l'exploitation|ses travaux)"
        r"|(?:activites|production|extraction|exploitation|operations)"
        r" se poursui\w*|continu\w* (?:de|a) (?:produire|fonctionner|tourner|operer)"
        r"|(?:fonctionn|tourn|deroul)\w* normalement"
        r"|pas (?:ete )?(?:affecte|touche|perturbe|impacte|concerne)e?s?"
        r"|non affecte\w*|pleinement operationnel\w*|(?:sont|est) normales?|tourne grace"
    ),
    contrast=r"mais|alors que|tandis que|cependant|lorsque|quand|car|parce que",
    imminent=(
        r"cette semaine|aujourd'hui|demain|ce week-end|la semaine prochaine"
        r"|(?:ce |le )?(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) prochain"
        r"|des (?:demain|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
    ),
    ahead=(
        r"(?:en|d'ici|au|courant|a partir d[ue]|a compter d[ue]|avant|dans|pour)\s+(?:la\s+|les\s+"
        r"|l')?(?:(?:premier|second"
        r"|deuxieme|troisieme|quatrieme)\s+(?:semestre|trimestre)(?:\s+(?:de\s+)?(?:19|20)\d\d)?"
        r"|(?:(?:debut|mi-?|fin|la fin de)\s*)?(?:(?:19|20)\d\d|l'annee prochaine|l'an prochain|l'annee)"
        r"|prochain(?:e)?s? (?:mois|annee))"
        r"|(?:debut|mi-|fin) (?:19|20)\d\d|l'an(?:nee)? prochain(?:e)?"
        r"|(?:a partir|a compter) d(?:u |e |')(?:\d+ )?(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout"
        r"|septembre|octobre|novembre|decembre)\b"
    ),
    past=r"(?:a|ont|avait|avaient|etait|etaient|a ete|ont ete|avait ete|est|sont)(?: \S+)? \S+",
    condition=r"si|sauf si|a moins que|en cas de|faute de",
    request=r"demand(?:e|ent|ait|aient) (?:a|au|aux|que|la|le|l')|exig\w*|reclam\w*|sollicit\w*",
    report=(
        r"(?:(?:production|resultats|benefices?|chiffre d'affaires|ventes|pertes)\s+(?:\S+\s+){0,8}?(?:au|du"
        r"|pour le)\s+(?:premier|second|deuxieme|troisieme|quatrieme)\s+(?:trimestre|semestre)|(?:resultats"
        r"|production|benefice)\s+(?:trimestriel|semestriel|annuel))"
        r"|il y a (?:un|deux|trois|\d+) ans|un an apres|(?:deux|trois|\d+) ans apres|anniversaire|retour sur"
    ),
    reported=(
        r"a (?:dit|indique|annonce|precise|confirme|explique|declare|affirme)|ont (?:dit|indique|annonce)"
    ),
)
