from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jalon.core.forms import beyond_any_row_id


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Après plusieurs échecs, le compte est bloqué quelques minutes."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Identifiant")
        self.fields["password"].label = _("Mot de passe")


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient (référence d'une demande ou numéro de patient)"), required=False, max_length=40
    )
    actor = forms.CharField(label=_("Acteur (identifiant)"), required=False, max_length=150)

    def filter(self, records: QuerySet) -> QuerySet:
        patient = self.cleaned_data["patient"].strip()
        actor = self.cleaned_data["actor"].strip()
        if patient:
            if patient.isascii() and patient.isdigit():
                # A number no row can have finds nothing rather than overflowing the query.
                records = records.none() if beyond_any_row_id(patient) else records.filter(patient_id=int(patient))
            else:
                # A referral's reference: the records of its patient (through the patient's referrals, which
                # accounts, below referrals, names only by their relation).
                records = records.filter(patient__referrals__reference__iexact=patient)
        if actor:
            records = records.filter(actor__username__iexact=actor)
        return records


class ReauthForm(forms.Form):
    """The password of the logged-in user, checked through the authentication backends (so a wrong
    password counts towards the account's lockout like a failed login)."""

    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        from django.contrib.auth import authenticate

        password = self.cleaned_data["password"]
        user = self.request.user
        authenticated = authenticate(self.request, username=user.get_username(), password=password)
        if authenticated is None or authenticated.pk != user.pk:
            raise forms.ValidationError(_("Mot de passe incorrect."), code="invalid_password")
        return password
