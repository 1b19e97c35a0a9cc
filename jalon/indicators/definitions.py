"""Every indicator, defined once: what it counts, its formula, its unit, where the seeds ask for it,
and what it leaves out. The dashboard, the exports and the yearly report all read these definitions;
`selectors.py` computes them. A new indicator starts here.

Common rules (apply to every indicator unless its definition says otherwise):
- A pathway belongs to the period its referral was *received* in (Paris time), so two periods compare
  the pathways that entered before and after a change. Volumes count by the date of what they count.
- A delay is the elapsed time from the start to the end event, in calendar days with decimals (the
  seeds report « 6,3 jours », « 0,5 jour »). It is counted once both events are recorded; a pathway
  whose start is recorded but not its end, still open, is counted as « en attente », not in n.
- Excluded from delays: an end recorded before its start (a data error), a step marked « sans objet ».
- Median: the middle value (the mean of the two middle values when n is even). 90th percentile: the
  nearest-rank value, the ⌈0.9 n⌉-th smallest. Mean: arithmetic mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DAYS = _("jours")
COUNT = _("nombre")
SHARE = _("%")


COMMON_RULES = (
    _(
        "Un parcours appartient à la période où sa demande a été reçue (heure de Paris) ; les volumes comptent à la "
        "date de ce qu'ils comptent."
    ),
    _(
        "Un délai est le temps écoulé entre l'événement de départ et l'événement d'arrivée, en jours calendaires avec "
        "décimales. Il est compté quand les deux sont enregistrés ; un parcours en cours dont le départ est "
        "enregistré mais pas l'arrivée est « en attente », hors n."
    ),
    _(
        "Exclus des délais : une arrivée enregistrée avant le départ (erreur de saisie), une étape marquée « sans "
        "objet »."
    ),
    _(
        "Médiane : la valeur du milieu (moyenne des deux valeurs du milieu si n est pair). 90e centile : la ⌈0,9 "
        "n⌉-ième plus petite valeur. Moyenne : moyenne arithmétique."
    ),
)
"""The common rules above, in French: the definitions page and the yearly report show them."""


@dataclass(frozen=True)
class Delay:
    """A delay between two dated events of a pathway; `column` is its field on PathwayFacts."""

    code: str
    label: str
    start: str
    end: str
    formula: str
    source: str
    exclusions: str = ""
    unit: str = DAYS
    kind: str = "delay"

    @property
    def column(self) -> str:
        return self.code


@dataclass(frozen=True)
class Measure:
    """A volume or a share: counted by `selectors.measure_*`, one function per code."""

    code: str
    label: str
    formula: str
    unit: str
    source: str
    exclusions: str = ""
    kind: str = "measure"
    available: bool = True


FIRST_CARE_CODES = (
    "reception",
    "imaging",
    "pet_ct",
    "biopsy",
    "eus_biopsy",
    "endoscopy",
    "laryngoscopy",
    "neurosurgery",
)
"""Milestones that are « une première prise en soins » (a specialist consultation, an exam): the first
contact call of the coordination is not care, nor are the later steps."""

IMAGING_EXAM_KINDS = ("ct", "mri", "pet_ct", "ultrasound", "xray", "mammography")
"""Exams done before the referral that count as imaging « en amont de la prise en soins hospitalière »."""

DELAYS: tuple[Delay, ...] = (
    Delay(
        code="referral_to_first_care",
        label=_("Demande → première prise en soins"),
        start=_("réception de la demande (appel, formulaire, courriel)"),
        end=_("première consultation spécialisée ou premier examen réalisé"),
        formula=_(
            "date du premier jalon de soins réalisé (accueil, imagerie, TEP, biopsie, endoscopie…) − date de "
            "réception de la demande"
        ),
        source=_(
            "seed 001, fiches 2 et 6 : « délai entre la demande de prise en soins (appel, mail) et la première prise "
            "en soins du patient (consultation spécialisée, examen…) » ; seed 000 : « temps d'accès à un RDV en "
            "oncologie »"
        ),
        exclusions=_("Le premier appel de la coordination n'est pas une prise en soins."),
    ),
    Delay(
        code="imaging_to_hospital_care",
        label=_("Imagerie de ville → première prise en soins hospitalière"),
        start=_("date de l'examen d'imagerie réalisé avant la demande (le plus récent)"),
        end=_("première consultation à l'hôpital (accueil)"),
        formula=_("date de l'accueil − date du dernier examen d'imagerie déclaré dans la demande"),
        source=_(
            "seed 001, fiche 1 : « délai entre la date d'examen d'imagerie en amont de la prise en soins hospitalière "
            "et la date de début de prise en soins hospitalière (première consultation, par exemple) »"
        ),
        exclusions=_("Demandes sans imagerie datée ; l'imagerie est comptée à minuit (seule sa date est connue)."),
    ),
    Delay(
        code="reception_to_imaging",
        label=_("Accueil → imagerie"),
        start=_("accueil (première consultation)"),
        end=_("examen d'imagerie du parcours"),
        formula=_("date de l'imagerie − date de l'accueil"),
        source=_(
            "seed 001, fiches 2, 4 et 6 : « délai entre l'accueil et la date d'examen d'imagerie, biopsie ou autre "
            "examen diagnostique »"
        ),
    ),
    Delay(
        code="reception_to_biopsy",
        label=_("Accueil → biopsie"),
        start=_("accueil (première consultation)"),
        end=_("biopsie"),
        formula=_("date de la biopsie − date de l'accueil"),
        source=_(
            "seed 001, fiches 2, 4 et 6 : « délai entre l'accueil et la date d'examen d'imagerie, biopsie ou autre "
            "examen diagnostique »"
        ),
    ),
    Delay(
        code="reception_to_tumour_board",
        label=_("Accueil → RCP"),
        start=_("accueil (première consultation)"),
        end=_("RCP de proposition thérapeutique"),
        formula=_("date de la RCP − date de l'accueil"),
        source=_(
            "seed 001, fiches 2, 4 et 6 : « délai entre l'accueil et la réunion de concertation pluridisciplinaire "
            "(RCP) aboutissant à la formulation d'une proposition thérapeutique »"
        ),
        exclusions=_("Parcours non malins (pas de RCP)."),
    ),
    Delay(
        code="tumour_board_to_treatment",
        label=_("RCP → début du traitement"),
        start=_("RCP de proposition thérapeutique"),
        end=_("début du traitement (chirurgie, première chimiothérapie, première radiothérapie)"),
        formula=_("date du début du traitement − date de la RCP"),
        source=_(
            "seed 001, fiches 2 et 6 : « délai entre la RCP et l'initiation du traitement (chirurgie, première "
            "chimiothérapie, première radiothérapie) »"
        ),
        exclusions=_("Parcours non malins."),
    ),
    Delay(
        code="biopsy_to_pathology_preliminary",
        label=_("Biopsie → résultat anatomopathologique intermédiaire"),
        start=_("biopsie"),
        end=_("résultat intermédiaire d'anatomopathologie"),
        formula=_(
            "date du résultat intermédiaire − date de la biopsie ; le résultat contributif rendu sur la demande "
            "d'anatomopathologie enregistre l'étape « résultat intermédiaire » à sa date, la biopsie est celle du "
            "premier prélèvement (un prélèvement non contributif allonge donc ce délai)"
        ),
        source=_(
            "seed 001, fiche 5 : « délai entre la date de la biopsie et la réception des résultats (intermédiaires ou "
            "définitifs) » ; résultat intermédiaire à J+4"
        ),
    ),
    Delay(
        code="biopsy_to_pathology_final",
        label=_("Biopsie → résultat anatomopathologique définitif"),
        start=_("biopsie"),
        end=_("résultat définitif d'anatomopathologie"),
        formula=_(
            "date du résultat définitif − date de la biopsie ; l'étape « résultat définitif » est enregistrée par le "
            "résultat définitif contributif de la demande d'anatomopathologie"
        ),
        source=_(
            "seed 001, fiche 5 : « délai entre la date de la biopsie et la réception des résultats (intermédiaires ou "
            "définitifs) »"
        ),
    ),
)

# A stable number per delay, stored in PathwayDelay rows (never reuse a number for another delay).
DELAY_IDS: dict[str, int] = {
    "referral_to_first_care": 1,
    "imaging_to_hospital_care": 2,
    "reception_to_imaging": 3,
    "reception_to_biopsy": 4,
    "reception_to_tumour_board": 5,
    "tumour_board_to_treatment": 6,
    "biopsy_to_pathology_preliminary": 7,
    "biopsy_to_pathology_final": 8,
}

# (delay code, start fact, end fact): the PathwayFacts date fields each delay is the difference of.
DELAY_ENDS: dict[str, tuple[str, str]] = {
    "referral_to_first_care": ("received_at", "first_care_at"),
    "imaging_to_hospital_care": ("imaging_before_at", "reception_at"),
    "reception_to_imaging": ("reception_at", "imaging_at"),
    "reception_to_biopsy": ("reception_at", "biopsy_at"),
    "reception_to_tumour_board": ("reception_at", "tumour_board_at"),
    "tumour_board_to_treatment": ("tumour_board_at", "treatment_start_at"),
    "biopsy_to_pathology_preliminary": ("biopsy_at", "pathology_preliminary_at"),
    "biopsy_to_pathology_final": ("biopsy_at", "pathology_final_at"),
}

# Milestone code → PathwayFacts date field.
MILESTONE_FACTS: dict[str, str] = {
    "reception": "reception_at",
    "imaging": "imaging_at",
    "biopsy": "biopsy_at",
    "pathology_preliminary": "pathology_preliminary_at",
    "pathology_final": "pathology_final_at",
    "tumour_board": "tumour_board_at",
    "treatment_start": "treatment_start_at",
}

MEASURES: tuple[Measure, ...] = (
    Measure(
        code="milestones_within_target",
        label=_("Jalons tenus dans le délai cible"),
        formula=_("jalons réalisés au plus tard à leur échéance ÷ jalons réalisés qui avaient une échéance"),
        unit=SHARE,
        source=_(
            "seed 001, fiche 3 : suivre « l'atteinte des standards de performance (délais notamment) » du parcours "
            "cible"
        ),
        exclusions=_(
            "Jalons sans délai cible, jalons non réalisés ou sans objet. L'échéance est celle du modèle de parcours, "
            "comptée depuis son jalon de référence."
        ),
    ),
    Measure(
        code="referrals_per_month",
        label=_("Demandes reçues par mois, par profession de l'adresseur"),
        formula=_("nombre de demandes reçues dans le mois, quel que soit leur devenir"),
        unit=COUNT,
        source=_(
            "seed 000 : « nombre de RDV pris/mois par les professionnels » ; seed 001, fiche 1 : « nombre de patients "
            "adressés »"
        ),
    ),
    Measure(
        code="appointments_per_month",
        label=_("Rendez-vous pris par mois, par profession de l'adresseur"),
        formula=_(
            "nombre de rendez-vous réservés dans le mois (date de la réservation) pour les parcours, non annulés"
        ),
        unit=COUNT,
        source=_("seed 000 : « nombre de RDV pris/mois par les professionnels »"),
        exclusions=_("Rendez-vous annulés."),
    ),
    Measure(
        code="distinct_gps",
        label=_("Médecins généralistes du territoire ayant adressé"),
        formula=_(
            "nombre de médecins généralistes différents, exerçant dans une commune du territoire du guichet, auteurs "
            "d'au moins une demande dans la période"
        ),
        unit=COUNT,
        source=_("seed 000 : « nombre de MT différents du territoire de la CPTS ayant eu recours à ce parcours »"),
        exclusions=_(
            "Médecins exerçant hors du territoire du guichet, ou dont la commune n'est pas renseignée ; guichets sans "
            "territoire."
        ),
    ),
    Measure(
        code="patients_contacted_accompanied",
        label=_("Patients ayant pris contact / patients accompagnés"),
        formula=_(
            "patients différents ayant fait l'objet d'une demande reçue dans la période ; parmi eux, ceux dont la "
            "demande a ouvert un parcours"
        ),
        unit=COUNT,
        source=_(
            "seed 003, CPTS Nord Aveyron, chiffres clés : « 70 patients ayant pris contact avec le dispositif », « 35 "
            "patients accompagnés dans le cadre du parcours »"
        ),
    ),
    Measure(
        code="reserved_slots",
        label=_("Créneaux réservés utilisés / libérés"),
        formula=_(
            "créneaux réservés ou d'urgence réservés pour un parcours avant leur libération (non annulés) ; créneaux "
            "libérés inutilisés à leur heure de libération ; part utilisée = utilisés ÷ (utilisés + libérés)"
        ),
        unit=COUNT,
        source=_("seed 001, fiche 4 : créneaux sanctuarisés et leurs règles de libération"),
        exclusions=_("Comptés à la date du créneau (utilisés) et à la date de la libération (libérés)."),
    ),
    Measure(
        code="non_contributive_biopsies",
        label=_("Prélèvements non contributifs"),
        formula=_(
            "demandes d'anatomopathologie dont le résultat (intermédiaire ou définitif) dit le prélèvement non "
            "contributif ÷ demandes d'anatomopathologie ayant un résultat ; en regard, le nombre de ces constats faits "
            "plus de 10 jours après le prélèvement"
        ),
        unit=SHARE,
        source=_(
            "seed 001, fiche 5 : « identifier rapidement les prélèvements non contributifs » ; « des cas d'information "
            "tardive (> 10 jours après envoi du prélèvement) […] les cas de constat tardif (au-delà de 10 jours) "
            "ont été totalement éliminés » ; issue 16, point 5"
        ),
        exclusions=_(
            "Demandes sans résultat (en attente). Cohorte : date de réception de la demande de prise en soins."
        ),
    ),
    Measure(
        code="time_to_rebiopsy",
        label=_("Délai avant la nouvelle biopsie"),
        formula=_(
            "date du nouveau prélèvement − date du résultat non contributif, en jours calendaires ; médiane sur les "
            "nouvelles biopsies adressées"
        ),
        unit=DAYS,
        source=_(
            "seed 001, fiche 5 : « communication à J+2 ou J+3 en cas de biopsie non contributive pour permettre […] "
            "d'organiser rapidement un nouveau prélèvement » ; issue 16, point 5"
        ),
        exclusions=_("Prélèvements non contributifs dont la nouvelle biopsie n'est pas encore adressée (en attente)."),
    ),
    Measure(
        code="case_ready_to_board",
        label=_("Résultat anatomopathologique → dossier inscrit en RCP"),
        formula=_(
            "date de la première inscription d'un dossier du parcours à l'ordre du jour d'une RCP (possible seulement "
            "quand la liste de vérification est complète) − date du résultat anatomopathologique définitif, en jours "
            "calendaires avec décimales ; médiane et 90e centile sur les parcours inscrits"
        ),
        unit=DAYS,
        source=_(
            "seed 001, constat : « un long délai entre les examens et la réunion de concertation pluridisciplinaire "
            "(RCP) » ; fiche 6 : « sécuriser la préparation des RCP » ; issue 16, point 5"
        ),
        exclusions=_(
            "Parcours sans résultat définitif (diagnostic sur l'imagerie seule) ; inscription antérieure au résultat "
            "(erreur de saisie). En attente : parcours ayant un dossier de RCP jamais inscrit et un résultat définitif."
        ),
    ),
    Measure(
        code="board_to_care_plan",
        label=_("RCP → PPS remis au patient"),
        formula=_(
            "date de remise du programme personnalisé de soins (PPS) − date de la décision de RCP (heure de Paris), "
            "en jours entiers (la remise est datée au jour) ; une valeur par décision ; médiane et 90e centile"
        ),
        unit=DAYS,
        source=_(
            "seed 001, fiche 7 : le PPS remis au patient ; seed 004 : complétude « RCP – PPS » ; issue 16, point 5"
        ),
        exclusions=_("En attente : décisions dont le PPS n'est pas encore remis."),
    ),
    Measure(
        code="board_sorting",
        label=_("Dossiers de RCP enregistrés sans discussion / discutés"),
        formula=_(
            "dossiers décidés dont le président a confirmé le tri « standard de soins, dossier enregistré sans "
            "discussion » ÷ dossiers décidés ; en regard, les dossiers décidés en « discussion complète »"
        ),
        unit=SHARE,
        source=_(
            "issue 16, points 2 et 5 : tri des dossiers « enregistré » ou « discussion », confirmé par le président"
        ),
        exclusions=_("Dossiers non décidés (en préparation, inscrits, reportés)."),
    ),
    Measure(
        code="record_completeness",
        label=_("Complétude du dossier (RCP, PPS, PPAC)"),
        formula=_(
            "parcours dont le dossier est complet ÷ parcours concernés ; concernés : cancer confirmé et étape RCP "
            "réalisée ; complet : une décision de RCP enregistrée et le PPS de la dernière décision remis au patient "
            "(règle unique : boards.selectors.record_completeness, la même que le filtre « Dossier incomplet » de la "
            "file) ; en regard, les dossiers sans décision et sans PPS remis"
        ),
        unit=SHARE,
        source=_(
            "seed 004 (PRS PACA-Corse 2023-2028) : le DCC « en assurant sa complétude (RCP – PPS – PPAC) » ; "
            "issue 16, point 4"
        ),
        exclusions=_(
            "Parcours sans cancer confirmé, ou avant leur RCP, ou dont l'étape RCP est « sans objet ». Le programme "
            "personnalisé après cancer (PPAC) n'est pas compté : Jalon ne l'enregistre pas encore (ni objet ni étape "
            "de modèle de parcours) ; il le sera quand il existera."
        ),
    ),
    Measure(
        code="supportive_care_assessed",
        label=_("Patients ayant bénéficié d'un bilan en soins de support"),
        formula=_(
            "parcours avec cancer confirmé dont le patient a eu un repérage des besoins en soins de support ÷ "
            "parcours avec cancer confirmé"
        ),
        unit=SHARE,
        source=_("seed 001, fiches 6 et 8 : « taux de patients bénéficiant d'un bilan en soins de support »"),
        exclusions=_(
            "Le repérage en soins de support n'est pas encore enregistré dans Jalon : cet indicateur vaut 0 jusqu'à "
            "ce qu'il le soit."
        ),
        available=False,
    ),
)

ALL = {item.code: item for item in (*DELAYS, *MEASURES)}

# How a delay's values are grouped for its distribution chart: (upper bound in days, label).
DISTRIBUTION_BUCKETS: tuple[tuple[float | None, str], ...] = (
    (1, _("< 1 j")),
    (2, _("1–2 j")),
    (7, _("2–7 j")),
    (14, _("7–14 j")),
    (21, _("14–21 j")),
    (30, _("21–30 j")),
    (60, _("30–60 j")),
    (None, _("≥ 60 j")),
)

BREAKDOWNS = {
    "month": _("mois"),
    "template": _("modèle de parcours"),
    "site": _("site"),
    "profession": _("profession de l'adresseur"),
}
"""Dimensions a delay can be broken down by; `selectors.BREAKDOWN_COLUMNS` maps them to columns."""


def get(code: str) -> Delay | Measure | None:
    return ALL.get(code)
