"""User.organization_ids() is memoised per process (core.memo): a membership change reaches it at once."""

from __future__ import annotations

import pytest

from jalon.directory.models import Membership
from jalon.testing.factories import OrganizationFactory, UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_membership_reaches_the_users_organisations_at_once():
    """The access rules read `User.organization_ids()` (memoised): a coordinator added to a second
    organisation works for it on their next page, in every process."""
    first, second = OrganizationFactory(), OrganizationFactory()
    user = UserFactory(professional__organizations=[first])
    assert list(type(user).objects.get(pk=user.pk).organization_ids()) == [first.pk]
    Membership.objects.create(professional=user.professional, organization=second)
    assert sorted(type(user).objects.get(pk=user.pk).organization_ids()) == sorted([first.pk, second.pk])
    Membership.objects.filter(organization=first).get().delete()
    assert list(type(user).objects.get(pk=user.pk).organization_ids()) == [second.pk]
