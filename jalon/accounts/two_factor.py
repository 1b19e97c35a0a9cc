"""The second factor: who must have one, whether this session passed it, and the writes on TOTP devices.

The devices and code checks are django-otp's (TOTP with drift tolerance, replay refusal and throttling;
static tokens as single-use recovery codes). Jalon adds the rule (which roles must enrol), the session
mark (a session passes the second factor by a TOTP code, a recovery code, or a Pro Santé Connect login,
which is itself strong authentication) and the audit records.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jalon.accounts.audit import audit
from jalon.accounts.models import AuditAction, Role
from jalon.core.actor import Actor

# Roles that reach a whole organisation's patients or configure the region: a stolen password is not enough.
ROLES_REQUIRING_TWO_FACTOR = frozenset({Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.REGIONAL_ANALYST})
RECOVERY_CODE_COUNT = 10
SESSION_KEY = "jalon_second_factor"  # how this session passed the second factor: a SecondFactorMethod value
DEVICE_NAME = "Application d'authentification"


class SecondFactorMethod:
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    PRO_SANTE_CONNECT = "pro_sante_connect"
    ENROLMENT = "enrolment"


class SecondFactorError(Exception):
    """A code refused: the message is French and says what to do."""


def two_factor_required(user) -> bool:
    """Whether `user` must enrol a second factor before reaching anything (JALON_REQUIRE_2FA off: nobody must).
    Any account that reaches Django's admin (staff, superuser) must too, whatever its role: `createsuperuser`
    gives the default role."""
    return bool(settings.JALON_REQUIRE_2FA) and (
        user.role in ROLES_REQUIRING_TWO_FACTOR or user.is_staff or user.is_superuser
    )


def has_second_factor(user) -> bool:
    """Whether `user` has a confirmed TOTP device (then every login asks for a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_passed_second_factor(session) -> bool:
    return bool(session.get(SESSION_KEY))


# The session of a user who needs no second factor (no device, a role that does not require one) remembers
# it for the user's current rights, so that the check costs no query on every page and every poll; a change
# of role or of staff status, or a new login, checks again.
NOT_NEEDED_KEY = "jalon_second_factor_not_needed"


def _rights_mark(user) -> str:
    return f"{user.role}|{int(user.is_staff)}|{int(user.is_superuser)}"


def session_knows_second_factor_not_needed(session, user) -> bool:
    return session.get(NOT_NEEDED_KEY) == _rights_mark(user)


def session_mark_second_factor_not_needed(session, user) -> None:
    session[NOT_NEEDED_KEY] = _rights_mark(user)


def session_mark_second_factor(session, method: str) -> None:
    """Record in the (already logged-in) session that the second factor was passed, and how."""
    session[SESSION_KEY] = method


def forget_second_factor_on_login(sender, request, user, **kwargs):
    """A new login starts without the second factor (the PSC view marks it again after its own login)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)
        session.pop(NOT_NEEDED_KEY, None)


def secret_text(device: TOTPDevice) -> str:
    """The device's secret in base32 groups of four, for people who type it instead of scanning."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _throttled(device) -> bool:
    """Whether django-otp makes the device wait after wrong codes (checked before trying a code)."""
    allowed, details = device.verify_is_allowed()
    return not allowed and bool(details) and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS


THROTTLED = _lazy("Trop de codes erronés : attendez quelques secondes avant de réessayer.")


@transaction.atomic
def totp_device_start(*, actor: Actor) -> TOTPDevice:
    """The user's enrolment in progress: an unconfirmed device (the same one until confirmed or restarted)."""
    user = actor.user
    if has_second_factor(user):
        raise SecondFactorError(_("La double authentification est déjà activée pour ce compte."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, actor: Actor, device_id: int, code: str) -> list[str]:
    """Confirm the enrolment with a first code; returns the recovery codes, shown once (django-otp keeps them)."""
    # A refused code must still count towards django-otp's throttling: it is committed, then the error raised.
    with transaction.atomic():
        outcome = _confirm(actor, device_id=device_id, code=code)
    if isinstance(outcome, SecondFactorError):
        raise outcome
    return outcome


def _confirm(actor: Actor, *, device_id: int, code: str) -> list[str] | SecondFactorError:
    user = actor.user
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or has_second_factor(user):
        return SecondFactorError(
            _("Cette activation n'est plus en cours : recommencez depuis la page de double authentification.")
        )
    if _throttled(device):
        return SecondFactorError(str(THROTTLED))
    if not device.verify_token(_normalise_code(code)):
        return SecondFactorError(_("Code incorrect : saisissez les 6 chiffres affichés par votre application."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    audit(actor, action=AuditAction.CREATE, patient_id=None, object_type="second_factor", object_id=f"totp:{device.pk}")
    return codes


def _new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes by RECOVERY_CODE_COUNT new ones (the old ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=_("Codes de secours"), confirmed=True)
    codes = [StaticToken.random_token() for _unused in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=token) for token in codes)
    return codes


def recovery_codes_renew(*, actor: Actor, code: str) -> list[str]:
    """New recovery codes after a valid code (the old ones stop working); raises SecondFactorError."""
    second_factor_verify(actor=actor, code=code)
    with transaction.atomic():
        codes = _new_recovery_codes(actor.user)
        audit(
            actor,
            action=AuditAction.UPDATE,
            patient_id=None,
            object_type="recovery_codes_renewed",
            object_id=actor.user.pk,
        )
    return codes


@dataclass(frozen=True)
class Verification:
    method: str
    recovery_codes_left: int | None = None


def second_factor_verify(*, actor: Actor, code: str) -> Verification:
    """Check a TOTP code, or a recovery code (then consumed); raises SecondFactorError with a French message."""
    # A refused code must still count towards django-otp's throttling: it is committed, then the error raised.
    with transaction.atomic():
        outcome = _verify(actor, code=code)
    if isinstance(outcome, SecondFactorError):
        raise outcome
    return outcome


def _verify(actor: Actor, *, code: str) -> Verification | SecondFactorError:
    user = actor.user
    token = _normalise_code(code)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return SecondFactorError(_("Aucune double authentification n'est activée pour ce compte."))
    if len(token) == 6 and token.isdigit():
        if _throttled(device):
            return SecondFactorError(str(THROTTLED))
        if device.verify_token(token):
            return Verification(method=SecondFactorMethod.TOTP)
        return SecondFactorError(
            _("Code incorrect ou expiré : saisissez le code à 6 chiffres affiché maintenant par votre application.")
        )
    static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if static is not None and _throttled(static):
        return SecondFactorError(str(THROTTLED))
    if static is not None and static.verify_token(token):
        left = StaticToken.objects.filter(device=static).count()
        audit(
            actor,
            action=AuditAction.UPDATE,
            patient_id=None,
            object_type="recovery_code_used",
            object_id=f"static:{static.pk}",
        )
        return Verification(method=SecondFactorMethod.RECOVERY_CODE, recovery_codes_left=left)
    return SecondFactorError(_("Code de secours incorrect ou déjà utilisé."))


def totp_device_remove(*, actor: Actor, code: str) -> None:
    """Remove the user's second factor after a valid code; refused when their role requires one."""
    user = actor.user
    if two_factor_required(user):
        raise SecondFactorError(_("Votre rôle exige la double authentification : elle ne peut pas être désactivée."))
    second_factor_verify(actor=actor, code=code)
    _remove(actor)


@transaction.atomic
def _remove(actor: Actor) -> None:
    user = actor.user
    removed = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit(
        actor,
        action=AuditAction.UPDATE,
        patient_id=None,
        object_type="second_factor_removed",
        object_id=",".join(f"totp:{pk}" for pk in removed),
    )
