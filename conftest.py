"""Test personas and helpers shared by every app's tests. Build what each test needs from these."""

from __future__ import annotations

from datetime import date

import pytest

from jalon.accounts.models import Role
from jalon.core.actor import Actor
from jalon.directory.models import OrganizationKind, Profession
from jalon.patients.models import Sex
from jalon.patients.services import PatientIdentity
from jalon.referrals.services import ExamInput, referral_submit
from jalon.testing.factories import (
    CommuneFactory,
    EntryPointFactory,
    OrganizationFactory,
    TerritoryFactory,
    UserFactory,
    make_ins,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def second_factor_passed_on_force_login(monkeypatch):
    """`client.force_login` gives a session that passed the second factor, as after a TOTP code.

    Tests about the second factor itself log in through the login form (`client.post` to the login page),
    which goes through the real gate.
    """
    from django.test import Client

    from jalon.testing.second_factor import mark_client_verified

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_client_verified(self)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def strasbourg(db):
    return CommuneFactory(code="67482", name="Strasbourg", department="67", postal_codes="67000 67100 67200")


@pytest.fixture
def schiltigheim(db):
    return CommuneFactory(code="67447", name="Schiltigheim", department="67", postal_codes="67300")


@pytest.fixture
def paris(db):
    return CommuneFactory(code="75056", name="Paris", department="75", postal_codes="75001")


@pytest.fixture
def cpts(strasbourg, schiltigheim):
    """The CPTS of the north of Strasbourg, whose territory is Strasbourg and Schiltigheim."""
    organization = OrganizationFactory(
        name="CPTS Strasbourg Nord", kind=OrganizationKind.CPTS, finess=None, commune=strasbourg
    )
    TerritoryFactory(organization=organization, name="Strasbourg Nord", communes=[strasbourg, schiltigheim])
    return organization


@pytest.fixture
def hospital(strasbourg):
    """Another organisation with its own entry point: nothing of the CPTS may leak to it."""
    return OrganizationFactory(name="Hôpital de Hautepierre", kind=OrganizationKind.HOSPITAL, commune=strasbourg)


@pytest.fixture
def entry_point(cpts):
    """The CPTS's single entry point, answering within 48 working hours."""
    return EntryPointFactory(
        organization=cpts, name="Numéro unique cancer CPTS", slug="cpts-cancer", territory=cpts.territory
    )


@pytest.fixture
def hospital_entry_point(hospital):
    return EntryPointFactory(organization=hospital, name="Diagnostic rapide Hautepierre", slug="hup-diag")


@pytest.fixture
def gp(db):
    """The GP who refers the patient (role referrer)."""
    return UserFactory(
        username="dr.martin", role=Role.REFERRER, professional__last_name="Martin", professional__first_name="Claire"
    )


@pytest.fixture
def other_gp(db):
    """A GP of the same territory with no link to the patient."""
    return UserFactory(username="dr.autre", role=Role.REFERRER, professional__last_name="Autre")


@pytest.fixture
def coordinator(cpts):
    """The coordination nurse of the CPTS entry point."""
    return UserFactory(
        username="idec.cpts",
        role=Role.COORDINATOR,
        professional__profession=Profession.NURSE,
        professional__specialty="",
        professional__organizations=[cpts],
    )


@pytest.fixture
def coordinator_elsewhere(hospital):
    """A coordinator of another organisation (the hospital's entry point)."""
    return UserFactory(
        username="idec.hopital",
        role=Role.COORDINATOR,
        professional__profession=Profession.NURSE,
        professional__specialty="",
        professional__organizations=[hospital],
    )


@pytest.fixture
def specialist(hospital):
    """A hospital pulmonologist not (yet) in the patient's care team."""
    return UserFactory(
        username="dr.pneumo",
        role=Role.SPECIALIST,
        professional__specialty="Pneumologie",
        professional__organizations=[hospital],
    )


@pytest.fixture
def home_nurse(db):
    return UserFactory(
        username="idel", role=Role.HOME_NURSE, professional__profession=Profession.NURSE, professional__specialty=""
    )


@pytest.fixture
def support_provider(db):
    return UserFactory(
        username="psy",
        role=Role.SUPPORT_PROVIDER,
        professional__profession=Profession.PSYCHOLOGIST,
        professional__specialty="",
    )


@pytest.fixture
def pathologist(hospital):
    """The hospital's pathologist: reaches only the pathology requests addressed to them (issue 16)."""
    return UserFactory(
        username="dr.anapath",
        role=Role.PATHOLOGIST,
        professional__last_name="Anapath",
        professional__specialty="Anatomie et cytologie pathologiques",
        professional__organizations=[hospital],
    )


@pytest.fixture
def manager(cpts):
    """The CPTS manager: configures and reads indicators, no nominative patient data."""
    return UserFactory(username="manager", role=Role.MANAGER, professional__organizations=[cpts])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, professional=None, is_staff=True, is_superuser=True)


@pytest.fixture
def regional_analyst(db):
    """The regional analyst (ARS, DCC): region-wide aggregates and pseudonymised rows, no nominative data."""
    return UserFactory(username="analyste", role=Role.REGIONAL_ANALYST, professional=None)


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf_upload(name: str = "compte-rendu-scanner.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def identity(**overrides) -> PatientIdentity:
    """A valid patient identity (Mme Lefèvre, born 12/03/1956, living in Strasbourg)."""
    values = dict(
        birth_name="Lefèvre",
        first_names="Jeanne Marie",
        sex=Sex.FEMALE,
        birth_date=date(1956, 3, 12),
        ins=make_ins(sex=Sex.FEMALE, birth_date=date(1956, 3, 12), seed=1),
        commune_code="67482",
        phone="+33612345678",
    )
    values.update(overrides)
    return PatientIdentity(**values)


@pytest.fixture
def submit(entry_point, gp):
    """Submit a complete lung referral from `gp` to the CPTS entry point; keyword arguments override."""

    def _submit(**overrides):
        user = overrides.pop("user", gp)
        values = dict(
            actor=Actor(user=user, ip_address="127.0.0.1"),
            entry_point=entry_point,
            channel="web",
            patient=overrides.pop("patient", None) or identity(gp_id=gp.professional_id),
            referrer=user.professional,
            suspected_site="lung",
            clinical_reason="Toux persistante, opacité sur la radiographie",
            first_symptoms_date=date(2026, 9, 1),
            declared_urgency="urgent",
            question="diagnosis",
            patient_informed=True,
            exams=[ExamInput(kind="ct", done_on=date(2026, 10, 1), place="Imagerie Nord", summary="Nodule 25 mm")],
            documents=[pdf_upload()],
        )
        values.update(overrides)
        return referral_submit(**values)

    return _submit
