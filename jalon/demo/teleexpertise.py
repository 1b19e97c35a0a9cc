"""Demo tele-expertise for `load_demo`: the hospital's pulmonology and gastroenterology answer GPs' questions;
three requests through the real services (one answered, one late, one just asked).

The requests and the answer are data/teleexpertise.json. Deterministic; times are relative to `now`, each
step played at its own moment (time-machine), so deadlines, answers and the late alert tell a consistent story. No
request is converted here: the demo's referral count stays what `load_demo` promises, and the GP can turn the answered
one into a referral from its page.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from jalon.core.actor import Actor
from jalon.core.demo_data import make_ins
from jalon.demo.datafiles import demo_data
from jalon.directory.models import Organization, Service
from jalon.patients.models import IdentityStatus
from jalon.patients.services import PatientIdentity
from jalon.referrals.models import EntryPoint
from jalon.teleexpertise.models import TeleExpertiseOffer, TeleExpertiseRequest
from jalon.teleexpertise.services import teleexpertise_answer, teleexpertise_request_submit, teleexpertise_scan_late


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


def _identity(row: dict, *, gp_id: int) -> PatientIdentity:
    birth_date = date.fromisoformat(row["birth_date"])
    return PatientIdentity(
        birth_name=row["birth_name"],
        first_names=row["first_names"],
        sex=row["sex"],
        birth_date=birth_date,
        ins=make_ins(sex=row["sex"], birth_date=birth_date, seed=row["ins_seed"]),
        identity_status=IdentityStatus.RECOVERED,  # the GP's word; only the coordination qualifies
        commune_code="67482",
        gp_id=gp_id,
    )


def _ago(now, offset: dict) -> datetime:
    return now - timedelta(days=offset.get("days", 0), hours=offset.get("hours", 0))


def create_demo_teleexpertise(
    *, hospital: Organization, entry_point: EntryPoint, gp, specialist, now
) -> list[TeleExpertiseRequest]:
    """Offers for the hospital's answering services (2 working days, referring to `entry_point`) and the
    requests of data/teleexpertise.json from the `gp` login: one answered by the `specialist` login, one
    late, one just asked."""
    data = demo_data("teleexpertise")
    # The services that answer (seed 001, fiche 1, action clé 3: the Hainaut hospitals opened their
    # gastroenterologists to GPs; pulmonology is the demo's other fast track).
    offers = {
        service.name: TeleExpertiseOffer.objects.get_or_create(service=service, defaults={"entry_point": entry_point})[
            0
        ]
        for service in Service.objects.filter(organization=hospital, name__in=data["answering_services"])
    }
    requests = [_request_submit(row, offers[row["service"]], gp=gp, now=now) for row in data["requests"]]
    answer = data["answer"]
    with time_machine.travel(_ago(now, answer["ago"]), tick=False):
        teleexpertise_answer(actor=Actor(user=specialist), request=requests[answer["request"]], answer=answer["text"])
    teleexpertise_scan_late(now=now)  # the second request is past its 2 working days: flagged, the service told
    return requests


def _request_submit(row: dict, offer: TeleExpertiseOffer, *, gp, now) -> TeleExpertiseRequest:
    """One GP's request, submitted at its moment with its documents."""
    with time_machine.travel(_ago(now, row["ago"]), tick=False):
        uploads = [
            SimpleUploadedFile(
                document["name"], _report_pdf(document["title"], document["lines"]), content_type="application/pdf"
            )
            for document in row["documents"]
        ]
        return teleexpertise_request_submit(
            actor=Actor(user=gp),
            offer=offer,
            requester=gp.professional,
            patient=_identity(row["patient"], gp_id=gp.professional_id),
            suspected_site=row["suspected_site"],
            question=row["question"],
            clinical_summary=row["clinical_summary"],
            documents=uploads,
        )
