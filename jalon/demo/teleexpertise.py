"""Demo tele-expertise for `load_demo`: the hospital's pulmonology and gastroenterology answer GPs' questions;
three requests through the real services (one answered, one late, one just asked).

Deterministic; times are relative to `now`, each step played at its own moment (time-machine), so
deadlines, answers and the late alert tell a consistent story. No request is converted here: the demo's
referral count stays what `load_demo` promises, and the GP can turn the answered one into a referral
from its page.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from jalon.core.actor import Actor
from jalon.core.demo_data import make_ins
from jalon.directory.models import Organization, Service
from jalon.patients.models import IdentityStatus, Sex
from jalon.patients.services import PatientIdentity
from jalon.referrals.models import EntryPoint
from jalon.teleexpertise.models import TeleExpertiseOffer, TeleExpertiseRequest
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_request_submit, teleexpertise_scan_late

# The services that answer tele-expertise in the demo (seed 001, fiche 1, action clé 3: the Hainaut
# hospitals opened their gastroenterologists to GPs; pulmonology is the demo's other fast track).
ANSWERING_SERVICES = ("Pneumologie", "Hépato-gastro-entérologie")


def _report_pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(60, 780, title)
    page.setFont("Helvetica", 10)
    for number, line in enumerate([*lines, "Document fictif : données de démonstration de Jalon."]):
        page.drawString(60, 750 - 16 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _identity(*, birth_name: str, first_names: str, sex: str, birth_date: date, seed: int, gp_id: int) -> PatientIdentity:
    return PatientIdentity(
        birth_name=birth_name,
        first_names=first_names,
        sex=sex,
        birth_date=birth_date,
        ins=make_ins(sex=sex, birth_date=birth_date, seed=seed),
        identity_status=IdentityStatus.RECOVERED,  # the GP's word; only the coordination qualifies
        commune_code="67482",
        gp_id=gp_id,
    )


def create_demo_teleexpertise(*, hospital: Organization, entry_point: EntryPoint, gp, specialist, now) -> list[TeleExpertiseRequest]:
    """Offers for the hospital's answering services (2 working days, referring to `entry_point`) and three
    requests from the `gp` login: one answered by the `specialist` login, one late, one just asked."""
    offers = {
        service.name: TeleExpertiseOffer.objects.get_or_create(service=service, defaults={"entry_point": entry_point})[0]
        for service in Service.objects.filter(organization=hospital, name__in=ANSWERING_SERVICES)
    }
    pulmonology, gastroenterology = offers["Pneumologie"], offers["Hépato-gastro-entérologie"]
    actor = Actor(user=gp)
    plan = [
        (
            now - timedelta(days=8, hours=3),
            pulmonology,
            _identity(birth_name="Keller", first_names="Marcel André", sex=Sex.MALE, birth_date=date(1951, 6, 2), seed=9101, gp_id=gp.professional_id),
            "lung",
            "Nodule pulmonaire spiculé de 18 mm découvert sur un scanner de contrôle : faut-il un TEP-TDM d'emblée ou une consultation d'abord ?",
            "Ancien fumeur (35 paquets-années, sevré depuis 5 ans). Pas de symptôme respiratoire, poids stable. BPCO stade 2.",
            [("scanner-thorax-keller.pdf", "Scanner thoracique", ["Nodule spiculé du lobe supérieur gauche, 18 mm.", "Pas d'adénopathie médiastinale."])],
        ),
        (
            now - timedelta(days=7, hours=1),
            pulmonology,
            _identity(birth_name="Schmitt", first_names="Odile", sex=Sex.FEMALE, birth_date=date(1958, 11, 23), seed=9102, gp_id=gp.professional_id),
            "lung",
            "Toux et hémoptysies minimes depuis trois semaines, radiographie normale : quel bilan proposez-vous ?",
            "Non fumeuse, exposition professionnelle à l'amiante (chantier naval). Perte de 3 kg en un mois.",
            [],
        ),
        (
            now - timedelta(hours=2),
            gastroenterology,
            _identity(birth_name="Muller", first_names="Jean-Paul", sex=Sex.MALE, birth_date=date(1963, 2, 14), seed=9103, gp_id=gp.professional_id),
            "pancreas_biliary",
            "Diabète découvert il y a deux mois, amaigrissement de 6 kg et douleurs épigastriques : faut-il une imagerie pancréatique en urgence ?",
            "HbA1c 8,1 %. Douleurs transfixiantes la nuit. Pas d'ictère. Échographie abdominale peu contributive (gaz).",
            [("echographie-muller.pdf", "Échographie abdominale", ["Pancréas mal vu (interposition gazeuse).", "Voies biliaires non dilatées."])],
        ),
    ]
    requests = []
    for moment, offer, identity, site, question, summary, documents in plan:
        with time_machine.travel(moment, tick=False):
            uploads = [
                SimpleUploadedFile(name, _report_pdf(title, lines), content_type="application/pdf")
                for name, title, lines in documents
            ]
            requests.append(
                teleexpertise_request_submit(
                    actor=actor,
                    offer=offer,
                    requester=gp.professional,
                    patient=identity,
                    suspected_site=site,
                    question=question,
                    clinical_summary=summary,
                    documents=uploads,
                )
            )
    with time_machine.travel(now - timedelta(days=7, hours=20), tick=False):
        teleexpertise_answer(
            actor=Actor(user=specialist),
            request=requests[0],
            answer=(
                "Nodule suspect de néoplasie : je propose un TEP-TDM puis une consultation en hôpital de jour. "
                "Si vous êtes d'accord, orientez le patient vers le diagnostic rapide depuis cette page : "
                "la demande reprendra ce que vous avez saisi."
            ),
        )
    teleexpertise_scan_late(now=now)  # the second request is past its 2 working days: flagged, the service told
    return requests
