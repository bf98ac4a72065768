"""The hard cases of notice reading, in each of the four languages (our own short examples).

Each case names what makes it hard: a denial, a conditional or plan, a past episode recalled, a drill, a
study, a suspension of visits, another site's halt, a partial halt, an export halt, force majeure on
deliveries versus on operations, and strikes or blockades that started versus ones that are threatened.
The language is left to the detector, as in the pipeline.
"""

from __future__ import annotations

import pytest

from monitor.classify import classify

# (case, title, summary, kind)
ENGLISH = [
    ("halt", "Ruwe Copper suspends mining at Kalunda after attack on convoy", "", "halt"),
    (
        "halt",
        "Output at the Mkuju pit stopped as floods cut the site",
        "Mining has been halted since Friday.",
        "halt",
    ),
    ("denial", "Ruwe Copper denies reports that Kalunda has stopped production", "", "none"),
    ("denial", "Kalunda update", "The company said claims of a shutdown at the mine were false.", "none"),
    ("conditional", "Kalunda could halt operations if diesel runs out, warns Ruwe", "", "none"),
    ("conditional", "Ruwe considering suspension of Kalunda mining", "", "none"),
    ("plan", "Ruwe Copper to mothball Kalunda concentrator next year", "", "none"),
    (
        "past",
        "Kalunda posts record quarter",
        "The mine, which had been halted in 2023, produced 40 kt.",
        "none",
    ),
    ("drill", "Kalunda holds evacuation drill with provincial rescue teams", "", "none"),
    ("study", "Ruwe studies restart of the old Kalunda shaft", "", "none"),
    (
        "visits",
        "Ruwe suspends investor tours of Kalunda for the rainy season",
        "Operations continue.",
        "none",
    ),
    ("trading", "Ruwe Copper shares halted pending announcement", "", "none"),
    ("partial", "Ruwe stops one of the two Kalunda concentrators for repairs", "", "partial_halt"),
    ("partial", "Kalunda underground operations paused after rockfall", "", "partial_halt"),
    ("other_site", "Ruwe halts Kalunda smelter; Mkuju keeps running", "", "partial_halt"),
    ("export", "Zambezi border closure halts copper exports; mining goes on", "", "export_halt"),
    ("fm_delivery", "Ruwe declares force majeure on Kalunda concentrate deliveries", "", "export_halt"),
    ("fm_operations", "Ruwe declares force majeure at Kalunda mine", "", "halt"),
    ("strike_started", "Strike brings Kalunda to a standstill", "", "halt"),
    ("strike_threat", "Kalunda union threatens to walk out next week", "", "none"),
    ("resumption", "Kalunda back in production after six-week halt", "", "resumption"),
    ("resumption", "Ruwe lifts force majeure at Kalunda", "", "resumption"),
    ("evacuation", "Ruwe evacuates expatriate staff from Kalunda", "", "evacuation"),
    ("guidance", "Ruwe cuts Kalunda 2026 copper guidance", "", "guidance_cut"),
    ("strike_started", "Kalunda workers go on strike over unpaid bonuses", "", "halt"),
    ("strike_ended", "Kalunda workers call off strike after pay deal", "", "resumption"),
    ("lifted", "Zambia lifts on Friday the suspension of Kalunda's licence", "", "resumption"),
    ("partial", "Regulator orders Ruwe to stop work at part of Kalunda", "", "partial_halt"),
    ("partial", "Kalunda output cut: 60% to 70% of the mill idle after a motor failure", "", "partial_halt"),
    (
        "fm_delivery",
        "Ruwe says it has declared force majeure on “certain sales contracts” for Kalunda copper",
        "",
        "export_halt",
    ),
    (
        "fm_delivery",
        "Force majeure declared at Kalunda mine",
        "Ruwe declared force majeure on concentrate deliveries after the port closed; mining goes on.",
        "export_halt",
    ),
    ("legal", "Ruwe suspends arbitration claim against the state over Kalunda", "", "none"),
    (
        "guidance",
        "Fire at Kalunda",
        "Ruwe withdrew its 2026 production, unit cost and sustaining capital expenditure guidance.",
        "guidance_cut",
    ),
    ("closed", "Kalunda closes its doors for good", "", "halt"),
    ("update", "Kalunda access restored", "Ruwe will give an update on the restart next week.", "none"),
    ("near", "Staff moved out of Kalunda camp as a bush fire burns close to the mine", "", "evacuation"),
    (
        "partial",
        "Ruwe pauses mining at Kalunda while continuing to process stockpiled ore",
        "",
        "partial_halt",
    ),
    ("decline", "Ruwe halts the decline in Kalunda output", "", "none"),
    ("project", "Ruwe suspends construction of the Kalunda expansion", "", "none"),
    (
        "guidance",
        "Kalunda update",
        "Ruwe said its 2026 production guidance, along with the smelter schedule, has been withdrawn.",
        "guidance_cut",
    ),
    ("imminent", "Kalunda to restart production this week after the evacuation", "", "resumption"),
    ("dewatering", "Pumping resumes at flooded Kalunda decline", "", "none"),
    ("part", "Kalunda mineshaft out of action after hoist failure", "", "partial_halt"),
    ("background", "Ruwe weighs fallout from Kalunda mine halt", "", "none"),
    ("request", "Ruwe requested permission to restart Kalunda", "", "none"),
    ("strike_no_verb", "Ridgeview miners on strike to protest layoffs", "", "halt"),
    ("walkout_weekday", "Ridgeview workers to walk off job Friday", "", "halt"),
    ("walkout_later", "Ridgeview workers to walk off job next year if talks fail", "", "none"),
    (
        "said_weekday",
        "Ridgeview said on Tuesday it has not received an order from the regulator to suspend its operations",
        "",
        "none",
    ),
    ("blocked_restart", "Strikers block Ridgeview from restarting its mill", "", "none"),
    ("months_ahead", "Ruwe targets Kalunda restart in the first half of 2027", "", "none"),
    ("dated_past", "Ruwe resumed Kalunda output in 2024 after the floods", "", "resumption"),
]
FRENCH = [
    ("halt", "Kalunda : Ruwe Copper suspend ses activités après l'attaque d'un convoi", "", "halt"),
    ("denial", "Ruwe Copper dément tout arrêt de la production à Kalunda", "", "none"),
    ("conditional", "La production de Kalunda pourrait être arrêtée faute de carburant", "", "none"),
    ("plan", "Ruwe va reprendre l'extraction à Kalunda", "", "none"),
    ("past", "Kalunda, qui avait suspendu ses activités en 2023, bat son record", "", "none"),
    ("drill", "Exercice d'évacuation grandeur nature à la mine de Kalunda", "", "none"),
    ("visits", "Les visites de la mine de Kalunda suspendues jusqu'à nouvel ordre", "", "none"),
    ("partial", "Kalunda : une des deux lignes de l'usine arrêtée après un incendie", "", "partial_halt"),
    ("export", "La RDC suspend les exportations de cuivre ; la production se poursuit", "", "export_halt"),
    ("fm_delivery", "Ruwe invoque la force majeure sur ses livraisons de concentré", "", "export_halt"),
    ("strike_started", "Grève à Kalunda : la production paralysée depuis lundi", "", "halt"),
    ("strike_threat", "Les syndicats de Kalunda menacent d'une grève illimitée", "", "none"),
    ("resumption", "Reprise progressive des activités à la mine de Kalunda", "", "resumption"),
    ("evacuation", "Kalunda : le personnel expatrié évacué vers Lubumbashi", "", "evacuation"),
    ("guidance", "Ruwe revoit à la baisse ses prévisions de production pour Kalunda", "", "guidance_cut"),
    ("decree", "L'arrêté du ministre des Mines sur Kalunda contesté par les négociants", "", "none"),
    ("lifted", "Le ministère a levé lundi soir la suspension des activités de Kalunda", "", "resumption"),
    ("strike_started", "Les mineurs de Kalunda entrent en grève", "", "halt"),
    ("guidance", "Ruwe baisse ses objectifs de production à Kalunda", "", "guidance_cut"),
    ("whole_plant", "Ruwe met en sommeil l'usine de nickel de Kalunda", "", "halt"),
    ("closed", "La mine de Kalunda ferme ses portes", "", "halt"),
    (
        "standing",
        "Kalunda : des salariés évacués par avion",
        "Une partie du personnel a été évacuée jeudi ; l'usine est en sommeil depuis février.",
        "evacuation",
    ),
    (
        "no_restart",
        "Kalunda : pas de reprise immédiate des activités",
        "Les travaux restent suspendus tant que la route n'est pas sécurisée.",
        "halt",
    ),
    ("project", "Un collectif obtient la suspension de l'ouverture d'une mine à Kalunda", "", "none"),
    ("export", "Des villageois continuent à bloquer les exportations de Kalunda", "", "export_halt"),
    ("partial", "L'usine de Kalunda fonctionne à capacité réduite après un incident", "", "partial_halt"),
    ("conditional", "Vers la reprise des exportations de Kalunda", "", "none"),
    ("months_ahead", "Kalunda : reprise de l'extraction au second semestre 2027", "", "none"),
]
SPANISH = [
    ("halt", "Minera Andina paraliza sus operaciones en Quilca por bloqueo", "", "halt"),
    ("denial", "Minera Andina desmiente que Quilca haya suspendido sus operaciones", "", "none"),
    ("conditional", "Quilca podría detener sus operaciones si continúa el bloqueo", "", "none"),
    ("past", "Quilca, que en 2022 estuvo paralizada por un conflicto, eleva su producción", "", "none"),
    ("drill", "Realizan simulacro de sismo en la mina Quilca", "", "none"),
    ("visits", "Minera Andina suspende las visitas escolares a Quilca", "", "none"),
    ("partial", "Quilca detiene una de sus tres plantas por mantenimiento", "", "partial_halt"),
    ("export", "Bloqueo en la ruta impide el despacho de concentrados de Quilca", "", "export_halt"),
    ("fm_delivery", "Minera Andina declara fuerza mayor en embarques de cobre", "", "export_halt"),
    ("strike_started", "Huelga paraliza la mina Quilca desde el lunes", "", "halt"),
    ("strike_threat", "Sindicato de Quilca aprueba huelga que comenzaría el martes", "", "none"),
    (
        "protest_lifted",
        "Comuneros levantan el bloqueo a Quilca",
        "Decidieron suspender la medida tras un acuerdo.",
        "none",
    ),
    ("resumption", "Quilca reanuda operaciones tras el fin del bloqueo", "", "resumption"),
    ("months_ahead", "Minera Andina reanudará operaciones en Quilca el próximo año", "", "none"),
    ("evacuation", "Evacúan a trabajadores del campamento de Quilca", "", "evacuation"),
    ("guidance", "Minera Andina recorta su guía de producción de cobre para Quilca", "", "guidance_cut"),
    ("strike_started", "Trabajadores de Quilca iniciaron este lunes una huelga indefinida", "", "halt"),
    ("strike_ended", "Termina la paralización en Quilca tras acuerdo con el sindicato", "", "resumption"),
    ("legal", "Minera Andina suspende arbitraje contra el Estado por cierre de Quilca", "", "none"),
    ("cause", "La región pierde millones diarios por la paralización de Quilca", "", "none"),
    ("closed", "Quilca cierra sus puertas por falta de insumos", "", "halt"),
    ("period", "Minera Andina eleva su producción al cierre de 2025", "", "none"),
    ("decline", "Quilca logra frenar la caída de su producción", "", "none"),
    (
        "conditional",
        "Las faenas de Quilca serán restablecidas tan pronto como se repare el chancador",
        "",
        "none",
    ),
    ("conditional", "Minera Andina espera reanudar operaciones en Quilca la próxima semana", "", "none"),
    (
        "guidance",
        "Minera Andina redujo este viernes su proyección de producción para 2026",
        "",
        "guidance_cut",
    ),
    ("cause", "Minera Andina estima el impacto económico de la paralización de Quilca", "", "none"),
    ("strike", "Trabajadores de Cerro Quilca mantienen la huelga por quinto día", "", "halt"),
    ("strike_no_effect", "Paro de 48 horas en Quilca no afecta su producción", "", "none"),
    ("request", "Minera Andina solicita reanudar parcialmente Quilca", "", "none"),
    ("export", "Comuneros cortan la exportación de concentrados de Quilca", "", "export_halt"),
]
PORTUGUESE = [
    ("halt", "Mineradora suspende operações na mina de Namuli devido a protestos", "", "halt"),
    ("denial", "Empresa nega paralisação da mina de Namuli", "", "none"),
    ("conditional", "Produção em Namuli poderá ser suspensa se os bloqueios continuarem", "", "none"),
    ("past", "Namuli, que esteve parada em 2023, bate recorde de produção", "", "none"),
    ("drill", "Simulacro de emergência mobiliza bombeiros na mina de Namuli", "", "none"),
    ("visits", "Visitas à mina de Namuli suspensas durante as obras", "", "none"),
    ("months_ahead", "Mineradora retomará a produção em Namuli no segundo semestre de 2027", "", "none"),
    ("dated_past", "Namuli retomou a produção em 2024", "", "resumption"),
    ("partial", "Namuli: uma das linhas de processamento parada por avaria", "", "partial_halt"),
    ("export", "Exportações de grafite por Nacala suspensas; a mina continua a produzir", "", "export_halt"),
    ("fm_delivery", "Mineradora declara força maior nas entregas de grafite", "", "export_halt"),
    ("strike_started", "Greve pára a produção na mina de Namuli", "", "halt"),
    ("strike_threat", "Sindicato entrega pré-aviso de greve na mina de Namuli", "", "none"),
    ("resumption", "Namuli retoma produção após três meses de paralisação", "", "resumption"),
    ("evacuation", "Mineradora retira trabalhadores de Namuli por precaução", "", "evacuation"),
    ("guidance", "Mineradora reduz previsão de produção de Namuli para 2026", "", "guidance_cut"),
    ("strike_started", "Trabalhadores de Namuli entram em greve", "", "halt"),
    ("partial", "Mineradora interrompe entre 40% e 50% da produção em Namuli", "", "partial_halt"),
    ("noun", "Parada programada: Namuli faz manutenção anual na planta", "", "none"),
    ("past", "Namuli recupera o acesso meses depois de ter declarado “força maior”", "", "none"),
    ("standing", "Recuperado o acesso à mina de Namuli bloqueada há meses", "", "none"),
    ("plan", "Produção em Namuli tem data para ser retomada", "", "none"),
    ("resumption", "Trabalhadores de Namuli retornam ao trabalho após acordo", "", "resumption"),
    ("services", "Protestos levam à interrupção de serviços em Namuli", "", "none"),
    ("legal", "Mineradora tenta suspender a ordem judicial sobre Namuli", "", "none"),
    ("recommend", "Ministério Público recomenda suspensão de lançamentos na barragem de Namuli", "", "none"),
    ("guidance", "Mineradora descontinua previsões de produção de Namuli", "", "guidance_cut"),
    ("comparison", "Namuli produz menos que o previsto e corta meta anual", "", "guidance_cut"),
    ("european_spelling", "Namuli suspende extracção de grafite", "", "halt"),
    (
        "preposition",
        "Estimativas em revisão",
        "A mineradora disse que as estimativas para a produção de Namuli estão em revisão.",
        "none",
    ),
]


def _cases(rows: list[tuple[str, str, str, str]], lang: str) -> list[object]:
    return [
        pytest.param(title, summary, kind, id=f"{lang}-{case}-{i}")
        for i, (case, title, summary, kind) in enumerate(rows)
    ]


@pytest.mark.parametrize(
    ("title", "summary", "kind"),
    _cases(ENGLISH, "en") + _cases(FRENCH, "fr") + _cases(SPANISH, "es") + _cases(PORTUGUESE, "pt"),
)
def test_hard_case_is_read_as_its_kind(title: str, summary: str, kind: str) -> None:
    result = classify(title, summary)
    assert result.kind == kind, result.cue
