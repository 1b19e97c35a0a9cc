"""Forms of the mail-in pages: completing a mail into a referral (the phone intake's form), dismissing it."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from jalon.core.forms import beyond_any_row_id
from jalon.mailin.models import InboundMail
from jalon.referrals.forms import ReferralForm
from jalon.referrals.models import EntryPoint

CLINICAL_REASON_MAX = 5000


class AttachmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.original_name} ({filesizeformat(obj.size)})"

    def clean(self, value):
        """An id no row can have is refused as an unknown choice: Django's `pk__in` query would raise
        OverflowError on SQLite instead."""
        for item in value if isinstance(value, list | tuple) else ():
            if beyond_any_row_id(item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super().clean(value)


class MailReferralForm(ReferralForm):
    """The phone intake's form, for one mail: its entry point only, no caller, and which attachments to carry over."""

    def __init__(self, *args, mail: InboundMail, **kwargs):
        super().__init__(*args, phone_intake=True, **kwargs)
        del self.fields["caller_name"]
        self.fields["entry_point"].queryset = EntryPoint.objects.filter(pk=mail.entry_point_id).select_related(
            "organization"
        )
        self.fields["attachments"] = AttachmentChoiceField(
            label=_("Pièces jointes du courriel à joindre à la demande"),
            queryset=mail.attachments.filter(can_be_document=True),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    @classmethod
    def initial_for(cls, mail: InboundMail) -> dict:
        """What the mail already says: its entry point, its sender as referrer, its text as clinical reason."""
        reason = mail.body_text or mail.subject
        return {
            "entry_point": mail.entry_point_id,
            "referrer": mail.sender_id,
            "clinical_reason": reason[:CLINICAL_REASON_MAX],
            "attachments": [attachment.pk for attachment in mail.attachments.all() if attachment.can_be_document],
        }


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif pour écarter ce courriel"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Par exemple : courriel publicitaire, doublon d'une demande déjà reçue, message sans rapport."),
    )
