"""Reads of the mail-in, through the access rules and with their queries bounded."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from jalon.directory.models import Professional
from jalon.mailin.access import inbound_mails_visible_to
from jalon.mailin.models import InboundMail, MailStatus, ParseStatus


def professional_for_address(address: str) -> Professional | None:
    """The one professional whose e-mail or MSSanté address this is (any case); None if unknown or shared."""
    address = (address or "").strip()
    if "@" not in address:
        return None
    matches = list(
        Professional.objects.filter(Q(email__iexact=address) | Q(mssante_address__iexact=address)).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None


def mails_for_coordinator(user, *, status: str = MailStatus.TO_COMPLETE) -> QuerySet[InboundMail]:
    """The mails of the user's organisations' entry points in `status`, unreadable ones first, newest first."""
    return (
        inbound_mails_visible_to(user)
        .filter(status=status)
        .select_related("sender", "entry_point", "referral", "handled_by")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-parse_status", "-received_at", "-id")  # "unreadable" sorts after "parsed": descending puts it first
    )


def mail_counts_for_coordinator(user) -> dict[str, int]:
    """How many mails wait to be completed, and how many of them are unreadable (one query)."""
    counts = (
        inbound_mails_visible_to(user)
        .filter(status=MailStatus.TO_COMPLETE)
        .aggregate(total=Count("id"), unreadable=Count("id", filter=Q(parse_status=ParseStatus.UNREADABLE)))
    )
    return {"total": counts["total"] or 0, "unreadable": counts["unreadable"] or 0}


def mail_detail_queryset(user) -> QuerySet[InboundMail]:
    return (
        inbound_mails_visible_to(user)
        .select_related("sender", "entry_point__organization", "referral", "handled_by__professional")
        .prefetch_related("attachments")
    )
