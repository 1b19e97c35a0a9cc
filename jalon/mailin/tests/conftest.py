"""Fixtures of the mail-in tests: the .eml files of real mail clients, and mails stored from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from jalon.mailin.services import inbound_mail_store

EML = Path(__file__).parent / "eml"


def eml(name: str) -> bytes:
    """The bytes of one fixture of tests/eml/ (written as the mail clients named in their file names send them)."""
    return (EML / name).read_bytes()


@pytest.fixture
def gp_mail(entry_point, gp):
    """The GP's Thunderbird mail with a CT report (PDF), sent from her MSSanté address, stored for the CPTS."""
    gp.professional.mssante_address = "claire.martin@exemple.mssante.fr"
    gp.professional.save(update_fields=["mssante_address"])
    return inbound_mail_store(raw=eml("thunderbird_scan_report.eml"), entry_point=entry_point).mail


@pytest.fixture
def unreadable_mail(entry_point):
    """A mail cut in the middle of its attachment, kept as unreadable for the CPTS."""
    return inbound_mail_store(raw=eml("truncated_boundary.eml"), entry_point=entry_point).mail


@pytest.fixture
def hospital_mail(hospital_entry_point):
    """A mail received by the hospital's entry point: the CPTS coordination must not reach it."""
    return inbound_mail_store(raw=eml("outlook_alternative_cp1252.eml"), entry_point=hospital_entry_point).mail
