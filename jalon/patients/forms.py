"""Forms of the patient's page: granting and ending care-team memberships."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.directory.models import Professional
from jalon.patients.care_team import GRANTABLE_ROLES
from jalon.patients.models import CareTeamRole


class CareTeamGrantForm(forms.Form):
    professional = forms.ModelChoiceField(
        label=_("Professionnel"),
        queryset=Professional.objects.order_by("last_name", "first_name"),
        error_messages={"invalid_choice": _("Ce professionnel n'existe pas dans l'annuaire.")},
    )
    role = forms.ChoiceField(
        label=_("Rôle dans l'équipe de soins"),
        # No role chosen in advance (the first one used to be « Adresseur », which opens the whole file too),
        # in the order a coordinator looks for them: the GP first, « Adresseur » last.
        choices=[("", "---------")]
        + [(CareTeamRole(role).value, CareTeamRole(role).label) for role in GRANTABLE_ROLES],
    )
    reason = forms.CharField(
        label=_("Pourquoi"),
        max_length=200,
        help_text=_("Par exemple « infirmière à domicile après la sortie du 12/11 »."),
    )


class CareTeamEndForm(forms.Form):
    reason = forms.CharField(label=_("Pourquoi ce professionnel quitte l'équipe"), max_length=200)
