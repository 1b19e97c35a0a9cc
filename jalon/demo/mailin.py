"""Demo mails for `load_demo`: what a coordination finds in its secure mailbox, stored through the real service."""

from __future__ import annotations

import io
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from jalon.core.actor import Actor
from jalon.directory.models import Profession, Professional
from jalon.mailin.models import InboundMail
from jalon.mailin.services import inbound_mail_store
from jalon.referrals.models import EntryPoint


def _report_pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)  # same bytes every time
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(60, 780, title)
    page.setFont("Helvetica", 10)
    for number, line in enumerate(lines):
        page.drawString(60, 750 - 16 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _mailbox_address(entry_point: EntryPoint) -> str:
    return entry_point.email or f"{entry_point.slug}@jalon.localhost"


def _gp_mail(entry_point: EntryPoint, gp: Professional | None, sent_at) -> bytes:
    """A GP's MSSanté mail (Thunderbird-like) with the CT report as a PDF."""
    message = EmailMessage()
    if gp is not None:
        message["From"] = f"Dr {gp.first_name} {gp.last_name} <{gp.mssante_address or gp.email}>"
    else:
        message["From"] = "Dr Claire Martin <claire.martin@exemple.mssante.fr>"
    message["To"] = _mailbox_address(entry_point)
    message["Subject"] = "Suspicion de cancer pulmonaire – Mme Lefèvre Jeanne"
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<demo-{entry_point.slug}-{sent_at:%Y%m%d%H%M}-1@exemple.mssante.fr>"
    message["User-Agent"] = "Mozilla Thunderbird"
    message.set_content(
        "Chère consœur, cher confrère,\n\n"
        "Je vous adresse Mme Lefèvre Jeanne, née le 12/03/1956, pour une suspicion de cancer pulmonaire :\n"
        "toux persistante depuis septembre, amaigrissement de 4 kg, nodule spiculé de 24 mm au scanner du 28/10.\n\n"
        "Le compte rendu du scanner est en pièce jointe. La patiente est informée de la suspicion.\n\n"
        "Bien confraternellement,\n"
    )
    message.add_attachment(
        _report_pdf(
            "Compte rendu - Scanner thoracique",
            ["Examen du 28/10", "Nodule spicule du lobe superieur droit de 24 mm.", "Conclusion : aspect suspect."],
        ),
        maintype="application",
        subtype="pdf",
        filename="CR scanner thoracique.pdf",
    )
    message.set_boundary("------------demo-scanner-report")
    return message.as_bytes()


def _unknown_sender_mail(entry_point: EntryPoint, sent_at) -> bytes:
    """An Outlook mail in windows-1252, HTML only, from an address no professional has, with a Word letter."""
    message = EmailMessage()
    message["From"] = "François Léger <f.leger@cabinet-du-ried.exemple.fr>"
    message["To"] = _mailbox_address(entry_point)
    message["Subject"] = "Demande d’avis urgent – ictère indolore"
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<demo-{entry_point.slug}-{sent_at:%Y%m%d%H%M}-2@cabinet-du-ried.exemple.fr>"
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    message.set_content(
        "<html><body><p>Bonjour,</p><p>Je souhaiterais un avis rapide pour <b>M. Rousseau Gérard</b>, né le "
        "04/07/1951 :"
        " ictère indolore depuis 10 jours, perte de 6&nbsp;kg en un mois.</p>"
        "<p>L’échographie montre une dilatation des voies biliaires – suspicion de néoplasie pancréatique.</p>"
        "<p>Cordialement,<br>Dr François Léger</p></body></html>",
        subtype="html",
        charset="windows-1252",
    )
    message.add_attachment(
        b"PK\x03\x04" + b"\x00" * 60,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="Courrier Dr Léger.docx",
    )
    message.set_boundary("_004_demo_outlook_letter_")
    return message.as_bytes()


def _truncated_mail(entry_point: EntryPoint, sent_at) -> bytes:
    """A mail cut in the middle of its attachment (the connection dropped): kept, shown as unreadable."""
    whole = (
        "From: Dr Claire Martin <claire.martin@exemple.mssante.fr>\r\n"
        f"To: {_mailbox_address(entry_point)}\r\n"
        "Subject: =?utf-8?q?Compl=C3=A9ment_=E2=80=93_IRM_c=C3=A9r=C3=A9brale?=\r\n"
        f"Date: {format_datetime(sent_at)}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="----=_coupe"\r\n\r\n'
        "------=_coupe\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Voici le compte rendu de l'IRM cérébrale de M. Roth.\r\n"
        '------=_coupe\r\nContent-Type: application/pdf; name="CR IRM.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5n"
    )
    return whole.encode("utf-8")


def create_demo_mails(entry_point: EntryPoint, *, now=None) -> list[InboundMail]:
    """Store three mails for the entry point: a GP's with a PDF (sender known), an unknown sender's, an unreadable
    one."""
    now = now or timezone.now()
    gp = (
        Professional.objects.filter(
            profession=Profession.PHYSICIAN, specialty="Médecine générale", organizations=entry_point.organization
        )
        .exclude(mssante_address="")
        .order_by("pk")
        .first()
    )
    raws = [
        (_gp_mail(entry_point, gp, now - timedelta(hours=3)), now - timedelta(hours=3)),
        (_unknown_sender_mail(entry_point, now - timedelta(hours=26)), now - timedelta(hours=26)),
        (_truncated_mail(entry_point, now - timedelta(minutes=40)), now - timedelta(minutes=40)),
    ]
    return [
        inbound_mail_store(raw=raw, entry_point=entry_point, actor=Actor.system(), received_at=received_at).mail
        for raw, received_at in raws
    ]
