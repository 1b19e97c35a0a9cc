"""Forms of the intake (web and phone) and of the coordinator's decisions. They clean input only;
the services decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jalon.core.documents import check_document
from jalon.core.identifiers import normalize_french_phone, normalize_ins, validate_ins
from jalon.core.text import validate_civil_name
from jalon.core.validation import future_date_error, validate_not_in_future
from jalon.core.vocabulary import (
    BIRADS_VALUES,
    EU_TIRADS_VALUES,
    IMAGING_FINDING_LABELS,
    LESION_SIZE_MM_MAX,
    LIRADS_VALUES,
    LUNG_RADS_VALUES,
    CancerSite,
    PathwayKind,
    Priority,
    Urgency,
    alarm_sign_choices,
    history_fact_choices,
)
from jalon.directory import lookup
from jalon.directory.models import Professional
from jalon.patients.identity import submission_status_choices, submission_status_error
from jalon.patients.models import IdentityStatus, Sex
from jalon.patients.services import PatientIdentity
from jalon.referrals.access import entry_points_open_to
from jalon.referrals.imaging import IMAGING_FINDING_KEYS, clean_imaging_findings
from jalon.referrals.models import EntryPoint, ExamKind, Question

YES_NO = [("yes", _("Oui")), ("no", _("Non"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several PDF or image files, each checked for size and real content type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(DocumentsField, self).clean(upload, initial) for upload in uploads]
        for upload in cleaned:
            check_document(upload)
        return cleaned


def _listed(items: list[str], *, shown: int = 8) -> str:
    """« A, B, C » (and « … » past `shown`), for a message listing the candidates of an ambiguous entry."""
    text = " ; ".join(items[:shown])
    return f"{text} ; …" if len(items) > shown else text


class SuggestedField(forms.CharField):
    """A text field with suggestions fetched as the user types (htmx fills a <datalist>)."""

    suggestions_url = ""
    datalist_id = ""

    def widget_attrs(self, widget):
        from django.urls import reverse_lazy

        return {
            **super().widget_attrs(widget),
            "list": self.datalist_id,
            "autocomplete": "off",
            "hx-get": reverse_lazy(self.suggestions_url),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#{self.datalist_id}",
            "hx-swap": "innerHTML",
        }


class CommuneField(SuggestedField):
    """A commune typed as its name (accents and case aside), its postal code or its INSEE code, or picked
    from the suggestions (« 67482 – Strasbourg (67000) »). Refused, with the candidates, unless exactly one
    commune matches; the typed text stays in the field."""

    suggestions_url = "referrals:communes"
    datalist_id = "communes-list"

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        candidates = lookup.commune_candidates(value)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValidationError(
                _(
                    "Commune inconnue : « %(typed)s ». Tapez son nom, son code postal ou son code INSEE, ou "
                    "choisissez-la dans la liste proposée."
                ),
                code="commune_unknown",
                params={"typed": value},
            )
        raise ValidationError(
            _(
                "Plusieurs communes correspondent à « %(typed)s » : %(communes)s. Choisissez la bonne dans la liste "
                "proposée ou tapez son code INSEE."
            ),
            code="commune_ambiguous",
            params={"typed": value, "communes": _listed([lookup.commune_option_label(c) for c in candidates])},
        )


commune_option_label = lookup.commune_option_label


class PhysicianField(SuggestedField):
    """The patient's GP, found by name, commune or RPPS; homonyms are told apart by the suggestions
    (« Dr Claire MARTIN – Strasbourg – RPPS 10001234567 »). Refused, with the candidates, unless exactly one
    physician matches; the typed text stays in the field."""

    suggestions_url = "referrals:physicians"
    datalist_id = "physicians-list"

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        candidates = lookup.physician_candidates(value)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ValidationError(
                _(
                    "Aucun médecin ne correspond à « %(typed)s ». Tapez son nom, sa commune d'exercice ou son RPPS et "
                    "choisissez-le dans la liste proposée."
                ),
                code="physician_unknown",
                params={"typed": value},
            )
        raise ValidationError(
            _(
                "Plusieurs médecins correspondent à « %(typed)s » : %(physicians)s. Choisissez le bon dans la liste "
                "proposée ou tapez son RPPS."
            ),
            code="physician_ambiguous",
            params={
                "typed": value,
                "physicians": _listed([lookup.physician_option_label(p) for p in candidates], shown=5),
            },
        )


class ReferralForm(forms.Form):
    """The single entry point's form. A coordinator taking a phone call also says who called and for whom."""

    entry_point = forms.ModelChoiceField(label=_("Guichet"), queryset=EntryPoint.objects.none(), empty_label=None)
    # patient
    ins = forms.CharField(
        label=_("INS (numéro de sécurité sociale et clé, 15 caractères)"),
        required=False,
        max_length=25,
        help_text=_("Facultatif. Exemple : 2 56 03 67 482 123 18"),
    )
    birth_name = forms.CharField(label=_("Nom de naissance"), max_length=100, validators=[validate_civil_name])
    used_name = forms.CharField(
        label=_("Nom utilisé"), max_length=100, required=False, validators=[validate_civil_name]
    )
    first_names = forms.CharField(label=_("Prénoms de naissance"), max_length=200, validators=[validate_civil_name])
    # No sex chosen in advance: a trait of the identity is typed from the document, never left at a default.
    sex = forms.ChoiceField(label=_("Sexe"), choices=[("", "---------"), *Sex.choices])
    birth_date = forms.DateField(label=_("Date de naissance"), widget=forms.DateInput(attrs={"type": "date"}))
    birth_place_code = forms.CharField(label=_("Lieu de naissance (code INSEE)"), max_length=5, required=False)
    commune = CommuneField(
        label=_("Commune de résidence"),
        required=False,
        max_length=120,
        help_text=_("Tapez le nom de la commune, son code postal ou son code INSEE."),
    )
    phone = forms.CharField(label=_("Téléphone du patient"), max_length=30, required=False)
    gp = PhysicianField(
        label=_("Médecin traitant"),
        required=False,
        max_length=200,
        help_text=_("Tapez son nom, sa commune d'exercice ou son RPPS, puis choisissez-le dans la liste."),
    )
    # referral
    suspected_site = forms.ChoiceField(
        label=_("Cancer suspecté"), choices=[("", _("— Choisir —")), *CancerSite.choices]
    )
    clinical_reason = forms.CharField(
        label=_("Motif clinique"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    first_symptoms_date = forms.DateField(
        label=_("Date des premiers symptômes"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    declared_urgency = forms.ChoiceField(label=_("Urgence"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    question = forms.ChoiceField(label=_("Question posée"), choices=Question.choices, initial=Question.DIAGNOSIS)
    alarm_signs = forms.MultipleChoiceField(
        label=_("Signes d'alerte"), choices=alarm_sign_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    # Stored with the signs (referral.alarm_signs) by clean(); shown apart under « Antécédents ».
    history = forms.MultipleChoiceField(
        label=_("Antécédents"), choices=history_fact_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    # « Résultats d'imagerie »: optional scores, gathered into cleaned_data["imaging_findings"] by clean().
    birads = forms.TypedChoiceField(
        label=IMAGING_FINDING_LABELS["birads"],
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("— Non renseigné —")), *[(value, str(value)) for value in BIRADS_VALUES]],
    )
    eu_tirads = forms.TypedChoiceField(
        label=IMAGING_FINDING_LABELS["eu_tirads"],
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("— Non renseigné —")), *[(value, str(value)) for value in EU_TIRADS_VALUES]],
    )
    lirads = forms.ChoiceField(
        label=IMAGING_FINDING_LABELS["lirads"],
        required=False,
        choices=[("", _("— Non renseigné —")), *[(value, value) for value in LIRADS_VALUES]],
    )
    lung_rads = forms.ChoiceField(
        label=IMAGING_FINDING_LABELS["lung_rads"],
        required=False,
        choices=[("", _("— Non renseigné —")), *[(value, value) for value in LUNG_RADS_VALUES]],
    )
    lesion_size_mm = forms.IntegerField(
        label=IMAGING_FINDING_LABELS["lesion_size_mm"],
        required=False,
        min_value=1,
        max_value=LESION_SIZE_MM_MAX,
        help_text=_("Plus grand diamètre de la masse, du nodule ou du ganglion, en millimètres."),
    )
    patient_informed = forms.ChoiceField(
        label=_("Le patient est-il informé de la suspicion ?"), choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    documents = DocumentsField(label=_("Autres documents (PDF, PNG ou JPEG)"))

    def __init__(self, *args, phone_intake: bool = False, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_intake = phone_intake
        # The entry points this user may file to (access.entry_points_open_to); referral_submit checks it again.
        open_to = entry_points_open_to(user) if user is not None else EntryPoint.objects.filter(is_active=True)
        self.fields["entry_point"].queryset = open_to.select_related("organization")
        self.fields["entry_point"].error_messages["invalid_choice"] = _(
            "Ce guichet n'existe pas ou ne vous est pas ouvert : choisissez-en un dans la liste."
        )
        if phone_intake:
            self.fields["referrer"] = forms.ModelChoiceField(
                label=_("Professionnel adresseur"), queryset=Professional.objects.order_by("last_name", "first_name")
            )
            self.fields["caller_name"] = forms.CharField(
                label=_("Personne qui a appelé"),
                max_length=200,
                help_text=_("Nom et fonction, par exemple « secrétariat du Dr Martin »."),
            )
            self.fields["identity_status"] = identity_status_field()

    def clean_ins(self):
        value = self.cleaned_data["ins"]
        if not value:
            return ""
        value = normalize_ins(value)
        validate_ins(value)
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return normalize_french_phone(value) if value else ""

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        validate_not_in_future(value, what=_("La date de naissance"))
        if value.year < 1900:
            raise ValidationError(_("Vérifiez l'année de naissance."))
        return value

    def clean_first_symptoms_date(self):
        value = self.cleaned_data["first_symptoms_date"]
        validate_not_in_future(value, what=_("La date des premiers symptômes"))
        return value

    def clean_birth_place_code(self):
        value = self.cleaned_data["birth_place_code"].strip().upper()
        if value and (len(value) != 5 or not value.replace("A", "0").replace("B", "0").isdigit()):
            raise ValidationError(
                _("Le lieu de naissance est un code INSEE de 5 caractères (99 suivi du pays pour l'étranger).")
            )
        return value

    def clean(self):
        data = super().clean()
        check_identity_status(self, data)
        data["alarm_signs"] = sorted({*data.get("alarm_signs", ()), *data.get("history", ())})
        try:
            data["imaging_findings"] = clean_imaging_findings({key: data.get(key) for key in IMAGING_FINDING_KEYS})
        except ValidationError as error:
            self.add_error(None, error)
        return data

    @property
    def patient_informed_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("patient_informed") or "")


def identity_status_field() -> forms.ChoiceField:
    """The identity status a submission may declare (never « qualifiée »: jalon/patients/identity.py)."""
    return forms.ChoiceField(
        label=_("Statut de l'identité"),
        choices=submission_status_choices(),
        initial=IdentityStatus.PROVISIONAL,
        help_text=_(
            "« Récupérée » : INS obtenue par le téléservice INSi. « Validée » : pièce d'identité vue. "
            "La coordination qualifie l'identité ensuite ; l'INS n'est imprimée et transmise que si l'identité est "
            "qualifiée."
        ),
        error_messages={
            "invalid_choice": _("Statut refusé : une identité ne peut pas être déclarée « qualifiée » à l'envoi.")
        },
    )


def check_identity_status(form: forms.Form, data: dict) -> None:
    """Add the identity status rule's error (jalon/patients/identity.py) to a form holding the patient fields."""
    if "identity_status" in form.fields and data.get("identity_status") and "ins" in data:
        error = submission_status_error(data["identity_status"], data["ins"])
        if error:
            form.add_error("identity_status", error)


class ExamForm(forms.Form):
    kind = forms.ChoiceField(label=_("Examen"), choices=[("", _("— Aucun —")), *ExamKind.choices], required=False)
    done_on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Lieu"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Résultat résumé"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = DocumentsField(label=_("Compte rendu"))

    def clean(self):
        data = super().clean()
        has_content = data.get("done_on") or data.get("place") or data.get("summary") or data.get("files")
        if has_content and not data.get("kind"):
            self.add_error("kind", _("Précisez le type d'examen."))
        if future_error := future_date_error(data.get("done_on"), what=_("La date de l'examen")):
            self.add_error("done_on", future_error)
        return data


ExamFormSet = forms.formset_factory(ExamForm, extra=3, max_num=10, validate_max=True)


class ComplementForm(forms.Form):
    """What the referrer sends back when a complement is requested."""

    message = forms.CharField(
        label=_("Message à la coordination"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    clinical_reason = forms.CharField(
        label=_("Motif clinique (à compléter)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    first_symptoms_date = forms.DateField(
        label=_("Date des premiers symptômes"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    patient_informed = forms.ChoiceField(
        label=_("Le patient est-il informé de la suspicion ?"), choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    phone = forms.CharField(label=_("Téléphone du patient"), max_length=30, required=False)
    commune = CommuneField(label=_("Commune de résidence du patient"), required=False, max_length=120)
    documents = DocumentsField(label=_("Documents (PDF, PNG ou JPEG)"))
    not_done = forms.MultipleChoiceField(
        label=_("Examens demandés non réalisés"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Cochez un examen qui n'a pas été réalisé : l'élément est alors considéré comme répondu."),
    )

    def __init__(self, *args, not_done_choices: list[tuple[str, str]] | tuple = (), **kwargs):
        """`not_done_choices`: the missing items the referrer may answer « non réalisé » (code, label)."""
        super().__init__(*args, **kwargs)
        if not_done_choices:
            self.fields["not_done"].choices = list(not_done_choices)
        else:
            del self.fields["not_done"]

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return normalize_french_phone(value) if value else ""

    def clean_first_symptoms_date(self):
        value = self.cleaned_data["first_symptoms_date"]
        validate_not_in_future(value, what=_("La date des premiers symptômes"))
        return value


class AcceptForm(forms.Form):
    pathway_kind = forms.ChoiceField(label=_("Parcours"), choices=PathwayKind.choices)
    priority = forms.ChoiceField(label=_("Priorité"), choices=Priority.choices)
    reason = forms.CharField(
        label=_("Commentaire"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outside_territory_acknowledged = forms.BooleanField(
        label=_("J'accepte ce patient bien qu'il réside hors du territoire"), required=False
    )
    override_reason = forms.CharField(
        label=_("Motif de l'écart avec la proposition des règles"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire si vous retenez un autre parcours ou une autre priorité que ceux proposés."),
    )
    complement_message = forms.CharField(
        label=_("Message à l'adresseur pour le complément"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "La demande est incomplète : en l'acceptant, vous demandez en même temps les éléments manquants à "
            "l'adresseur. Chacun devient une tâche du parcours avec son échéance."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RedirectForm(ReasonForm):
    redirected_to = forms.CharField(label=_("Réorientée vers"), max_length=200)


class ComplementRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Ce qui manque (message envoyé à l'adresseur)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WorklistFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher (nom, INS, référence)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[
            ("open", _("À traiter")),
            ("", _("Tous")),
            ("received", _("Reçues")),
            ("awaiting_complement", _("En attente de complément")),
            ("accepted", _("Acceptées")),
            ("declined", _("Refusées")),
            ("redirected", _("Réorientées")),
            ("closed", _("Clôturées")),
        ],
    )
    completeness = forms.ChoiceField(
        label=_("Complétude"),
        required=False,
        choices=[("", _("Toutes")), ("complete", _("Complètes")), ("incomplete", _("Incomplètes"))],
    )
    channel = forms.ChoiceField(label=_("Canal"), required=False, choices=[("", _("Tous"))])
    priority = forms.ChoiceField(label=_("Priorité"), required=False, choices=[("", _("Toutes")), *Priority.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from jalon.referrals.models import Channel

        self.fields["channel"].choices = [("", _("Tous")), *Channel.choices]


def identity_from_cleaned(cleaned: dict) -> PatientIdentity:
    """The patient identity typed in a form holding the referral form's patient fields (referral, phone
    intake, a mail completed, a tele-expertise request); provisional when no status was asked."""
    gp = cleaned.get("gp")
    return PatientIdentity(
        birth_name=cleaned["birth_name"],
        used_name=cleaned["used_name"],
        first_names=cleaned["first_names"],
        sex=cleaned["sex"],
        birth_date=cleaned["birth_date"],
        ins=cleaned["ins"],
        birth_place_code=cleaned["birth_place_code"],
        identity_status=cleaned.get("identity_status") or "prov",
        commune_code=cleaned["commune"].code if cleaned["commune"] else None,
        phone=cleaned["phone"],
        gp_id=gp.pk if gp else None,
    )
