"""Forms of the template management pages. They clean input only; template_services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import ResourceKind, Specialty
from jalon.core.workcalendar import DELAY_UNITS
from jalon.pathways.models import Branch, Phase, ResponsibleRole


class CodeListField(forms.CharField):
    """Milestone codes separated by commas or spaces, as a list (« imaging, biopsy »)."""

    def to_python(self, value):
        value = super().to_python(value)
        return [code for code in value.replace(",", " ").split() if code]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


class MilestoneForm(forms.Form):
    """One row of a version: a milestone as the manager edits it."""

    code = forms.CharField(label=_("Code"), max_length=40, widget=forms.TextInput(attrs={"size": 14}))
    label = forms.CharField(label=_("Libellé"), max_length=200)
    order = forms.IntegerField(
        label=_("Ordre"), min_value=0, max_value=32767, widget=forms.NumberInput(attrs={"size": 4})
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices, initial=Phase.DIAGNOSIS)
    branch = forms.ChoiceField(label=_("Branche"), choices=Branch.choices, required=False, initial=Branch.ALWAYS)
    responsible_role = forms.ChoiceField(
        label=_("Responsable"), choices=[("", _("— Choisir —")), *ResponsibleRole.choices]
    )
    required = forms.BooleanField(label=_("Obligatoire"), required=False, initial=True)
    depends_on = CodeListField(
        label=_("Dépend de"),
        required=False,
        max_length=400,
        help_text=_("Codes des jalons à faire avant, séparés par des virgules."),
    )
    reference_code = forms.CharField(
        label=_("Délai compté depuis"),
        max_length=40,
        required=False,
        help_text=_("Code d'un jalon ; « request » : depuis la réception de la demande ; vide : depuis l'acceptation."),
    )
    target_amount = forms.IntegerField(
        label=_("Délai cible"), min_value=0, required=False, widget=forms.NumberInput(attrs={"size": 4})
    )
    target_unit = forms.ChoiceField(label=_("Unité"), choices=[("", "—"), *DELAY_UNITS], required=False)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    p1_amount = forms.IntegerField(
        label=_("Délai P1 (très urgent)"), min_value=0, required=False, widget=forms.NumberInput(attrs={"size": 4})
    )
    p1_unit = forms.ChoiceField(label=_("Unité P1"), choices=[("", "—"), *DELAY_UNITS], required=False)
    p2_amount = forms.IntegerField(
        label=_("Délai P2 (urgent)"), min_value=0, required=False, widget=forms.NumberInput(attrs={"size": 4})
    )
    p2_unit = forms.ChoiceField(label=_("Unité P2"), choices=[("", "—"), *DELAY_UNITS], required=False)
    p3_amount = forms.IntegerField(
        label=_("Délai P3 (habituel)"), min_value=0, required=False, widget=forms.NumberInput(attrs={"size": 4})
    )
    p3_unit = forms.ChoiceField(label=_("Unité P3"), choices=[("", "—"), *DELAY_UNITS], required=False)
    priority_source = forms.CharField(
        label=_("Source des délais par priorité"),
        max_length=300,
        required=False,
        help_text=_(
            "Une priorité laissée vide reprend le délai cible. P1 ≤ P2 ≤ P3. "
            "Citez la source ou « proposition Jalon, à valider »."
        ),
    )
    follows = CodeListField(
        label=_("Jamais attendu avant"),
        required=False,
        max_length=400,
        help_text=_(
            "Codes de jalons antérieurs dont l'échéance ne peut pas être dépassée par celle-ci "
            "(sans devoir les attendre)."
        ),
    )
    resource_kind = forms.ChoiceField(
        label=_("Ressource à réserver"), choices=[("", _("— Aucune —")), *ResourceKind.choices], required=False
    )
    same_day_group = forms.CharField(
        label=_("Même jour que"),
        max_length=40,
        required=False,
        help_text=_("Un nom commun aux étapes à planifier le même jour, ex. diagnostic_day."),
    )
    specialty = forms.ChoiceField(
        label=_("Spécialité du service"),
        choices=[("", _("— Toute —")), *Specialty.choices],
        required=False,
        help_text=_("La ressource réservée doit appartenir à un service de cette spécialité."),
    )

    def milestone(self) -> dict:
        """The row as template_version_create takes it (the per-priority fields become `delay_by_priority`)."""
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["delay_by_priority"] = {}
        for priority in PRIORITY_CODES:
            amount, unit = data.pop(f"{priority.lower()}_amount", None), data.pop(f"{priority.lower()}_unit", "")
            if amount is not None or unit:
                data["delay_by_priority"][priority] = {"amount": amount, "unit": unit}
        return data


PRIORITY_CODES = ("P1", "P2", "P3")


def initial_row(milestone: dict) -> dict:
    """A milestone as `template_services.milestone_as_dict` gives it, with its per-priority targets spread
    over the form's fields."""
    row = dict(milestone)
    for priority, delay in (row.pop("delay_by_priority", None) or {}).items():
        row[f"{priority.lower()}_amount"], row[f"{priority.lower()}_unit"] = delay.get("amount"), delay.get("unit", "")
    return row


class BaseMilestoneFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[MilestoneForm]:
        """Rows to save, in page order: not marked for deletion, and not left blank (extra rows)."""
        kept = []
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=BaseMilestoneFormSet, extra=3, can_delete=True, max_num=100, validate_max=True
)


class VersionForm(forms.Form):
    change_note = forms.CharField(
        label=_("Nature de la modification"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce qui change et pourquoi ; gardé avec la version."),
        error_messages={"required": _("Décrivez la modification : elle est gardée avec la version.")},
    )
