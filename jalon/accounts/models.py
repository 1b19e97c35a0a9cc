"""Users with one role each, API tokens, and the append-only audit trail."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalon.core.memo import ReferenceMemo


class Role(models.TextChoices):
    REFERRER = "referrer", _("Adresseur")
    COORDINATOR = "coordinator", _("Coordinateur·rice de parcours")
    SPECIALIST = "specialist", _("Spécialiste")
    HOME_NURSE = "home_nurse", _("Infirmier·e à domicile")
    SUPPORT_PROVIDER = "support_provider", _("Soins de support")
    MANAGER = "manager", _("Responsable")
    ADMIN = "admin", _("Administrateur·rice")
    # Reads region-wide aggregates and exports region-wide pseudonymised rows; no nominative data.
    REGIONAL_ANALYST = "regional_analyst", _("Analyste régional·e")
    # Receives the pathology requests addressed to them and records their results (issue 16).
    PATHOLOGIST = "pathologist", _("Anatomopathologiste")


def _organization_ids_of(professional_id: int) -> tuple[int, ...]:
    from jalon.directory.models import Membership

    return tuple(Membership.objects.filter(professional_id=professional_id).values_list("organization_id", flat=True))


# A professional's organisations, read by the access rules of nearly every page (core.memo).
_ORGANIZATIONS = ReferenceMemo("organization-ids", watches=("directory.Membership",))


class User(AbstractUser):
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices, default=Role.REFERRER)
    professional = models.OneToOneField(
        "directory.Professional",
        verbose_name=_("professionnel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="user",
    )

    def organization_ids(self) -> list[int]:
        """Ids of the organisations this user works for (through their professional record)."""
        if not self.professional_id:
            return []
        cached = getattr(self, "_organization_ids", None)
        if cached is None:
            cached = list(_ORGANIZATIONS.get(self.professional_id, _organization_ids_of))
            self._organization_ids = cached
        return cached


class AuditAction(models.TextChoices):
    READ = "read", _("Consultation")
    CREATE = "create", _("Création")
    UPDATE = "update", _("Modification")
    DOWNLOAD = "download", _("Téléchargement")
    EXPORT = "export", _("Export")
    SEARCH = "search", _("Recherche")
    DELETE = "delete", _("Suppression")


class AuditRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise PermissionError("audit records are append-only")

    def delete(self):
        raise PermissionError("audit records are append-only")


class AuditRecord(models.Model):
    """Who did what to which patient's data, when and from where. Never updated nor deleted."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("acteur"), on_delete=models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField(_("acteur (libellé)"), max_length=200)
    patient = models.ForeignKey(
        "patients.Patient", verbose_name=_("patient"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("objet"), max_length=50)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    channel = models.CharField(_("canal"), max_length=10, default="web")
    path = models.CharField(_("adresse de la page"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    # What changed, for changes made outside a service (the admin): {"field": [before, after]}.
    detail = models.JSONField(_("détail"), default=dict, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("trace d'audit")
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["actor", "-at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit records are append-only")


class AuditSealQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit seals are append-only")

    def delete(self):
        raise PermissionError("audit seals are append-only")


class AuditSeal(models.Model):
    """One link of the audit trail's hash chain (accounts/chain.py): sha256 of a record and of the previous link.

    Positions are 1, 2, 3... without gaps, in the order records were sealed; never updated nor deleted.
    """

    position = models.BigIntegerField(_("maillon"), primary_key=True)
    record = models.OneToOneField(AuditRecord, verbose_name=_("trace"), on_delete=models.PROTECT, related_name="seal")
    hash = models.CharField(_("empreinte"), max_length=64)
    sealed_at = models.DateTimeField(_("scellée le"), default=timezone.now)

    objects = AuditSealQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        verbose_name = _("sceau d'audit")

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit seals are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit seals are append-only")


class ApiScope(models.TextChoices):
    """What an API token may be used for; each route requires one."""

    SUBMIT = "submit", _("Envoyer des demandes")
    READ_STATUS = "read_status", _("Suivre l'état des demandes")
    READ_BOARDS = "read_boards", _("Lire les réunions de RCP et leurs dossiers")
    READ_PATHOLOGY = "read_pathology", _("Lire les demandes d'anatomopathologie")


def default_token_expiry():
    """The expiry of a token issued now: API_TOKEN_LIFETIME_DAYS from now."""
    from django.conf import settings

    return timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def unrevoked(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for software calling the API on behalf of a user; only its hash is stored.

    It carries scopes (which routes it opens), an expiry, and the date it was last used (to the
    minute). It never carries rights of its own: every call re-checks its user (jalon.accounts.tokens)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=100)
    key_prefix = models.CharField(_("début de la clé"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("droits"), default=list)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"), default=default_token_expiry)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(
        cls, *, user: User, name: str, scopes: Iterable[str] | None = None, expires_at: datetime | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its clear key (shown once, never stored).

        Scopes default to all of them, the expiry to API_TOKEN_LIFETIME_DAYS; the service
        `tokens.api_token_issue` checks both and writes the audit record."""
        key = "jal_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            key_prefix=key[:8],
            key_hash=cls.hash_key(key),
            scopes=sorted(set(scopes)) if scopes is not None else sorted(ApiScope.values),
            expires_at=expires_at or default_token_expiry(),
        )
        return token, key

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes or []]


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("En cours")
    COMPLETED = "completed", _("Terminée")


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` a user sent with a POST: the request's fingerprint and, once done, the answer.

    Unique per (user, key): the first request inserts the row "in progress" in its own transaction;
    its work and the stored answer commit together (jalon.accounts.idempotency)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("clé"), max_length=255)
    request_hash = models.CharField(_("empreinte de la requête"), max_length=64)
    status = models.CharField(_("état"), max_length=16, choices=IdempotencyStatus.choices)
    # Bumped when a request takes over a claim whose holder stopped answering (see accounts.idempotency).
    attempt = models.PositiveIntegerField(default=1)
    locked_at = models.DateTimeField(_("traitement commencé le"))
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), db_index=True)

    class Meta:
        verbose_name = _("clé d'idempotence")
        verbose_name_plural = _("clés d'idempotence")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
