"""The indicator pages' GET form: a period (the last 12 full months by default), an optional comparison
period, the filters, the delay to detail and how to break it down. It cleans input only; the
selectors compute. The drill-down and the exports read the same parameters."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from jalon.core.vocabulary import PathwayKind
from jalon.core.workcalendar import PARIS
from jalon.directory.models import Organization, Profession
from jalon.indicators.definitions import BREAKDOWNS, DELAYS, DISTRIBUTION_BUCKETS
from jalon.indicators.selectors import Filters, Period

MAX_PERIOD_DAYS = 5 * 366
"""A period covers at most 5 years (the yearly report compares two; beyond, the page would be unreadable)."""
FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_DELAY = DELAYS[0].code
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
PERIOD_FIELDS = ("start", "end", "compare_start", "compare_end", "template", "site", "profession")


def default_period(today: date | None = None) -> Period:
    """The last 12 full months before the current one (Paris time)."""
    today = today or timezone.localtime(timezone.now(), PARIS).date()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _month in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period.months(first, last)


def site_choices() -> list[tuple[str, str]]:
    """Organisations that have an entry point: the sites pathways belong to."""
    sites = (
        Organization.objects.filter(entry_points__isnull=False).distinct().order_by("name").values_list("pk", "name")
    )
    return [(str(pk), name) for pk, name in sites]


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide, par exemple 31/12/2026.")},
    )


UNKNOWN_CHOICE = {"invalid_choice": _("Choix inconnu : « %(value)s ». Choisissez dans la liste.")}


class IndicatorForm(forms.Form):
    start = _date_field(_("Du"))
    end = _date_field(_("Au"))
    compare_start = _date_field(_("Comparer avec la période du"))
    compare_end = _date_field(_("au"))
    template = forms.ChoiceField(
        label=_("Modèle de parcours"),
        required=False,
        choices=[("", _("Tous"))] + list(PathwayKind.choices),
        error_messages=UNKNOWN_CHOICE,
    )
    site = forms.TypedChoiceField(
        label=_("Site"), required=False, coerce=int, empty_value=None, error_messages=UNKNOWN_CHOICE
    )
    profession = forms.ChoiceField(
        label=_("Profession de l'adresseur"),
        required=False,
        choices=[("", _("Toutes"))] + list(Profession.choices),
        error_messages=UNKNOWN_CHOICE,
    )
    delay = forms.ChoiceField(
        label=_("Délai détaillé"),
        required=False,
        choices=[(d.code, d.label) for d in DELAYS],
        error_messages=UNKNOWN_CHOICE,
    )
    by = forms.ChoiceField(
        label=_("Répartition du délai par"),
        required=False,
        choices=list(BREAKDOWNS.items()),
        error_messages=UNKNOWN_CHOICE,
    )

    def __init__(self, data=None, *, today: date | None = None, **kwargs):
        self.default = default_period(today)
        defaults = {
            "start": self.default.start.isoformat(),
            "end": self.default.end.isoformat(),
            "delay": DEFAULT_DELAY,
            "by": "month",
        }
        merged = dict(defaults)
        for key, value in (data or {}).items():
            if key in defaults and not value:
                continue  # a field left empty means its default
            merged[key] = value
        super().__init__(merged, **kwargs)
        self.fields["site"].choices = [("", _("Tous"))] + site_choices()

    @staticmethod
    def _check_period(start: date | None, end: date | None, *, comparison: bool) -> str | None:
        for day in (start, end):
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                return _("Choisissez des dates entre %(first)s et %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        if (start is None) != (end is None):
            return (
                _("Indiquez le début et la fin de la période de comparaison.")
                if comparison
                else _("Indiquez le début et la fin de la période.")
            )
        if start is None:
            return None
        if end < start:
            return (
                _("La date de fin précède la date de début.")
                if not comparison
                else _("La fin de la période de comparaison précède son début.")
            )
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            return _("La période ne peut pas dépasser 5 ans.")
        return None

    def clean(self):
        cleaned = super().clean()
        if "start" in cleaned and "end" in cleaned:
            problem = self._check_period(cleaned["start"], cleaned["end"], comparison=False)
            if problem:
                self.add_error("end", problem)
        if "compare_start" in cleaned and "compare_end" in cleaned:
            problem = self._check_period(cleaned["compare_start"], cleaned["compare_end"], comparison=True)
            if problem:
                self.add_error("compare_end", problem)
        return cleaned

    # What the views need, once the form is valid.

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def comparison(self) -> Period | None:
        start, end = self.cleaned_data.get("compare_start"), self.cleaned_data.get("compare_end")
        return Period(start, end) if start and end else None

    def filters(self) -> Filters:
        return Filters(
            template_kind=self.cleaned_data.get("template") or "",
            site_id=self.cleaned_data.get("site"),
            referrer_profession=self.cleaned_data.get("profession") or "",
        )

    def query(self, **extra) -> str:
        """The query string of this period and these filters (and `extra`), for links and exports."""
        values = {}
        for name in PERIOD_FIELDS:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                values[name] = value.isoformat() if isinstance(value, date) else value
        values.update({key: value for key, value in extra.items() if value not in (None, "")})
        return urlencode(values)


class RowsForm(IndicatorForm):
    """The drill-down's parameters: the dashboard's, plus which group (`by` and `key`) or bucket."""

    key = forms.CharField(label=_("Groupe"), required=False, max_length=40)
    bucket = forms.TypedChoiceField(
        label=_("Tranche de délai"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(index), label) for index, (_bound, label) in enumerate(DISTRIBUTION_BUCKETS)],
        error_messages=UNKNOWN_CHOICE,
    )

    def clean(self):
        cleaned = super().clean()
        key, by = cleaned.get("key") or "", cleaned.get("by") or ""
        if not key or not by:
            return cleaned
        if by == "month":
            try:
                cleaned["key"] = datetime.strptime(key, "%Y-%m-%d").date().replace(day=1).isoformat()
            except ValueError:
                self.add_error("key", _("Mois inconnu : « %(value)s ».") % {"value": key})
        elif by == "site":
            if key not in dict(self.fields["site"].choices):
                self.add_error("key", _("Site inconnu : « %(value)s ».") % {"value": key})
        elif by == "template":
            if key not in PathwayKind.values:
                self.add_error("key", _("Modèle de parcours inconnu : « %(value)s ».") % {"value": key})
        elif by == "profession" and key not in Profession.values:
            self.add_error("key", _("Profession inconnue : « %(value)s ».") % {"value": key})
        return cleaned

    def group(self) -> dict:
        """Keyword arguments of `selectors.rows_behind` for the group asked for."""
        key = self.cleaned_data.get("key") or ""
        return {"by": self.cleaned_data.get("by") if key else "", "key": key, "bucket": self.cleaned_data.get("bucket")}

    def group_query(self) -> str:
        group = self.group()
        return self.query(by=group["by"], key=group["key"], bucket=group["bucket"])
