"""Portal personas and data: a lung pathway the GP `gp` referred for a patient whose own GP is
`treating_gp`, worked by the CPTS `coordinator`."""

from __future__ import annotations

import pytest

from conftest import identity
from jalon.accounts.models import Role
from jalon.core.actor import Actor
from jalon.pathways.tests.factories import pathway_build
from jalon.pathways.tests.test_pathway_pages import lung_template_version
from jalon.portal.services import thread_message_post
from jalon.referrals.services import referral_confirm_gp
from jalon.testing.factories import UserFactory


@pytest.fixture
def treating_gp(db):
    """The patient's own GP (role gp in the care team), another professional than the referrer."""
    return UserFactory(username="dr.traitant", role=Role.REFERRER, professional__last_name="Traitant")


@pytest.fixture
def pathway(submit, coordinator, treating_gp):
    """A lung pathway started today by the CPTS coordinator from `gp`'s referral; `treating_gp` is the patient's GP,
    named on the referral and confirmed by the coordination (a merely named GP reaches nothing)."""
    lung_template_version()
    built = pathway_build(submit, user=coordinator, patient=identity(gp_id=treating_gp.professional_id))
    referral_confirm_gp(actor=Actor(user=coordinator), referral=built.referral)
    return built


@pytest.fixture
def referral(pathway):
    return pathway.referral


@pytest.fixture
def post():
    """Write in a thread as `user` (through the service, as the pages do)."""

    def _post(user, referral, body="Bonjour, des nouvelles de ce patient ?"):
        return thread_message_post(actor=Actor(user=user), referral=referral, body=body)

    return _post
