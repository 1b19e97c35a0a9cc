"""The worklist's filter form: the referral filters (referrals.forms) and those the coordination adds from the apps
above referrals, such as the record completeness of the tumour boards."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.referrals.forms import WorklistFilterForm as ReferralFilterForm

RECORD_FILTERS = ("record",)
"""The fields of this form the referrals' worklist selector does not take (the view applies them)."""


class WorklistFilterForm(ReferralFilterForm):
    record = forms.ChoiceField(
        label=_("Dossier RCP / PPS"),
        required=False,
        choices=[("", _("Tous")), ("incomplete", _("Dossier incomplet"))],
        help_text=_("Cancer confirmé après la RCP : décision de RCP non enregistrée ou PPS non remis."),
    )
