"""The demo mails: stored through the service, one from a known GP, one from an unknown sender, one unreadable."""

from __future__ import annotations

from jalon.demo.mailin import create_demo_mails
from jalon.mailin.models import InboundMail, ParseStatus
from jalon.testing.factories import ProfessionalFactory


def test_it_stores_three_demo_mails_for_the_entry_point(entry_point, cpts):
    """A GP's mail with its PDF (sender matched), an HTML mail from an unknown address, a truncated one."""
    gp = ProfessionalFactory(mssante_address="dr.demo@exemple.mssante.fr", organizations=[cpts])

    known, unknown, truncated = create_demo_mails(entry_point)

    assert known.sender_id == gp.pk
    assert known.attachments.get().can_be_document
    assert unknown.sender is None
    assert "Je souhaiterais un avis rapide pour M. Rousseau Gérard" in unknown.body_text
    assert "<b>" not in unknown.body_text
    assert not unknown.attachments.get().can_be_document
    assert truncated.parse_status == ParseStatus.UNREADABLE
    assert {mail.entry_point_id for mail in (known, unknown, truncated)} == {entry_point.pk}


def test_it_stores_the_demo_mails_once(entry_point):
    """Called twice at the same moment, nothing is stored twice (the mails are recognised by their hash)."""
    from django.utils import timezone

    now = timezone.now()
    create_demo_mails(entry_point, now=now)
    create_demo_mails(entry_point, now=now)
    assert InboundMail.objects.count() == 3
