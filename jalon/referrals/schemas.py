"""Input and output schemas of the referrals JSON API, with their limits in the types.

The input schemas check what can be checked without the database (lengths, choices, dates,
the INS key, the phone number); the API route then looks up the entry point, the commune and
the professionals, and the service decides the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from jalon.core.identifiers import (
    normalize_french_phone,
    normalize_identifier,
    normalize_ins,
    validate_ins,
    validate_rpps,
)
from jalon.core.text import validate_civil_name
from jalon.core.validation import future_date_error
from jalon.core.vocabulary import AlarmSign, CancerSite, Urgency
from jalon.patients.models import Sex
from jalon.referrals.completeness import item_label
from jalon.referrals.imaging import clean_imaging_findings
from jalon.referrals.models import ExamKind, Question, Referral

MAX_EXAMS = 10
MAX_DOCUMENTS = 10


def _refuse_nul(value: str) -> str:
    """PostgreSQL refuses the NUL character in text: say so instead of failing on save."""
    if "\x00" in value:
        raise PydanticCustomError(
            "nul_character", "{message}", {"message": _("Le texte contient un caractère nul (U+0000), refusé.")}
        )
    return value


def _text(max_length: int, *, min_length: int = 0, pattern: str | None = None):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern),
        AfterValidator(_refuse_nul),
    ]


def _invalid(kind: str, message: str) -> PydanticCustomError:
    # The message goes through the context so that braces in it are never read as placeholders.
    return PydanticCustomError(kind, "{message}", {"message": message})


def _first_message(error: DjangoValidationError) -> str:
    return str(error.messages[0]) if error.messages else str(error)


def _civil_name(value: str) -> str:
    """The characters of French civil status only (the model's and the forms' validator)."""
    try:
        validate_civil_name(value)
    except DjangoValidationError as error:
        raise _invalid("civil_name_invalid", _first_message(error)) from None
    return value


def _name(max_length: int, *, min_length: int = 0):
    return Annotated[_text(max_length, min_length=min_length), AfterValidator(_civil_name)]


Slug = _text(50, min_length=1, pattern=r"^[-a-zA-Z0-9_]+$")
Name = _name(100, min_length=1)
OptionalName = _name(100)
FirstNames = _name(200, min_length=1)
InseeCode = _text(5, pattern=r"^(?:\d{5}|2[ABab]\d{3})$")
RawIdentifier = _text(30)  # an INS, RPPS or phone as typed, with spaces, dots or hyphens
ShortText = _text(200)
LongText = _text(5000)
Filename = _text(200, min_length=1)


class DocumentIn(Schema):
    """A PDF, PNG or JPEG file, its bytes in standard base64 (line breaks allowed)."""

    model_config = ConfigDict(extra="forbid")

    filename: Filename
    content_base64: str


class ExamIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: ExamKind
    done_on: date | None = None
    place: ShortText | None = None
    summary: LongText | None = None
    documents: list[DocumentIn] = Field(default_factory=list, max_length=MAX_DOCUMENTS)

    @field_validator("done_on")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if future_error := future_date_error(value, what=_("La date de l'examen")):
            raise _invalid("date_in_future", future_error)
        return value


class ImagingFindingsIn(Schema):
    """Imaging scores as structured exam results; every field is optional (referrals/imaging.py cleans them)."""

    model_config = ConfigDict(extra="forbid")

    birads: Annotated[int, Field(ge=0, le=6)] | None = None
    eu_tirads: Annotated[int, Field(ge=1, le=5)] | None = None
    lirads: Literal["LR-1", "LR-2", "LR-3", "LR-4", "LR-5", "LR-M", "LR-TIV"] | None = None
    lung_rads: Literal["1", "2", "3", "4A", "4B", "4X"] | None = None
    lesion_size_mm: Annotated[int, Field(ge=1, le=500)] | None = None

    @model_validator(mode="after")
    def _clean(self):
        try:
            clean_imaging_findings(self.model_dump(exclude_none=True))
        except DjangoValidationError as error:
            raise _invalid("imaging_invalid", _first_message(error)) from None
        return self

    def as_findings(self) -> dict:
        return clean_imaging_findings(self.model_dump(exclude_none=True))


class PatientIn(Schema):
    """The patient's identity traits, as the referring software knows them.

    Optional identifiers are validated even when absent, so that they always come out as strings ("" when unknown).
    """

    model_config = ConfigDict(extra="forbid")

    ins: RawIdentifier | None = Field(default=None, validate_default=True)
    birth_name: Name
    used_name: OptionalName | None = None
    first_names: FirstNames
    sex: Sex
    birth_date: date
    birth_place_code: InseeCode | None = Field(default=None, validate_default=True)
    commune_code: InseeCode | None = Field(default=None, validate_default=True)
    phone: RawIdentifier | None = Field(default=None, validate_default=True)
    gp_rpps: RawIdentifier | None = Field(default=None, validate_default=True)

    @field_validator("ins")
    @classmethod
    def _valid_ins(cls, value: str | None) -> str:
        if not value:
            return ""
        ins = normalize_ins(value)
        try:
            validate_ins(ins)
        except DjangoValidationError as error:
            raise _invalid("ins_invalid", _first_message(error)) from None
        return ins

    @field_validator("phone")
    @classmethod
    def _e164_phone(cls, value: str | None) -> str:
        if not value:
            return ""
        try:
            return normalize_french_phone(value)
        except DjangoValidationError as error:
            raise _invalid("phone_invalid", _first_message(error)) from None

    @field_validator("gp_rpps")
    @classmethod
    def _valid_gp_rpps(cls, value: str | None) -> str:
        return _rpps_or_blank(value)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if future_error := future_date_error(value, what=_("La date de naissance")):
            raise _invalid("date_in_future", future_error)
        if value.year < 1900:
            raise _invalid("date_too_old", _("Vérifiez l'année de naissance."))
        return value

    @field_validator("birth_place_code", "commune_code")
    @classmethod
    def _upper_code(cls, value: str | None) -> str:
        return (value or "").upper()


def _rpps_or_blank(value: str | None) -> str:
    if not value:
        return ""
    rpps = normalize_identifier(value)
    try:
        validate_rpps(rpps)
    except DjangoValidationError as error:
        raise _invalid("rpps_invalid", _first_message(error)) from None
    return rpps


class ReferralIn(Schema):
    """A referral sent by other software. `referrer_rpps` is for coordinators sending on a professional's behalf."""

    model_config = ConfigDict(extra="forbid")

    entry_point: Slug
    referrer_rpps: RawIdentifier | None = Field(default=None, validate_default=True)
    patient: PatientIn
    suspected_site: CancerSite
    clinical_reason: LongText | None = None
    first_symptoms_date: date | None = None
    declared_urgency: Urgency = Urgency.ROUTINE
    alarm_signs: list[AlarmSign] = Field(default_factory=list, max_length=len(AlarmSign.choices))
    question: Question = Question.DIAGNOSIS
    patient_informed: bool | None = None
    imaging_findings: ImagingFindingsIn | None = None
    exams: list[ExamIn] = Field(default_factory=list, max_length=MAX_EXAMS)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=MAX_DOCUMENTS)

    @field_validator("referrer_rpps")
    @classmethod
    def _valid_referrer_rpps(cls, value: str | None) -> str:
        return _rpps_or_blank(value)

    @field_validator("first_symptoms_date")
    @classmethod
    def _symptoms_not_in_future(cls, value: date | None) -> date | None:
        if future_error := future_date_error(value, what=_("La date des premiers symptômes")):
            raise _invalid("date_in_future", future_error)
        return value


class MissingItemOut(Schema):
    code: str
    label: str


class StatusOut(Schema):
    code: str
    label: str


def _missing_items_of(referral: Referral) -> list[dict]:
    return [{"code": item, "label": item_label(item)} for item in referral.missing_items]


def _paris_time(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value is not None else None


class ReferralSubmittedOut(Schema):
    """The acknowledgment: the reference to quote, and when an answer is due (Europe/Paris time)."""

    reference: str
    status: str
    answer_deadline: datetime
    missing_items: list[MissingItemOut]
    complete: bool

    @staticmethod
    def resolve_answer_deadline(referral: Referral) -> datetime:
        return _paris_time(referral.answer_deadline)

    @staticmethod
    def resolve_missing_items(referral: Referral) -> list[dict]:
        return _missing_items_of(referral)

    @staticmethod
    def resolve_complete(referral: Referral) -> bool:
        return referral.is_complete


class ReferralStatusOut(Schema):
    """Where a referral stands. Times are in Europe/Paris with their offset."""

    reference: str
    status: StatusOut
    received_at: datetime
    answer_deadline: datetime
    answered_at: datetime | None
    missing_items: list[MissingItemOut]
    complete: bool
    pathway_kind: str | None
    priority: str | None

    @staticmethod
    def resolve_status(referral: Referral) -> dict:
        return {"code": referral.status, "label": str(referral.get_status_display())}

    @staticmethod
    def resolve_received_at(referral: Referral) -> datetime:
        return _paris_time(referral.received_at)

    @staticmethod
    def resolve_answer_deadline(referral: Referral) -> datetime:
        return _paris_time(referral.answer_deadline)

    @staticmethod
    def resolve_answered_at(referral: Referral) -> datetime | None:
        return _paris_time(referral.answered_at)

    @staticmethod
    def resolve_missing_items(referral: Referral) -> list[dict]:
        return _missing_items_of(referral)

    @staticmethod
    def resolve_complete(referral: Referral) -> bool:
        return referral.is_complete

    @staticmethod
    def resolve_pathway_kind(referral: Referral) -> str | None:
        return referral.pathway_kind or None

    @staticmethod
    def resolve_priority(referral: Referral) -> str | None:
        return referral.priority or None


class FieldErrorOut(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    """Every error: a stable code, a French message, the field concerned (dotted path) and all field errors."""

    code: str
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] = Field(default_factory=list)
