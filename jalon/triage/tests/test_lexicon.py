"""The French clinical lexicon: signs, history facts, negation, family, scores and sizes read from free text."""

from __future__ import annotations

import json

import pytest

from jalon.triage.lexicon import ALL_CODES, read_clinical_text
from jalon.triage.lexicon import reader as lexicon_reader
from jalon.triage.lexicon.codes import LIRADS_VALUES, LUNG_RADS_VALUES

# (text as a GP writes it, the code it must raise)
ASSERTED = [
    ("Amaigrissement de 8 kg en 2 mois.", "weight_loss"),
    ("amaigrissement inexplique", "weight_loss"),
    ("AMG récent.", "weight_loss"),
    ("Perte de poids de 6 kg.", "weight_loss"),
    ("A perdu 10 kg depuis l'été.", "weight_loss"),
    ("AEG depuis 1 mois.", "altered_general_state"),
    ("Altération de l'état général.", "altered_general_state"),
    ("alteration de l etat general", "altered_general_state"),
    ("Hémoptysies récidivantes.", "haemoptysis"),
    ("HEMOPTYSIE ce matin", "haemoptysis"),
    ("Crachats striés de sang.", "haemoptysis"),
    ("Dyspnée d'effort stade II.", "dyspnoea"),
    ("essoufflement a la marche", "dyspnoea"),
    ("Ictère cutanéo-muqueux indolore.", "jaundice"),
    ("icterique depuis 5 jours", "jaundice"),
    ("Dysphagie aux solides.", "dysphagia"),
    ("Blocages alimentaires répétés.", "dysphagia"),
    ("Rectorragies depuis 3 semaines.", "digestive_bleeding"),
    ("méléna", "digestive_bleeding"),
    ("Déficit moteur du membre supérieur droit.", "neurological_deficit"),
    ("Hémiparésie gauche d'installation progressive.", "neurological_deficit"),
    ("Céphalées matinales avec vomissements, HTIC probable à l'examen.", "intracranial_hypertension"),
    ("Signes d'hypertension intracrânienne.", "intracranial_hypertension"),
    ("Masse palpable du sein gauche.", "palpable_mass"),
    ("Nodule du sein droit de découverte récente.", "palpable_mass"),
    ("Tuméfaction cervicale droite.", "palpable_mass"),
    ("Adénopathies cervicales bilatérales.", "lymphadenopathy"),
    ("ADP sus-claviculaire gauche.", "lymphadenopathy"),
    ("adenopathie axillaire", "lymphadenopathy"),
    ("Fièvre vespérale et sueurs nocturnes.", "b_symptoms"),
    ("sueurs nocturnes profuses", "b_symptoms"),
    ("Sd cave supérieur.", "compression"),
    ("Syndrome cave avec œdème en pèlerine.", "compression"),
    ("Hypercalcémie à 3,1 mmol/l.", "hypercalcaemia"),
    ("calcemie a 2,9 mmol/l", "hypercalcaemia"),
    ("Sein gauche inflammatoire, peau d'orange.", "inflammatory_breast"),
    ("peau d orange du quadrant supero-externe", "inflammatory_breast"),
    ("Anémie ferriprive inexpliquée.", "anaemia"),
    ("Hb à 9,5 g/dl.", "anaemia"),
    ("Carence martiale.", "anaemia"),
    ("Dysphonie depuis 6 semaines.", "dysphonia"),
    ("Voix rauque persistante, enrouement.", "dysphonia"),
    ("Stridor inspiratoire.", "dysphonia"),
    ("Première crise d'épilepsie à 58 ans.", "seizure"),
    ("crise comitiale generalisee", "seizure"),
    ("Convulsions hier soir.", "seizure"),
    ("crise d epilepsie inaugurale", "seizure"),
    ("Hématurie macroscopique totale.", "haematuria"),
    ("Métrorragies post-ménopausiques.", "postmenopausal_bleeding"),
    ("Patiente ménopausée depuis 10 ans, métrorragies depuis 1 mois.", "postmenopausal_bleeding"),
    ("Modification récente du transit.", "bowel_habit_change"),
    ("Alternance diarrhée-constipation.", "bowel_habit_change"),
    ("Lésion pigmentée du dos qui change.", "suspicious_skin_lesion"),
    ("Naevus atypique de la jambe.", "suspicious_skin_lesion"),
    ("Suspicion de mélanome.", "suspicious_skin_lesion"),
    ("Toux persistante depuis 2 mois.", "persistent_cough"),
    ("toux seche chronique", "persistent_cough"),
    ("Toux depuis plus de 3 semaines.", "persistent_cough"),
    ("Cirrhose alcoolique Child A.", "cirrhosis"),
    ("Hépatite C chronique.", "cirrhosis"),
    ("VHB connu, suivi en hépatologie.", "cirrhosis"),
    ("ATCD de K du sein traité en 2015.", "known_cancer"),
    ("Antécédent de cancer du côlon opéré.", "known_cancer"),
    ("atcd de neo prostatique", "known_cancer"),
    ("Métastases hépatiques connues.", "known_cancer"),
    ("Traitée pour un lymphome en 2010.", "known_cancer"),
    ("Tabagisme actif.", "smoker"),
    ("Fumeur 40 PA.", "smoker"),
    ("Ex-fumeuse, sevrée depuis 5 ans.", "smoker"),
    ("tabagisme sevre a 30 paquets-annees", "smoker"),
    ("Adressée par sa fille pour AEG.", "altered_general_state"),
]

# « pas d'amélioration de la dyspnée »: the sign persists, so it is present (edsnlp's pseudo-negation,
# extended in reader.EXTRA_PSEUDO_NEGATIONS to « sans amélioration », « pas de régression »...).
ASSERTED += [
    ("Pas d'amélioration de la dyspnée malgré les aérosols.", "dyspnoea"),
    ("Sans amélioration de la toux chronique sous antibiotiques.", "persistent_cough"),
    ("Pas de régression des adénopathies.", "lymphadenopathy"),
]

# Rectal, pelvic and testicular masses, a prostate felt malignant, a changing naevus (« nævus » with its
# ligature, « naevus », « nevus »), a lesion suspected of melanoma: NICE NG12 1.3.5, 1.5.1, 1.6.1, 1.6.7, 1.7.1.
ASSERTED += [
    ("Masse rectale dure au toucher rectal.", "palpable_mass"),
    ("masse rectale au TR", "palpable_mass"),
    ("Masse du rectum au toucher rectal.", "palpable_mass"),
    ("Masse pelvienne et ascite à l'échographie.", "palpable_mass"),
    ("masse pelvienne", "palpable_mass"),
    ("Masse annexielle droite.", "palpable_mass"),
    ("Tuméfaction testiculaire dure.", "palpable_mass"),
    ("Masse testiculaire droite.", "palpable_mass"),
    ("Nodule testiculaire gauche.", "palpable_mass"),
    ("Induration testiculaire.", "palpable_mass"),
    ("Testicule droit augmenté de volume, dur.", "palpable_mass"),
    ("Augmentation de volume indolore du testicule droit, dure.", "palpable_mass"),
    ("Toucher rectal : prostate dure et irrégulière.", "palpable_mass"),
    ("Nævus modifié du dos.", "suspicious_skin_lesion"),
    ("NÆVUS MODIFIÉ", "suspicious_skin_lesion"),
    ("Nævus du dos modifié depuis 3 mois : asymétrique, bords irréguliers.", "suspicious_skin_lesion"),
    ("naevus qui change de couleur", "suspicious_skin_lesion"),
    ("nevus modifie", "suspicious_skin_lesion"),
    ("Grain de beauté qui a changé d'aspect.", "suspicious_skin_lesion"),
    ("Lésion suspecte de mélanome.", "suspicious_skin_lesion"),
    ("lesion suspecte de melanome", "suspicious_skin_lesion"),
    ("Lésion mélanocytaire atypique de la cuisse.", "suspicious_skin_lesion"),
    ("ABCDE positif.", "suspicious_skin_lesion"),
]

# (text, the code the text negates: never raised, kept in `negated`)
NEGATED = [
    ("Pas de fièvre.", "b_symptoms"),
    ("Sans hémoptysie.", "haemoptysis"),
    ("sans hemoptysie", "haemoptysis"),
    ("Absence d'adénopathie.", "lymphadenopathy"),
    ("Aucune dysphagie.", "dysphagia"),
    ("Ni fièvre ni sueurs nocturnes.", "b_symptoms"),
    ("Elle n'a pas d'ictère.", "jaundice"),
    ("Hématurie non retrouvée.", "haematuria"),
    ("Compression médullaire éliminée.", "compression"),
    ("Bilan négatif pour une hypercalcémie.", "hypercalcaemia"),
    ("Hémoptysie : non.", "haemoptysis"),
    ("Pas d'antécédent de cancer.", "known_cancer"),
    ("Pas de tabagisme.", "smoker"),
    ("Pas de masse rectale.", "palpable_mass"),
    ("pas de masse rectale au toucher rectal", "palpable_mass"),
    ("Pas de masse pelvienne.", "palpable_mass"),
    ("Sans tuméfaction testiculaire.", "palpable_mass"),
    ("Pas de nævus modifié.", "suspicious_skin_lesion"),
    ("Pas de modification des naevus.", "suspicious_skin_lesion"),
    ("Aucune lésion suspecte de mélanome.", "suspicious_skin_lesion"),
]

# (text, a code it must not raise): family history, conditions, a non-smoker.
NOT_RAISED = [
    ("Mère décédée d'un cancer du sein.", "known_cancer"),
    ("Antécédents familiaux de cancer du côlon.", "known_cancer"),
    ("ATCD de cancer du sein chez la mère.", "known_cancer"),
    ("Père fumeur.", "smoker"),
    ("Si hémoptysie, reconsulter.", "haemoptysis"),
    ("Non fumeur.", "smoker"),
    ("Tabac : 0.", "smoker"),
    ("Adressée pour suspicion de cancer du sein.", "known_cancer"),
    ("Métrorragies chez une patiente de 35 ans.", "postmenopausal_bleeding"),
    ("PA 140/90.", "smoker"),
    ("Testicules normaux à la palpation.", "palpable_mass"),
    ("Grossesse en cours.", "palpable_mass"),
    ("Nævus stable depuis 10 ans.", "suspicious_skin_lesion"),
]

# (text, the imaging findings it gives, as Referral.imaging_findings holds them)
IMAGING = [
    ("Mammographie : ACR 4 à gauche.", {"birads": 4}),
    ("BIRADS 5", {"birads": 5}),
    ("Lésion classée BI-RADS 4B.", {"birads": 4}),
    ("ACR 2 à droite, ACR 5 à gauche.", {"birads": 5}),
    ("Seins denses, densité ACR 3, pas d'anomalie.", {}),
    ("ACR récupéré en 2019.", {}),
    ("Nodule thyroïdien EU-TIRADS 5.", {"eu_tirads": 5}),
    ("eutirads 4", {"eu_tirads": 4}),
    ("Nodule LR-5 sur foie de cirrhose.", {"lirads": "LR-5"}),
    ("LI-RADS LR-M", {"lirads": "LR-M"}),
    ("thrombose portale tumorale LR-TIV", {"lirads": "LR-TIV"}),
    ("Lung-RADS 4B.", {"lung_rads": "4B"}),
    ("lung rads 3", {"lung_rads": "3"}),
    ("Nodule pulmonaire de 25 mm.", {"lesion_size_mm": 25}),
    ("Masse de 2,5 cm du sein.", {"lesion_size_mm": 25}),
    ("Adénopathie de 3cm.", {"lesion_size_mm": 30}),
    ("Nodule de 12 x 8 mm.", {"lesion_size_mm": 12}),
    ("ADP de 2 x 3 cm et ADP de 15 mm.", {"lesion_size_mm": 30}),
    ("Tumeur à 10 cm de la marge anale.", {}),
    ("Pas d'ADP > 1 cm.", {}),
    ("Amaigrissement de 8 kg, taille 170 cm.", {}),
]


@pytest.mark.parametrize(("text", "code"), ASSERTED)
def test_it_reads_the_sign(text, code):
    """A sign written with or without accents, in full or abbreviated, in a plural or inflected form, is raised."""
    assert code in read_clinical_text(text).codes


@pytest.mark.parametrize(("text", "code"), NEGATED)
def test_it_keeps_negated_signs_apart(text, code):
    """A negated sign is never raised and is kept in `negated`."""
    reading = read_clinical_text(text)
    assert code not in reading.codes
    assert code in reading.negated_codes


@pytest.mark.parametrize(("text", "code"), NOT_RAISED)
def test_it_does_not_raise(text, code):
    """A relative's history, a condition, a non-smoker raise nothing."""
    assert code not in read_clinical_text(text).codes


@pytest.mark.parametrize(("text", "findings"), IMAGING)
def test_it_reads_imaging_scores_and_sizes(text, findings):
    """Scores and the largest lesion size come out shaped like Referral.imaging_findings."""
    assert read_clinical_text(text).imaging_findings == findings


def test_it_reads_several_signs_around_a_negation():
    """A negation in the middle of a text negates its own clause only."""
    reading = read_clinical_text(
        "Homme de 64 ans, fumeur 40 PA. Toux persistante et AMG de 7 kg, pas de fièvre ni d'hémoptysie "
        "mais dyspnée d'effort. Scanner : masse du LSD de 35 mm, ADP médiastinales. Mère décédée d'un cancer."
    )
    assert reading.codes == {"smoker", "persistent_cough", "weight_loss", "dyspnoea", "lymphadenopathy"}
    assert reading.negated_codes == {"b_symptoms", "haemoptysis"}
    assert reading.imaging_findings == {"lesion_size_mm": 35}
    assert reading.signs == {"persistent_cough", "weight_loss", "dyspnoea", "lymphadenopathy"}
    assert reading.history == {"smoker"}


def test_it_gives_the_words_and_their_span():
    """Each mention carries the words as written and their place in the original text."""
    text = "Patiente de 70 ans. Hémoptysies depuis 8 jours."
    (mention,) = read_clinical_text(text).asserted
    assert (mention.code, mention.text) == ("haemoptysis", "Hémoptysies")
    assert text[mention.start : mention.end] == "Hémoptysies"


def test_it_keeps_a_family_history_apart():
    """A relative's cancer is kept in `family`, not raised as the patient's history."""
    reading = read_clinical_text("ATCD familiaux : cancer du sein chez la mère ; ATCD de néo du côlon opéré en 2012.")
    assert "known_cancer" in reading.codes
    reading = read_clinical_text("ATCD de cancer du sein chez la mère.")
    assert [mention.code for mention in reading.family] == ["known_cancer"]


def test_it_keeps_a_conditional_sign_uncertain():
    """A sign under a hypothesis cue is kept in `uncertain`, not raised."""
    reading = read_clinical_text("Si hémoptysie, reconsulter.")
    assert [mention.code for mention in reading.uncertain] == ["haemoptysis"]


def test_it_raises_a_code_asserted_once_even_if_negated_elsewhere():
    """A sign asserted in one sentence is raised even when another sentence negates it."""
    reading = read_clinical_text("Pas de fièvre à l'admission. Depuis hier, fièvre à 39 °C.")
    assert "b_symptoms" in reading.codes
    assert "b_symptoms" not in reading.negated_codes


def test_it_reads_nothing_in_an_empty_text():
    """An empty or blank text gives an empty reading without building the pipeline."""
    assert read_clinical_text("").codes == frozenset()
    assert read_clinical_text("   \n").imaging_findings == {}


def test_every_code_of_the_data_is_known():
    """terms.json only names codes of the agreed list (those AlarmSign holds or will hold)."""
    data = json.loads(lexicon_reader.TERMS_FILE.read_text(encoding="utf-8"))
    named = {entry.get("code", key) for key, entry in data.items() if not key.startswith("_")}
    assert named == ALL_CODES


def test_the_agreed_score_values_are_those_of_the_vocabulary():
    """Score values follow the criteria's order (the triage's « at least » compares positions)."""
    assert LIRADS_VALUES == ("LR-1", "LR-2", "LR-3", "LR-4", "LR-5", "LR-M", "LR-TIV")
    assert LUNG_RADS_VALUES == ("1", "2", "3", "4A", "4B", "4X")


def test_the_pipeline_is_built_once():
    """The edsnlp pipeline is cached per process: every reading uses the same one."""
    read_clinical_text("Hémoptysie.")
    first = lexicon_reader.pipeline()
    read_clinical_text("Dyspnée.")
    assert lexicon_reader.pipeline() is first
    assert lexicon_reader.pipeline.cache_info().misses == 1


def test_a_text_read_again_is_not_run_through_the_pipeline_again(monkeypatch):
    """A referral page reads its referral's text on every view: the reading is kept per process by text (it
    depends on nothing else), and a different text is read afresh."""
    text = "Amaigrissement de 7 kg et rectorragies depuis un mois (texte propre à ce test)."
    first = read_clinical_text(text)
    monkeypatch.setattr(lexicon_reader, "pipeline", lambda: pytest.fail("the pipeline ran again"))
    assert read_clinical_text(text) is first
    assert {"weight_loss", "digestive_bleeding"} <= first.codes
    monkeypatch.undo()
    other = read_clinical_text("Pas d'amaigrissement ; rectorragies depuis un mois (texte propre à ce test).")
    assert other is not first and "weight_loss" not in other.codes
