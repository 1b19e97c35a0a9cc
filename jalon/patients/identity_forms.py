"""The coordination's form resolving an identity conflict. It cleans input only; the service decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.patients.models import TRAIT_LABELS, ConflictResolution, IdentityConflict, Sex


def submitted_value_label(conflict: IdentityConflict, trait: str) -> str:
    """A submitted trait as a person reads it (a date in French order, the sex by its label)."""
    value = conflict.submitted_traits.get(trait, "")
    if trait == "birth_date" and value:
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if trait == "sex":
        return str(dict(Sex.choices).get(value, value))
    return value or "–"


class IdentityConflictResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Décision"),
        choices=ConflictResolution.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez : même personne, ou personnes différentes.")},
    )
    keep_submitted = forms.MultipleChoiceField(
        label=_("Même personne : traits à corriger avec la valeur transmise (sinon le patient connu garde les siens)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Motif (pièce d'identité vue, appel à l'adresseur, téléservice INSi...)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de votre décision.")},
    )

    def __init__(self, *args, conflict: IdentityConflict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep_submitted"].choices = [
            (
                trait,
                _("%(trait)s : « %(value)s »")
                % {"trait": TRAIT_LABELS[trait], "value": submitted_value_label(conflict, trait)},
            )
            for trait in conflict.differing_traits
        ]
