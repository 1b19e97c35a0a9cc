"""The GP's web referral form as the benchmarks fill it (one place: intake_bench, pages_bench and the load
benchmark's locustfile post the same form): a lung suspicion with one CT scan, for a patient of the caller's
choice. Plain Python, without Django: Locust's processes import it too."""

from __future__ import annotations

from datetime import date, timedelta

FIRST_NAMES = ["Jeanne Marie", "Paul", "Louise", "Henri Joseph", "Claire", "Marcel", "Odile", "Yves"]
BIRTH_NAMES = ["Lefèvre", "Kieffer", "Schmitt", "Muller", "Dupont-Weber", "Hoffmann", "Roussel", "N'Diaye"]


def referral_form_data(
    seq: int, *, entry_point_id: int, ins: str, sex: str, birth_date: str, gp_rpps: str, today: date | None = None
) -> dict[str, str]:
    """The POST data of /demandes/nouvelle/ for the `seq`-th submission (names vary with it)."""
    today = today or date.today()
    return {
        "entry_point": str(entry_point_id),
        "ins": ins,
        "birth_name": BIRTH_NAMES[seq % len(BIRTH_NAMES)],
        "used_name": "",
        "first_names": FIRST_NAMES[seq % len(FIRST_NAMES)],
        "sex": sex,
        "birth_date": birth_date,
        "birth_place_code": "",
        "commune": "67482",
        "phone": "06 12 34 56 78",
        "gp": gp_rpps,  # the form finds the GP by RPPS (or name)
        "suspected_site": "lung",
        "clinical_reason": "Toux persistante depuis six semaines, opacité sur la radiographie.",
        "first_symptoms_date": (today - timedelta(days=40)).isoformat(),
        "declared_urgency": "urgent",
        "question": "diagnosis",
        "patient_informed": "yes",
        "exams-TOTAL_FORMS": "3",
        "exams-INITIAL_FORMS": "0",
        "exams-MIN_NUM_FORMS": "0",
        "exams-MAX_NUM_FORMS": "10",
        "exams-0-kind": "ct",
        "exams-0-done_on": (today - timedelta(days=10)).isoformat(),
        "exams-0-place": "Imagerie Nord",
        "exams-0-summary": "Nodule spiculé de 25 mm du lobe supérieur droit.",
    }
