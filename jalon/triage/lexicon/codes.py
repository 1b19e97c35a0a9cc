"""The codes the lexicon produces, as plain strings.

They match `jalon.core.vocabulary.AlarmSign` values (the existing signs, and the signs and history facts
issue 14 adds there); they are repeated here so that the lexicon stands on its own until those values land,
and a test checks that every code the data names is one of them.
"""

from __future__ import annotations

# Alarm signs the referral form already offers.
WEIGHT_LOSS = "weight_loss"
ALTERED_GENERAL_STATE = "altered_general_state"
HAEMOPTYSIS = "haemoptysis"
DYSPNOEA = "dyspnoea"
JAUNDICE = "jaundice"
DYSPHAGIA = "dysphagia"
DIGESTIVE_BLEEDING = "digestive_bleeding"
NEUROLOGICAL_DEFICIT = "neurological_deficit"
INTRACRANIAL_HYPERTENSION = "intracranial_hypertension"
PALPABLE_MASS = "palpable_mass"
LYMPHADENOPATHY = "lymphadenopathy"
B_SYMPTOMS = "b_symptoms"
COMPRESSION = "compression"
HYPERCALCAEMIA = "hypercalcaemia"

# Alarm signs issue 14 adds.
INFLAMMATORY_BREAST = "inflammatory_breast"
ANAEMIA = "anaemia"
DYSPHONIA = "dysphonia"
SEIZURE = "seizure"
HAEMATURIA = "haematuria"
POSTMENOPAUSAL_BLEEDING = "postmenopausal_bleeding"
BOWEL_HABIT_CHANGE = "bowel_habit_change"
SUSPICIOUS_SKIN_LESION = "suspicious_skin_lesion"
PERSISTENT_COUGH = "persistent_cough"

# Facts of the patient's history (a family mention never gives them).
CIRRHOSIS = "cirrhosis"
KNOWN_CANCER = "known_cancer"
SMOKER = "smoker"

SIGNS: frozenset[str] = frozenset(
    {
        WEIGHT_LOSS,
        ALTERED_GENERAL_STATE,
        HAEMOPTYSIS,
        DYSPNOEA,
        JAUNDICE,
        DYSPHAGIA,
        DIGESTIVE_BLEEDING,
        NEUROLOGICAL_DEFICIT,
        INTRACRANIAL_HYPERTENSION,
        PALPABLE_MASS,
        LYMPHADENOPATHY,
        B_SYMPTOMS,
        COMPRESSION,
        HYPERCALCAEMIA,
        INFLAMMATORY_BREAST,
        ANAEMIA,
        DYSPHONIA,
        SEIZURE,
        HAEMATURIA,
        POSTMENOPAUSAL_BLEEDING,
        BOWEL_HABIT_CHANGE,
        SUSPICIOUS_SKIN_LESION,
        PERSISTENT_COUGH,
    }
)
HISTORY_FACTS: frozenset[str] = frozenset({CIRRHOSIS, KNOWN_CANCER, SMOKER})
ALL_CODES: frozenset[str] = SIGNS | HISTORY_FACTS

# Imaging scores and size, the keys of a referral's structured exam results (Referral.imaging_findings).
BIRADS = "birads"
EU_TIRADS = "eu_tirads"
LIRADS = "lirads"
LUNG_RADS = "lung_rads"
LESION_SIZE_MM = "lesion_size_mm"

# Ordered values, lowest first (the same order as the criteria's vocabulary: « at least » compares positions).
BIRADS_VALUES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
EU_TIRADS_VALUES: tuple[int, ...] = (1, 2, 3, 4, 5)
LIRADS_VALUES: tuple[str, ...] = ("LR-1", "LR-2", "LR-3", "LR-4", "LR-5", "LR-M", "LR-TIV")
LUNG_RADS_VALUES: tuple[str, ...] = ("1", "2", "3", "4A", "4B", "4X")
LESION_SIZE_MM_MAX = 500
