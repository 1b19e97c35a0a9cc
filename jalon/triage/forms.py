"""Forms of the rule pages. They parse input only (JSON included); rule_services validates the rule."""

from __future__ import annotations

import copy
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import PathwayKind, Priority


class JSONTextField(forms.CharField):
    """JSON typed in a textarea; a syntax error names its line and column, in French."""

    def __init__(self, *args, empty_value_json=None, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}))
        self.empty_value_json = empty_value_json
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return copy.deepcopy(self.empty_value_json)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationError(
                _(
                    'JSON invalide (ligne %(line)s, colonne %(column)s) : vérifiez les guillemets droits "…", les '
                    "virgules et les accolades."
                ),
                code="invalid_json",
                params={"line": error.lineno, "column": error.colno},
            ) from error

    def prepare_value(self, value):
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


class RuleForm(forms.Form):
    """A rule of a draft: the code is set when the rule is added, then stays."""

    order = forms.IntegerField(
        label=_("Ordre"),
        min_value=0,
        help_text=_("La première règle, dans l'ordre, dont toutes les conditions sont remplies s'applique."),
    )
    comment = forms.CharField(label=_("Situation clinique"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    conditions = JSONTextField(
        label=_("Conditions (JSON)"),
        required=False,
        empty_value_json={},
        help_text=_(
            'Exemple : {"suspected_site_in": ["lung"], "alarm_signs_any": ["haemoptysis"]}. Vide ou {} : s\'applique '
            "à toutes les demandes."
        ),
    )
    pathway_kind = forms.ChoiceField(label=_("Parcours"), choices=PathwayKind.choices)
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices)
    first_tasks = JSONTextField(
        label=_("Premières tâches (JSON)"),
        required=False,
        empty_value_json=[],
        help_text=_(
            'Liste de tâches, par exemple : [{"label": "Programmer un scanner", "responsible_role": "coordinator", '
            '"due_amount": 2, "due_unit": "working_days"}].'
        ),
    )
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


class RuleCreateForm(RuleForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_("Lettres sans accent, chiffres, « - » et « _ » ; ne change plus ensuite."),
    )
    field_order = ["code", "order", "comment", "conditions", "pathway_kind", "priority", "first_tasks", "source"]
