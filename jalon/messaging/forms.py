"""Forms of the messaging pages: they clean input; the services and jalon.messaging.templating decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TemplateForm(forms.Form):
    subject = forms.CharField(
        label=_("Objet"), max_length=200, help_text=_("Part aussi par e-mail simple : aucune variable médicale.")
    )
    body = forms.CharField(
        label=_("Texte sécurisé (MSSanté et Jalon)"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Le seul texte qui peut porter des informations médicales et l'identité du patient."),
    )
    notice = forms.CharField(
        label=_("Avis court (e-mail simple et SMS)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("320 caractères au plus une fois rempli ; aucune variable médicale : il invite à se connecter."),
    )
    change_note = forms.CharField(label=_("Nature de la modification"), max_length=300, required=False)
