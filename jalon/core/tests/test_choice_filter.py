"""{{ instance|choice:"field" }} shows what {{ instance.get_field_display }} shows."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from jalon.pathways.models import Pathway
from jalon.referrals.models import Referral


def _show(source: str, **context) -> str:
    return Template("{% load choices %}" + source).render(Context(context))


def test_it_is_get_foo_display_for_every_choice_and_for_a_value_outside_them():
    with translation.override("fr"):
        for value, _label in Referral._meta.get_field("status").flatchoices:
            referral = Referral(status=value)
            assert _show('{{ r|choice:"status" }}', r=referral) == _show("{{ r.get_status_display }}", r=referral)
        for value in ("P1", "P3", "not-a-priority", ""):
            pathway = Pathway(priority=value)
            assert _show('{{ p|choice:"priority" }}', p=pathway) == _show("{{ p.get_priority_display }}", p=pathway)


def test_nothing_shows_nothing():
    assert _show('{{ missing|choice:"status" }}') == _show("{{ missing.get_status_display }}") == ""
