"""Who reads the mails received by secure mail: the coordinators of the organisation owning the entry point."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from jalon.accounts.access import C, has_capability
from jalon.core.lookups import by_unique_key
from jalon.mailin.models import InboundMail


def inbound_mails_visible_to(user) -> QuerySet[InboundMail]:
    """Mails received by secure mail: only the coordinators of the organisation owning the entry point."""
    if not has_capability(user, C.READ_MAILIN):
        return InboundMail.objects.none()
    return InboundMail.objects.filter(entry_point__organization_id__in=user.organization_ids())


def inbound_mail_for_user(user, pk: int, queryset: QuerySet[InboundMail] | None = None) -> InboundMail:
    """The mail if the user is one of its entry point's coordinators; 404 otherwise (it holds patient data)."""
    mails = queryset if queryset is not None else inbound_mails_visible_to(user)
    mail = by_unique_key(mails.filter(pk=pk))
    if mail is None:
        raise Http404
    return mail
