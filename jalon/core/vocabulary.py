"""The shared clinical vocabulary: cancer sites, pathway kinds, urgency, alarm signs, priorities, resource kinds.

Every app speaks it (referrals, triage, pathways, scheduling, indicators), so it lives at the ground floor.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _


class CancerSite(models.TextChoices):
    """Suspected cancer sites: the controlled list the intake form offers."""

    LUNG = "lung", _("Poumon")
    PANCREAS_BILIARY = "pancreas_biliary", _("Pancréas et voies biliaires")
    LIVER = "liver", _("Foie")
    COLORECTAL = "colorectal", _("Côlon et rectum")
    OESOGASTRIC = "oesogastric", _("Œsophage et estomac")
    BREAST = "breast", _("Sein")
    LYMPHOMA = "lymphoma", _("Lymphome, hématologie")
    THYROID = "thyroid", _("Thyroïde")
    BRAIN = "brain", _("Cerveau (glioblastome, tumeur cérébrale)")
    GYNAECOLOGICAL = "gynaecological", _("Gynécologique (ovaire, utérus)")
    UROLOGICAL = "urological", _("Urologique (prostate, rein, vessie)")
    HEAD_NECK = "head_neck", _("ORL, tête et cou")
    SKIN = "skin", _("Peau (mélanome)")
    UNKNOWN_PRIMARY = "unknown_primary", _("Primitif inconnu, autre")


class PathwayKind(models.TextChoices):
    """Pathway templates a referral can be accepted into (the pathway engine adds their milestones)."""

    LUNG = "lung", _("Poumon")
    PANCREAS_BILIARY = "pancreas_biliary", _("Pancréas et voies biliaires")
    LIVER = "liver", _("Foie")
    DIGESTIVE = "digestive", _("Digestif")
    BREAST = "breast", _("Sein")
    LYMPHOMA = "lymphoma", _("Lymphome")
    THYROID = "thyroid", _("Thyroïde")
    GLIOBLASTOMA = "glioblastoma", _("Glioblastome")
    GENERIC = "generic", _("Générique")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Habituelle")
    URGENT = "urgent", _("Urgente")
    VERY_URGENT = "very_urgent", _("Très urgente")


class AlarmSign(models.TextChoices):
    """Warning signs the referrer ticks; triage rules read them (seed 001, fiche 1: « signes d'alerte »)."""

    WEIGHT_LOSS = "weight_loss", _("Amaigrissement rapide")
    ALTERED_GENERAL_STATE = "altered_general_state", _("Altération de l'état général")
    HAEMOPTYSIS = "haemoptysis", _("Hémoptysie")
    DYSPNOEA = "dyspnoea", _("Dyspnée")
    JAUNDICE = "jaundice", _("Ictère")
    DYSPHAGIA = "dysphagia", _("Dysphagie")
    DIGESTIVE_BLEEDING = "digestive_bleeding", _("Saignement digestif")
    NEUROLOGICAL_DEFICIT = "neurological_deficit", _("Déficit neurologique")
    INTRACRANIAL_HYPERTENSION = "intracranial_hypertension", _("Signes d'hypertension intracrânienne")
    PALPABLE_MASS = "palpable_mass", _("Masse palpable")
    LYMPHADENOPATHY = "lymphadenopathy", _("Adénopathies")
    B_SYMPTOMS = "b_symptoms", _("Fièvre, sueurs nocturnes (signes B)")
    COMPRESSION = "compression", _("Signes de compression (veine cave, moelle)")
    HYPERCALCAEMIA = "hypercalcaemia", _("Hypercalcémie")
    INFLAMMATORY_BREAST = "inflammatory_breast", _("Sein inflammatoire (peau d'orange)")
    ANAEMIA = "anaemia", _("Anémie ferriprive")
    DYSPHONIA = "dysphonia", _("Dysphonie persistante, stridor")
    SEIZURE = "seizure", _("Crise d'épilepsie")
    HAEMATURIA = "haematuria", _("Hématurie")
    POSTMENOPAUSAL_BLEEDING = "postmenopausal_bleeding", _("Métrorragies post-ménopausiques")
    BOWEL_HABIT_CHANGE = "bowel_habit_change", _("Modification du transit")
    SUSPICIOUS_SKIN_LESION = "suspicious_skin_lesion", _("Lésion pigmentée suspecte")
    PERSISTENT_COUGH = "persistent_cough", _("Toux persistante")
    # History facts (« Antécédents »): stored with the signs, shown apart on the form (HISTORY_FACTS).
    CIRRHOSIS = "cirrhosis", _("Hépatite chronique ou cirrhose")
    KNOWN_CANCER = "known_cancer", _("Antécédent de cancer")
    SMOKER = "smoker", _("Tabagisme (actif ou sevré)")


# The codes of AlarmSign that are facts of the patient's history, not signs: the form shows them under
# « Antécédents »; triage reads them with the `history_any` condition.
HISTORY_FACTS: frozenset[str] = frozenset({AlarmSign.CIRRHOSIS, AlarmSign.KNOWN_CANCER, AlarmSign.SMOKER})


def alarm_sign_choices() -> list[tuple[str, str]]:
    """The choices of the « Signes d'alerte » boxes (history facts excluded)."""
    return [(value, label) for value, label in AlarmSign.choices if value not in HISTORY_FACTS]


def history_fact_choices() -> list[tuple[str, str]]:
    """The choices of the « Antécédents » boxes."""
    return [(value, label) for value, label in AlarmSign.choices if value in HISTORY_FACTS]


# Imaging scores a referral may carry as structured exam results (Referral.imaging_findings), each with its
# ordered values: BI-RADS (ACR 2013; « classification ACR » in France), EU-TIRADS (Russ et al., 2017), LI-RADS
# (ACR v2018, liver in cirrhosis), Lung-RADS (ACR v2022). Order matters: the triage's "at least" conditions
# compare positions in these tuples.
BIRADS_VALUES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
EU_TIRADS_VALUES: tuple[int, ...] = (1, 2, 3, 4, 5)
LIRADS_VALUES: tuple[str, ...] = ("LR-1", "LR-2", "LR-3", "LR-4", "LR-5", "LR-M", "LR-TIV")
LUNG_RADS_VALUES: tuple[str, ...] = ("1", "2", "3", "4A", "4B", "4X")
LESION_SIZE_MM_MAX = 500

IMAGING_FINDING_LABELS: dict[str, object] = {
    "birads": _("BI-RADS / ACR (sein)"),
    "eu_tirads": _("EU-TIRADS (thyroïde)"),
    "lirads": _("LI-RADS (foie sur cirrhose)"),
    "lung_rads": _("Lung-RADS (nodule pulmonaire)"),
    "lesion_size_mm": _("Taille de la lésion ou du ganglion (mm)"),
}


class Priority(models.TextChoices):
    P1 = "P1", _("P1 – très urgent")
    P2 = "P2", _("P2 – urgent")
    P3 = "P3", _("P3 – habituel")


class ResourceKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    CT = "ct", _("Scanner (TDM)")
    MRI = "mri", _("IRM")
    PET_CT = "pet_ct", _("TEP-TDM")
    ENDOSCOPY = "endoscopy", _("Endoscopie, écho-endoscopie")
    BIOPSY = "biopsy", _("Biopsie")
    ANAESTHESIA = "anaesthesia", _("Consultation d'anesthésie")
    DAY_HOSPITAL = "day_hospital", _("Place d'hôpital de jour")


class Specialty(models.TextChoices):
    """The medical specialty a booked step needs, matched against the service that holds a resource."""

    PNEUMOLOGY = "pneumology", _("Pneumologie")
    GASTROENTEROLOGY = "gastroenterology", _("Hépato-gastro-entérologie")
    MEDICAL_ONCOLOGY = "medical_oncology", _("Oncologie médicale")
    HAEMATOLOGY = "haematology", _("Hématologie")
    SENOLOGY = "senology", _("Sénologie")
    ENDOCRINOLOGY = "endocrinology", _("Endocrinologie")
    NEURO_ONCOLOGY = "neuro_oncology", _("Neuro-oncologie")
    NEUROSURGERY = "neurosurgery", _("Neurochirurgie")
    ENT = "ent", _("ORL")
    RADIOLOGY = "radiology", _("Radiologie")
    NUCLEAR_MEDICINE = "nuclear_medicine", _("Médecine nucléaire")
    ANAESTHESIA = "anaesthesia", _("Anesthésie")


# The directory's specialties are free text (« Pneumologie », « Oncologie médicale »...): the other
# spellings met in French directories, normalised (lower case, no accent, no punctuation).
_SPECIALTY_SYNONYMS = {
    "pneumologie": Specialty.PNEUMOLOGY,
    "pneumo": Specialty.PNEUMOLOGY,
    "gastro enterologie": Specialty.GASTROENTEROLOGY,
    "gastroenterologie": Specialty.GASTROENTEROLOGY,
    "hepato gastro enterologie": Specialty.GASTROENTEROLOGY,
    "hepatogastroenterologie": Specialty.GASTROENTEROLOGY,
    "oncologie": Specialty.MEDICAL_ONCOLOGY,
    "oncologie medicale": Specialty.MEDICAL_ONCOLOGY,
    "hematologie": Specialty.HAEMATOLOGY,
    "hematologie clinique": Specialty.HAEMATOLOGY,
    "senologie": Specialty.SENOLOGY,
    "gynecologie senologie": Specialty.SENOLOGY,
    "endocrinologie": Specialty.ENDOCRINOLOGY,
    "endocrinologie diabetologie": Specialty.ENDOCRINOLOGY,
    "neuro oncologie": Specialty.NEURO_ONCOLOGY,
    "neurooncologie": Specialty.NEURO_ONCOLOGY,
    "neurochirurgie": Specialty.NEUROSURGERY,
    "orl": Specialty.ENT,
    "oto rhino laryngologie": Specialty.ENT,
    "radiologie": Specialty.RADIOLOGY,
    "imagerie medicale": Specialty.RADIOLOGY,
    "medecine nucleaire": Specialty.NUCLEAR_MEDICINE,
    "anesthesie": Specialty.ANAESTHESIA,
    "anesthesie reanimation": Specialty.ANAESTHESIA,
}


def specialty_code(text: str | None) -> str:
    """The `Specialty` code a directory's specialty names (its code, its label or a known spelling,
    with or without accents), or "" when it names none."""
    if not text:
        return ""
    if text in Specialty.values:
        return text
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = " ".join(re.split(r"[^a-z]+", plain)).strip()
    return _SPECIALTY_SYNONYMS.get(plain, "")
