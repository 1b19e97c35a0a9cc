from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.scheduling.models import Resource
from jalon.scheduling.services import slots_generate, slots_release_due

GENERATION_HORIZON_DAYS = 28


@db_periodic_task(crontab(minute="*/5"))
def release_unused_reserved_slots() -> None:
    """Every five minutes: reserved and urgent slots still free at their release time go to everyone."""
    slots_release_due()


@db_periodic_task(crontab(minute="15", hour="2"))
@lock_task("scheduling-generate-slots")
def generate_slots_ahead() -> None:
    """Nightly: every active resource has its slots for the next four weeks (idempotent)."""
    today = timezone.localdate()
    for resource in Resource.objects.filter(is_active=True).select_related("organization__commune"):
        slots_generate(resource=resource, start=today, end=today + timedelta(days=GENERATION_HORIZON_DAYS))
