"""Tele-expertise personas: the hospital's pulmonology service answers; gastroenterology is another service."""

from __future__ import annotations

import pytest

from conftest import identity, pdf_upload
from jalon.accounts.models import Role
from jalon.core.actor import Actor
from jalon.directory.models import Membership, Service
from jalon.teleexpertise.models import TeleExpertiseOffer
from jalon.teleexpertise.services import teleexpertise_request_submit
from jalon.testing.factories import UserFactory


def join_service(user, service) -> None:
    Membership.objects.filter(professional_id=user.professional_id, organization=service.organization).update(
        service=service
    )


@pytest.fixture
def pneumology(hospital):
    return Service.objects.create(organization=hospital, name="Pneumologie", specialty="Pneumologie")


@pytest.fixture
def gastroenterology(hospital):
    return Service.objects.create(organization=hospital, name="Hépato-gastro-entérologie")


@pytest.fixture
def offer(pneumology, hospital_entry_point):
    """Pulmonology answers within 2 working days; its answers refer to the hospital's fast-track entry point."""
    return TeleExpertiseOffer.objects.create(service=pneumology, entry_point=hospital_entry_point)


@pytest.fixture
def pneumologist(specialist, pneumology):
    """The hospital pulmonologist of the root personas, now a member of the pulmonology service (e-mail only)."""
    join_service(specialist, pneumology)
    return specialist


@pytest.fixture
def second_pneumologist(hospital, pneumology):
    """Another pulmonologist of the service, reachable by secure mail (MSSanté)."""
    user = UserFactory(
        username="dr.pneumo2",
        role=Role.SPECIALIST,
        professional__specialty="Pneumologie",
        professional__organizations=[hospital],
        professional__mssante_address="pneumo2@hopital.mssante.fr",
    )
    join_service(user, pneumology)
    return user


@pytest.fixture
def gastroenterologist(hospital, gastroenterology):
    """A specialist of the same hospital, in another service: never reaches pulmonology's requests."""
    user = UserFactory(
        username="dr.gastro",
        role=Role.SPECIALIST,
        professional__specialty="Gastro-entérologie",
        professional__organizations=[hospital],
    )
    join_service(user, gastroenterology)
    return user


@pytest.fixture
def ask(offer, gp, pneumologist, strasbourg):
    """Submit a question from `gp` to pulmonology (with a scanner report); keyword arguments override."""

    def _ask(**overrides):
        user = overrides.pop("user", gp)
        values = dict(
            actor=Actor(user=user, ip_address="127.0.0.1"),
            offer=offer,
            requester=user.professional,
            patient=overrides.pop("patient", None) or identity(),
            suspected_site="lung",
            question="Nodule pulmonaire de 25 mm chez un fumeur : faut-il un TEP-TDM avant la consultation ?",
            clinical_summary="Fumeur 40 paquets-années, toux depuis deux mois, perte de 4 kg.",
            documents=[pdf_upload()],
        )
        values.update(overrides)
        return teleexpertise_request_submit(**values)

    return _ask
