"""The thread between the city professionals (referrer, GP) and the coordination about one referral,
and how far each user has read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 5000


class ThreadSide(models.TextChoices):
    """Which side wrote a message, fixed at write time: unread counts compare it with the reader's side."""

    CITY = "city", _("Professionnel de ville")
    COORDINATION = "coordination", _("Coordination")


class ThreadMessage(models.Model):
    """One message of a referral's thread (one thread per referral). Written by `thread_message_post` only."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="thread_messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(_("côté"), max_length=12, choices=ThreadSide.choices)
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message à la coordination")
        indexes = [models.Index(fields=["referral", "side", "created_at"])]

    def __str__(self) -> str:
        return f"{self.referral_id} – {self.get_side_display()} – {self.created_at:%Y-%m-%d %H:%M}"


class ThreadReadMark(models.Model):
    """Up to when `user` has read the thread of `referral`: the other side's later messages are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(_("lu jusqu'au"))

    class Meta:
        verbose_name = _("lecture d'un fil")
        constraints = [models.UniqueConstraint(fields=["user", "referral"], name="thread_read_mark_unique")]
