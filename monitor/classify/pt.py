"""Portuguese cue words (Mozambique, Brazil, Portugal; European and Brazilian spellings)."""

from __future__ import annotations

from monitor.classify.lexicon import Lexicon

_GUIDANCE_NOUN = (
    r"(?:previs(?:ao|oes)|projec(?:ao|oes)|proje(?:cao|coes)|estimativas?|metas?|orientac(?:ao|oes)"
    r"|guidance|perspectivas?|objetivos?)"
)
_GMODS = (
    r"(?:(?:a|as|o|os|sua|suas|seu|seus|de|da|do|das|dos|anual|\d{4}|producao|cobre|litio|grafite"
    r"|volframio|tantalo|ouro|vendas|para|esta|este|sexta-feira|segunda-feira|hoje|ontem|pela|segunda|vez"
    r"|em|tres|dois|meses|novamente)\s+){0,9}"
)
_CONDITIONAL = r"(?:ser|poder|ter|far|ir|parar|suspender|encerrar|afetar|reduzir|dever)iam?"

PT = Lexicon(
    language="pt",
    stop=(
        r"suspen(?:de|dem|deu|deram|dido|dida|didos|didas|der|dera|deria|so|sa|sos|sas|da|dam)"
        r"|parali[sz](?:a|am|ou|aram|ada|ado|adas|ados|ar)|forca maior|encerrad[ao]s?|inoperacional"
        r"|sem operar"
        r"|parou|pararam|apenas (?:as )?(?:areas|atividades) (?:criticas|essenciais)"
        r"|fech\w* (?:as )?(?:suas )?portas|(?:entr(?!ar(?:a|ao|am|ia|iam|em)?\b)\w* em|em|inici(?!ar(?:a|ao"
        r"|am|ia|iam|em)?\b)\w*(?: uma)?) greve"
        r"|(?:em|colocad\w* em|coloca\w* (?:a |o )?(?:\S+ )?(?:\S+ )?em) (?:cuidados e )?manutencao"
        r"|nao consegu\w*(?= exportar)|impossibilitad\w* de(?= exportar)"
        r"|greve na mina|greve(?:\s+\S+){0,14}?\s+(?:comecou|iniciou|arrancou)|capacidade reduzida"
        # "para a producao" stops production, except after a noun it is "for" ("estimativas para a producao").
        r"|(?<!estimativas )(?<!estimativa )(?<!previsoes )(?<!previsao )(?<!metas )(?<!meta )(?<!projecoes )"
        r"(?<!projecao )(?<!planos )(?<!plano )(?<!prazo )(?<!recursos )(?<!insumos )(?<!guidance )"
        r"para (?:a|as|o|os) (?:producao|lavra|extrac?cao|operac\w+"
        r"|atividades?|actividades?|mina)"
    ),
    stop_noun=(
        r"suspens(?:ao|oes)|parali[sz]ac(?:ao|oes)|paragem|encerramento|interrupc(?:ao|oes)|interdic(?:ao"
        r"|oes)"
    ),
    stop_weak=(
        # "parada", "bloqueada" say what stopped only with it: "mina parada", "linha parada".
        r"interromp\w*|deix\w* de|cess\w*|encerr\w*|fech\w*|bloquead[oa]s?|parad[ao]s?|impede\w*|impediu"
        r"|trav\w*|proib\w*"
        r"|retid[oa]s?|deslig\w*|embarg(?:a|ou|ada|ado|adas|ados)|interdit(?:a|ou|ada|ado|adas|ados)"
    ),
    resume=(
        # "recomeca" restarts, "recomenda" recommends.
        r"retom\w*|reinici\w*|reabr\w*|reabertura|reativ\w*|reactiv\w*|recomec\w*"
        r"|(?:volt|retorn)\w* ao normal|recuper\w* (?:a |sua )?producao"
        r"|volt\w* a (?:operar|produzir|funcionar|laborar)|regress\w* a (?:producao|laboracao)|rearranque"
        r"|(?:retorn|volt|regress)\w* ao trabalho"
        r"|retorno d[aeo]s? (?:\S+ )?(?:operac\w*|atividades|producao|trabalhos|lavra)|voltar a producao"
        r"|normaliz\w* (?:as |a )?(?:operac(?:ao|oes)|atividades|producao)"
    ),
    lifted=(
        r"(?:levant|retir|remov|remoc|(?<!a )fim)\w*\s+(?:\S+\s+){0,4}?(?:d?a\s+)?(?:declaracao de\s+)?"
        r"(?:forca maior|suspensao|greve)|(?:termin|acab)\w* (?:a )?(?:greve|paralisacao)"
        r"|suspen\w* (?:a |da |de |do )?(?:declaracao de |condicao de )?['‘’\"“”]?(?:greve|forca maior)"
        r"|greve suspensa|encerr\w* (?:a )?greve"
        r"|greve (?:\S+ ){0,4}?(?:termina|terminou|acaba|acabou|chega ao fim|chegou ao fim)"
    ),
    evacuate=r"evacu\w*",
    flee=r"fog(?:em|iram|e)|fuga",
    civilians=r"pessoas|moradores|habitantes|familias|civis|deslocados|populacao|aldeoes",
    evacuate_weak=r"retir\w*|transfer\w*|desloc\w*|repatri\w*|resgat\w*",
    guidance=(
        rf"(?:reduz|reduc|cort|baix|diminu|retir|suspend|descontinu)\w*\s+{_GMODS}{_GUIDANCE_NOUN}"
        r"|(?:rev(?:e|eu|iu|isa|isou|ista|isao)|corrig\w*)\s+(?:\S+\s+){0,4}?em baixa"
        rf"|em baixa\s+{_GMODS}{_GUIDANCE_NOUN}"
        r"|(?:abaixo|menos) (?:d[oa]|que o|que a) (?:previsto|planejado|planeado|meta|plano inicial)"
        r"|revis\w* (?:suas |as |a |sua )?(?:projec\w*|previs\w*|estimativ\w*|orientac\w*)"
    ),
    objects={
        "ops": (
            r"operac(?:ao|oes)|atividades?|actividades?|producao|exploracao|extrac?cao|lavra|laboracao|minas?"
            r"|trabalhos|acc?oes mineiras|operar|produzir|laborar|extrair"
            r"|planta de (?:beneficiamento|processamento)"
            r"|(?:processamento|usina|planta|refinaria) de (?:niquel|ferroniquel|alumina|litio)"
        ),
        "part": (
            r"subterrane\w*|plantas?|linhas?|niveis|nivel|concentrador\w*|lavaria|moinhos?|fornos?"
            r"|usina|pocos?|frentes?|pilhas?|barragens?|tune(?:l|is)|galerias?|fundic(?:ao|oes)|cavas?"
            r"|circuitos?|refinarias?|blocos|dragas?|cent(?:ro|ral|rais) de tratamento"
        ),
        "export": (
            r"exportac(?:ao|oes)|exportar|embarques?|entregas|remessas?|carregamentos?|escoamento|vendas"
            r"|contratos de (?:venda|fornecimento)|fornecimentos|porto|transporte|envios?|expedic(?:ao|oes)"
            r"|logistic\w*|ferrovia|mineroduto|portuari\w*|estivadores"
        ),
        "product": r"concentrados?|cargas|carga|grafite|minerio|catodos|camioes|camiões|toneladas",
        "protest": r"greves?|bloqueios?|manifestac(?:ao|oes)|protestos?|medidas?",
        "access": r"acessos?|estradas?|vias?|rotas?|corredor|circulacao|servicos",
        "project": r"construcao|ampliacao|projetos?|prospec?cao|pesquisa|sondagens?|abertura|estudos?|obras?",
        "funding": r"financiamentos?|investimentos?|pagamentos?",
        "decline": r"queda|declinio|descida|baixa",
        "visit": r"visitas?|visitantes",
        "trading": r"acoes|bolsa|cotacao",
        "talks": (
            r"dialogo|negociac(?:ao|oes)|negociar|leiloes|leilao|licitac\w*|conversac(?:ao|oes)|arbitragem"
            r"|processo|acao judicial"
            r"|ordem|decisao"
            r"|liminar"
        ),
        "staff": (
            r"trabalhadores|funcionarios|pessoal|empregados|colaboradores|mineiros|garimpeiros|expatriados"
            r"|efec?tivos?"
        ),
    },
    partial=(
        r"(?:uma|um) d(?:as|os)\s+(?:\S+\s+){0,2}(?:linhas|plantas|fornos|niveis|pocos|frentes"
        r"|concentradores|areas|zonas|cavas)|num(?:a)? (?:nivel|linha|poco|frente)"
        r"|(?:linha|nivel|poco|forno) (?:n[o°.]\s*)?\d+|parcial(?:mente)?|metade da (?:sua )?capacidade"
        r"|(?:em|de) parte d[ao]s?|(?<!por )parte d[aeo]s? (?:suas )?(?:operac\w*|atividades|producao|lavra)"
        r"|reduz\w* (?:a |sua )?capacidade|\b[1-9]\d?\s*%\s*(?:e"
        r"|a)\s*[1-9]\d?\s*%(?=\s+(?:\S+\s+){0,2}?(?:of|de|da|do|du|des)\s+(?:\S+\s+)?(?:production|output"
        r"|capacity|produccion|capacidad|producao|capacidade|capacite|operations|operaciones|operacoes))"
        r"|\b[1-9]\d?\s*% da sua (?:producao|capacidade)"
        r"|(?:uma|algumas|varias) (?:das )?(?:areas|zonas|frentes|cavas|secoes)|numa area|certas (?:areas"
        r"|operacoes)"
    ),
    object_end=r"por|apos|devido|depois|durante|ate|face|desde|em razao|na sequencia|apesar",
    plan=r"\s(?:vai|vao|ia|iam|deve|devem)",
    negation=r"nao|sem|isenc\w*|alivi\w*|flexibiliz\w*|retira\w*|nenhum\w*|nunca|nem|nega|negou|desment\w*|descart\w*|imped\w*|impediu",
    negation_after=r"nao (?:foi|foram|esta|estao)",
    denial=(
        r"nega|negou|negam|negaram|desment\w*|falso|falsa|infundad\w*|mal-entendido|mal entendido"
        r"|nao afeta\w* (?:a |as |o |os )?(?:producao|operac\w*)"
    ),
    hedge=(
        rf"poder\w*|pode|podem|possivel\w*|eventual\w*|ameac\w*|admit\w*|avis\w*|alert\w*|avali\w*"
        rf"|estud\w*|consider\w*|plane\w*|(?<!que )(?<!o )prev\w*|caso|risco de|pretende\w*|{_CONDITIONAL}"
        r"|rumor\w*|solicit(?:a|am|ou|aram)|rumo a|recomend\w*"
        rf"|boato\w*|alegad\w*|supost\w*|falam em|fala-se|noticias sobre|atualizac\w* sobre|espera\w*"
        r"|para ser|gostaria\w*|desej\w*|a favor de|aprov\w*|antes de|plano de|aproxim\w*|vot\w*|convoc\w*"
        r"|depender\w*|depende de|programad\w*"
        r"|adia|adiou|adiam|adiar|adiamento|evitar|decidir\w* se|decid\w* se|iniciar"
    ),
    hedge_after=rf"{_CONDITIONAL}|caso|previst[oa]s?|possivel|assim que|logo que|quando",
    earlier=(
        r"tinha|tinham|havia|haviam|esteve|estiveram|em (?:19|20)\d\d|ultima vez|sofreu|sofreram|viveu"
        r"|enfrentou"
    ),
    earlier_noun=(
        r"apos|depois de|desde|antes de|na sequencia de|anterior\w*|passad\w*|previ\w*"
        r"|impactos? d[ae]|efeitos? d[ae]|custos? d[ae]|prejuizos? (?:com|d[ae])|devido [ao]|por causa d[ao]"
    ),
    noun=(
        r"suspens(?:ao|oes)|parali[sz]ac(?:ao|oes)|paragem|encerramento|interrupc(?:ao|oes)|retoma|reinicio"
        r"|reabertura|rearranque|forca maior|evacuac(?:ao|oes)|levantamento|fim"
    ),
    drill=r"simulacros?|exercicios? de (?:emergencia|evacuacao|simulacao)|simulac\w*|simul(?:ou|ado|ada)",
    continues=(
        r"continu\w* (?:a )?(?:produzir|operar|funcionar|laborar)|continu\w* em (?:funcionamento|operacao"
        r"|laboracao)|(?:decorre|funciona|opera)\w* normalmente|normalmente|nao (?:foi |foram )?afetad\w*"
        r"|sem (?:impacto|danos|afetar)|prossegue\w*|em funcionamento"
        r"|segu\w* (?:a )?(?:operar|operando|produzir|produzindo|funcionar|funcionando)"
    ),
    contrast=r"mas|enquanto|embora|porem|contudo|quando|porque",
    imminent=(
        r"esta semana|hoje|amanha|este fim de semana|(?:a )?proxima semana|semana que vem"
        r"|a partir d[eo] (?:hoje|amanha|proximo dia|dia \d+"
        r"|(?:proxima )?(?:segunda|terca|quarta|quinta|sexta)|sabado|domingo)"
    ),
    ahead=(
        r"(?:em|para|a partir d[eo]|durante|no|na|ao longo d[eo]|antes d[eo]|dentro d[eo])\s+(?:o\s+|os\s+)?"
        r"(?:1[oº]?\s+de\s+)?(?:janeiro\s+(?:de\s+)?(?:19|20)\d\d|(?:19|20)\d\d)"
        r"|(?:em|para|a partir d[eo]|durante|no|na|ao longo d[eo]|antes d[eo]|dentro d[eo])\s+(?:o\s+|os\s+)?"
        r"(?:(?:primeiro|segundo|terceiro|quarto)\s+(?:semestre|trimestre)(?:\s+de\s+(?:19|20)\d\d)?"
        r"|(?:(?:inicio|meados|final|fim)\s+de\s+)?(?:(?:19|20)\d\d|proximo ano|ano que vem)|proximos meses)"
        r"|o proximo ano|o ano que vem"
        r"|a partir de (?:\d+ de |meados de |fins de )?(?:janeiro|fevereiro|marco|abril|maio|junho|julho"
        r"|agosto|setembro|outubro|novembro|dezembro)\b"
    ),
    past=(
        r"\w+(?:ou|eu|iu|aram|eram|iram)"
        r"|(?:foi|foram|tinha|tinham|havia|haviam|esteve|estiveram)(?: sido)? \S+"
    ),
    condition=r"se|caso|a menos que|em caso de",
    request=r"solicit\w*|pede|pedem|pediu|pediram|exig\w*|reivindic\w*|reclam\w*",
    report=(
        r"(?:(?:producao|produz|resultados?|lucro|vendas|prejuizo)\s+(?:\S+\s+){0,8}?(?:no|do"
        r"|em)\s+(?:\d[oº]?\s+tri|(?:primeiro|segundo|terceiro|quarto)\s+(?:trimestre|semestre)))"
        r"|ha (?:um|dois|tres|\d+) anos?|um ano depois|(?:dois|tres|\d+) anos depois|aniversario|recorda\w*"
    ),
    reported=r"disse|disseram|informou|afirmou|anunciou|indicou|confirmou|explicou|declarou",
)
