from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def _code_field(label, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        error_messages={"required": _("Saisissez un code."), "max_length": _("Ce code est trop long.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}),
    )


class SecondFactorForm(forms.Form):
    code = _code_field(
        _("Code de vérification"),
        _("Le code à 6 chiffres affiché par votre application d'authentification, ou l'un de vos codes de secours."),
    )


class EnrolmentForm(forms.Form):
    code = _code_field(
        _("Code à 6 chiffres"), _("Le code affiché par votre application après l'ajout du compte Jalon.")
    )


class RemovalForm(forms.Form):
    code = _code_field(
        _("Code de vérification pour désactiver"), _("Un code de votre application, ou un code de secours.")
    )


class RenewalForm(forms.Form):
    code = _code_field(
        _("Code de vérification pour de nouveaux codes"), _("Un code de votre application, ou un code de secours.")
    )
