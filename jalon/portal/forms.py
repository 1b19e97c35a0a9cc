"""The one form of the portal: a message in a referral's thread (its checks are the service's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.portal.models import MESSAGE_MAX_LENGTH, ThreadSide

LABELS = {
    ThreadSide.CITY: _("Votre message à la coordination"),
    ThreadSide.COORDINATION: _("Répondre au médecin"),
}


class ThreadMessageForm(forms.Form):
    """The text as typed: `thread_message_post` refuses an empty or too long one with its French message,
    and the form shows it again with the text kept."""

    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=_("5 000 caractères au plus. Pour une urgence, appelez le guichet."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, side: str = ThreadSide.CITY, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = LABELS[side]

    @property
    def typed_body(self) -> str:
        return self.data.get(self.add_prefix("body"), "") if self.is_bound else ""
