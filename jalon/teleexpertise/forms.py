"""Forms of tele-expertise. They clean input only; the services decide.

The patient's identity fields are the intake form's own (jalon/referrals/forms.py), so what a GP types
here is exactly what a referral would hold when the answer turns the request into one.
"""

from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import CancerSite
from jalon.referrals.forms import DocumentsField, ReferralForm, check_identity_status, identity_status_field
from jalon.teleexpertise.selectors import active_offers
from jalon.teleexpertise.services import QUESTION_MAX_LENGTH


def _intake_field(name: str) -> forms.Field:
    return copy.deepcopy(ReferralForm.base_fields[name])


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj.service)


class TeleExpertiseRequestForm(forms.Form):
    offer = OfferChoiceField(
        label=_("Service sollicité"),
        queryset=active_offers().none(),
        empty_label=_("— Choisir —"),
        error_messages={"required": _("Choisissez le service à qui poser la question.")},
    )
    # patient: the intake form's fields
    ins = _intake_field("ins")
    birth_name = _intake_field("birth_name")
    used_name = _intake_field("used_name")
    first_names = _intake_field("first_names")
    sex = _intake_field("sex")
    birth_date = _intake_field("birth_date")
    birth_place_code = _intake_field("birth_place_code")
    identity_status = identity_status_field()
    commune = _intake_field("commune")
    phone = _intake_field("phone")
    gp = _intake_field("gp")
    # the question
    suspected_site = forms.ChoiceField(
        label=_("Cancer suspecté"), choices=[("", _("— Choisir —")), *CancerSite.choices]
    )
    question = forms.CharField(
        label=_("Question posée au spécialiste"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Écrivez la question posée au spécialiste.")},
    )
    clinical_summary = forms.CharField(
        label=_("Résumé clinique"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Antécédents, symptômes et leur date, examens déjà faits et leurs résultats."),
    )
    documents = DocumentsField(label=_("Documents (PDF, PNG ou JPEG)"))

    clean_ins = ReferralForm.clean_ins
    clean_phone = ReferralForm.clean_phone
    clean_birth_date = ReferralForm.clean_birth_date
    clean_birth_place_code = ReferralForm.clean_birth_place_code

    def clean(self):
        data = super().clean()
        check_identity_status(self, data)
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = active_offers()


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse au médecin"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Écrivez votre réponse au médecin.")},
    )
    convert_to_referral = forms.BooleanField(
        label=_("Orienter vers le parcours de diagnostic rapide (crée la demande de prise en soins)"), required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
