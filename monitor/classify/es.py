"""Spanish cue words (Peru, Chile, Bolivia, Argentina, Mexico)."""

from __future__ import annotations

from monitor.classify.lexicon import Lexicon

_GUIDANCE_NOUN = (
    r"(?:proyeccion(?:es)?|guias?|estimacion(?:es)?|estimados?|prevision(?:es)?|metas?|objetivos?"
    r"|pronosticos?|perspectivas?)"
)
_GMODS = (
    r"(?:(?:su|sus|la|las|el|los|de|del|anual\w*|\d{4}|produccion|cobre|litio|zinc|estano|plata|oro"
    r"|molibdeno|ventas|para|este|esta|viernes|lunes|martes|miercoles|jueves|sabado|domingo|hoy|ayer|por"
    r"|segunda|tercera|vez|en|tres|dos|meses|nuevamente|otra)\s+){0,9}"
)
# The conditional of the verbs that announce a plan or a threat ("comenzaria", "se haria efectiva").
_CONDITIONAL = (
    r"(?:ser|podr|habr|tendr|har|comenzar|empezar|iniciar|paralizar|suspender|detendr|cerrar|afectar"
    r"|reducir|continuar|estar|deber|quedar)ian?"
)

ES = Lexicon(
    language="es",
    stop=(
        r"suspen(?:de|den|dio|dieron|dido|dida|didos|didas|der|dera|deran|deria|da|dan)"
        r"|paraliz(?:a|an|o|aron|ado|ada|ados|adas|ar|ara|aran|aria)|fuerza mayor|inoperativ\w*|inoperante"
        r"|apag(?:o|aron|ado) (?:sus )?motores"
        r"|en pausa|sin operar|no (?:puede|pudo|pueden|pudieron)(?= exportar)|cese de (?:operaciones"
        r"|actividades|la produccion)"
        # "iniciar una huelga" (an infinitive) is no strike under way.
        r"|cierr\w* (?:sus )?puertas|(?:inici(?!ar(?:a|an|e|ia|ian)?\b)|comenz(?!ar(?:a|an|e|ia|ian)?\b)"
        r"|comienz"
        r"|estall(?!ar\b))\w*\s+(?:\S+\s+){0,3}?huelga"
        r"|(?:en|se declar\w* en) huelga|huelga en (?:\S+\s+){0,2}?(?:mina|minera|faena|yacimiento|operacion)"
        r"|(?:mantien\w*|continu\w*|sigue\w*|prosigue\w*|extiende\w*|prolonga\w*) (?:la |una )?huelga"
        r"|funciona\w* a (?:media|la mitad de su) capacidad|reduc\w* (?:su |la )?capacidad"
        r"|opera\w* a capacidad reducida"
        r"|solo (?:en )?(?:las )?areas criticas|(?:solo|solamente|unicamente) (?:realiza\w* )?actividades"
        r" (?:criticas|minimas|esenciales)"
    ),
    # "al cierre del ejercicio", "cierre de 2025": the close of a period, not of a mine.
    stop_noun=(
        r"suspension(?:es)?|paralizacion(?:es)?|detencion|(?<!al )cierre(?! (?:del (?:ejercicio|ano|trimestre"
        r"|semestre|mes)|de (?:\d{4}|ano|mes)))|cese|interrupcion|paro"
    ),
    stop_weak=(
        r"deten(?:er|ido|ida|idos|idas|dra|dran)|detien\w*|detuv\w*|ces(?:a|an|o|aron)|cierr(?:a|an)"
        # "Cerro Verde" is a hill; "cerro" (cerro, closed) only before what it closed.
        r"|cerr(?:ar|aron|ado|ada|ados|adas|ara|aran|aria|arian|ando|aba|aban)\b|cerro(?= (?:sus|su|la|el"
        r"|las|los|temporalmente|definitivamente|toda|todas|todo)\b)"
        r"|interrump\w*|dej\w* de|par(?:aron|ado|ada|ados|adas)|frena\w*|impid\w*|imped\w*|bloquead[oa]s?"
        r"|cort(?:a|an|o|aron|ado|ada|ados|adas)"
        r"|varad[oa]s?|retenid[oa]s?|clausur\w*|apag(?:a|an|o|aron|ado|ada)|prohib\w*"
    ),
    resume=(
        r"reanud\w*|reinici\w*|reinicio|retom\w*|reactiv\w*|reabr\w*|reapertura|restableci\w*"
        r"|vuelv\w* a (?:operar|producir)|volvi\w* a (?:operar|producir)|regres\w* a (?:operar|la produccion)"
        r"|(?:regres|vuelv|volvi|retorn)\w* al trabajo|(?:comenz|empez|inici)\w* a (?:operar|producir)"
        r"|(?:volv|retorn|regres)\w* a la normalidad|recuper\w* (?:su |la )?(?:produccion|normalidad)"
        r"|puesta en marcha|normaliz\w* (?:sus |las )?(?:operaciones|actividades|produccion)"
    ),
    lifted=(
        r"levant\w*\s+(?:\S+\s+){0,4}?(?:la\s+|el\s+)?(?:fuerza mayor|suspension|huelga|paro)"
        r"|(?:fin|termino) de (?:la )?(?:fuerza mayor|huelga|paralizacion)"
        r"|(?:termin|finaliz|conclu)\w* (?:la |el )?(?:huelga|paro|paralizacion)"
        r"|suspen\w* (?:de )?(?:la |el )?(?:huelga|paro|fuerza mayor)|huelga suspendida"
        r"|(?:poner|pone|puso|ponen|pusieron) fin a (?:la |el )?(?:huelga|paro)|(?:huelga"
        r"|paro) (?:\S+ ){0,4}?llega a su fin"
    ),
    evacuate=r"evacu\w*",
    flee=r"huy(?:en|eron|e)|huida",
    civilians=r"personas|habitantes|pobladores|vecinos|familias|civiles|desplazados|poblacion",
    evacuate_weak=r"desaloj\w*|abandon\w*|traslad\w*|retir\w*|repleg\w*|reubic\w*|rescat\w*",
    guidance=(
        rf"(?:recort|rebaj|reduc|reduj|baj|retir|suspend|descontinu)\w*\s+{_GMODS}{_GUIDANCE_NOUN}"
        r"|(?:ajust|revis|corrig|reduj|recort)\w*\s+(?:\S+\s+){0,4}?a la baja"
        rf"|a la baja\s+{_GMODS}{_GUIDANCE_NOUN}"
        r"|(?:por debajo|menos) de (?:lo previsto|lo planificado|su plan inicial|la meta|lo proyectado)"
        r"|advier\w* (?:de |sobre )?(?:una )?(?:menor|baja) produccion"
    ),
    objects={
        "ops": (
            r"operacion(?:es)?|actividad(?:es)?|produccion|explotacion|extraccion|faenas?|labores|trabajos"
            r"|minas?|yacimiento|procesamiento|bombeo|unidad minera|operar|producir|extraer"
            r"|centros? mineros?|planta (?:de procesamiento|concentradora)|planta de (?:niquel|ferroniquel"
            r"|alumina|litio)"
        ),
        "part": (
            r"subterrane\w*|plantas?|lineas?|niveles?|concentradoras?|molinos?|hornos?|fundicion"
            r"|refineria|piques?|circuitos?|secciones?|sector(?:es)?|tunel(?:es)?|galerias?|rajos?|fosas?"
            r"|bloques|dragas?"
        ),
        "export": (
            r"exportacion(?:es)?|exportar|embarques?|despachos?|envios?|traslado|transporte"
            r"|entregas|ventas|puerto|carga|logistic\w*|suministros|ferrocarril|portuari\w*|tuberia"
            r"|mineroducto"
            r"|concentraducto"
        ),
        "product": r"concentrados?|cargamentos?|catodos|mineral|camiones|toneladas",
        "protest": (
            r"medidas?|protestas?|bloqueos?|huelgas?|paros?|movilizacion(?:es)?|manifestacion(?:es)?"
        ),
        "access": r"accesos?|vias?|carreteras?|rutas?|corredor|transito|caminos?|servicios",
        "project": r"construccion|ampliacion|proyectos?|exploracion|perforacion|apertura|estudios?|obras?",
        "funding": r"financiamientos?|financiacion|inversion(?:es)?|pagos?",
        "decline": r"caida|descenso|declive|baja",
        "visit": r"visitas?|recorridos",
        "trading": r"cotizacion|acciones|bolsa",
        "talks": (
            r"dialogo|negociacion(?:es)?|subastas?|licitacion(?:es)?|conversaciones|mesa de dialogo"
            r"|mesa de trabajo|arbitraje|demanda"
            r"|juicio|procedimiento|proceso judicial|orden|fallo|medida cautelar"
        ),
        "staff": r"trabajadores|personal|empleados|operarios|mineros|colaboradores|contratistas",
    },
    partial=(
        r"(?:una|uno) de (?:las|los|sus)\s+(?:\S+\s+){0,2}(?:plantas|lineas|hornos|niveles|concentradoras"
        r"|molinos|piques|zonas|areas|secciones|tajos|fases)"
        r"|(?:linea|nivel|planta|horno|pique) (?:n[o°]\s*)?\d+"
        r"|parcial(?:mente)?|(?:a )?la mitad de (?:su )?capacidad|capacidad reducida"
        r"|reduc\w* (?:su |la )?capacidad"
        r"|(?:en|de) (?:una )?parte de (?:la|su|sus)|\b[1-9]\d?\s*%\s*(?:y"
        r"|a)\s*[1-9]\d?\s*%(?=\s+(?:\S+\s+){0,2}?(?:of|de|da|do|du|des)\s+(?:\S+\s+)?(?:production|output"
        r"|capacity|produccion|capacidad|producao|capacidade|capacite|operations|operaciones|operacoes))"
        r"|\b[1-9]\d?\s*% de su (?:produccion|capacidad)"
        r"|(?:una|algunas|varias) (?:de (?:las|sus) )?(?:zonas|areas|secciones|tajos|fases)"
        r"|(?:algunos|varios) (?:de (?:los|sus) )?(?:yacimientos|sectores|niveles|tajos)"
        r"|una zona (?:de|dentro)|una parte de|ciertas (?:areas|zonas|operaciones)"
    ),
    object_end=(
        r"por|tras|debido|luego|despues|durante|hasta|ante|desde|a causa|pese|a pesar|en protesta"
        r"|como consecuencia"
    ),
    plan=r"\s(?:va a|van a|iba a|iban a|debe|deben)",
    negation=r"no(?!\.?\s*\d)|sin|exencion\w*|flexibiliz\w*|ningun\w*|nunca|ni|tampoco|niega|nego|desmient\w*|descart\w*|impid\w*|imped\w*",
    negation_after=r"no (?:se )?(?:ha|han|fue|fueron)",
    denial=(
        r"desmient\w*|desminti\w*|niega|nego|negaron|falso|falsa|falsos|infundad\w*|carece de fundamento"
        r"|malentendido|no afecta\w* (?:a )?(?:la |su |sus )?(?:produccion|operacion\w*)"
    ),
    hedge=(
        rf"podr\w*|puede|pueden|posibl\w*|eventual\w*|amenaz\w*|advirti\w*|advierte\w*|alert\w*|evalu\w*"
        rf"|estudi\w*|consider\w*|plane\w*|(?<!lo )prev\w*|si|de continuar|en caso|caso de|riesgo de|para"
        r"|analiz\w*|solicit(?:a|an|o|aron|ara|aran)|hacia (?:la|el)|recomiend\w*|recomend\w*"
        rf"|{_CONDITIONAL}|rumor\w*|supuest\w*|presunt\w*|versiones|novedades sobre|actualizacion sobre"
        r"|espera\w*|para ser|quisiera\w*|dese\w*|a favor de|aprueb\w*|aprob\w*|antes de|plan de|acerca\w*"
        r"|vot\w*|convoc\w*|depender\w*|programad\w*|aplaz\w*|posterg\w*|evitar|decidir\w* si|iniciar"
        r"|comenzar"
    ),
    hedge_after=rf"{_CONDITIONAL}|si|previst[oa]s?|posibles?|tan pronto|en cuanto|apenas",
    earlier=r"habia|habian|estuvo|estuvieron|en (?:19|20)\d\d|ultima vez|sufri\w*|atraves\w*",
    earlier_noun=(
        r"tras|luego de|despues de|desde|antes de|a raiz de|por|anterior\w*|pasad\w*|previ\w*|sigue a"
        r"|siguio a"
        r"|impactos?(?: \w+)? de|efectos? de|costos? de|perdidas (?:por|de)|debido a|a causa de"
    ),
    noun=(
        r"suspension(?:es)?|paralizacion(?:es)?|detencion|cierre|cese|interrupcion|paro|reanudacion|reinicio"
        r"|reapertura|reactivacion|fuerza mayor|evacuacion|levantamiento|fin|inicio"
    ),
    drill=r"simulacros?|ejercicios? de (?:evacuacion|emergencia|simulacion|respuesta)|simulaci\w*|simul\w*",
    continues=(
        r"con normalidad|(?:sigue|siguen|continua|continuan) (?:operando|produciendo|funcionando|trabajando"
        r"|extrayendo|explotando)"
        r"|(?:sigue|siguen) (?:con )?(?:sus )?operaciones|no (?:se ven? |han sido |fue |fueron )?afectad\w*"
        r"|sin (?:afectar|impacto|danos)|no reporta danos|normalmente|continua operando"
        r"|(?:operacion|produccion|operaciones) (?:\S+\s+){0,9}continua"
    ),
    contrast=r"pero|mientras|aunque|sin embargo|cuando|porque|ya que",
    imminent=(
        r"esta semana|hoy|manana|este fin de semana|la (?:proxima )?semana(?: que viene| proxima)?"
        r"|a partir (?:de hoy|de manana"
        r"|del (?:proximo )?(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))"
    ),
    ahead=(
        r"(?:en|para|hacia|a partir de|durante|antes de|a)\s+(?:el\s+|los\s+)?"
        r"(?:(?:primer|segundo|tercer|cuarto)\s+(?:semestre|trimestre)(?:\s+de(?:l)?\s+(?:ano\s+)?(?:19"
        r"|20)\d\d)?"
        r"|(?:(?:principios|inicios|mediados|finales|fines)\s+de(?:l)?\s+)?(?:(?:ano\s+)?(?:19|20)\d\d"
        r"|(?:el\s+)?proximo ano|(?:el\s+)?ano (?:proximo|que viene))|proximos meses)"
        r"|el (?:proximo ano|ano (?:proximo|que viene))"
        r"|a partir de(?:l)? (?:\d+ de |principios de |mediados de |fines de )?(?:enero|febrero|marzo|abril"
        r"|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b"
    ),
    past=r"\w+(?:o|aron|ado|ada|ados|adas|io|ieron)|(?:fue|fueron|ha|han|habia|habian)(?: sido)? \S+",
    condition=r"si|a menos que|salvo que|en caso de",
    request=r"solicit\w*|pide|piden|pidio|pidieron|exig\w*|reclam\w*",
    report=(
        r"(?:(?:produccion|resultados|utilidad(?:es)?|ganancias|ventas|perdidas)\s+(?:\S+\s+){0,10}?(?:en|del"
        r"|durante)\s+(?:el\s+)?(?:primer|segundo|tercer|cuarto)\s+(?:trimestre|semestre))"
        r"|hace (?:un|dos|tres|\d+) anos?|un ano despues|(?:dos|tres|\d+) anos despues|aniversario|recuerda"
    ),
    reported=r"dijo|dijeron|informo|senalo|indico|anuncio|preciso|confirmo|explico|aseguro|afirmo",
)
