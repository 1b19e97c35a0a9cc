"""Plan the coming week's pending bookings together (CP-SAT), beside the first-come-first-served baseline."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.actor import Actor
from jalon.scheduling.week_planning import book_plan, plan_week


class Command(BaseCommand):
    help = (
        "Planifie ensemble les rendez-vous en attente de la semaine (CP-SAT) et les compare au premier arrivé, "
        "premier servi."
    )

    def add_arguments(self, parser):
        parser.add_argument("--time-limit", type=float, default=10.0, help="Secondes accordées au solveur.")
        parser.add_argument("--book", metavar="IDENTIFIANT", help="Réserver le plan au nom de ce coordinateur.")

    def handle(self, *args, time_limit, book, **options):
        user = None
        if book:
            user = User.objects.filter(username=book, role=Role.COORDINATOR, is_active=True).first()
            if user is None:
                raise CommandError(f"Coordinateur actif introuvable : {book}")
        batch, greedy = plan_week(
            now=timezone.now(),
            organization_ids=user.organization_ids() if user else None,
            time_limit_seconds=time_limit,
        )
        for result in (greedy, batch):
            m = result.metrics
            bound = f", borne {result.best_bound:.0f}" if result.best_bound is not None else ""
            self.stdout.write(
                f"{result.method} ({result.status}{bound}) en {result.wall_seconds:.1f} s : "
                f"{m.planned_steps}/{m.steps} étapes planifiées, retard pondéré {m.total_weighted_delay_hours:.0f} h, "
                f"P1 vus sous 48 h {m.p1_seen_within_48h:.0%}, diagnostiqués sous 7 jours "
                f"{m.p1_diagnosed_within_7d:.0%}"
            )
        if user is not None:
            booked, problems = book_plan(actor=Actor(user=user, channel="system"), result=batch)
            self.stdout.write(f"{booked} rendez-vous réservés.")
            for problem in problems:
                self.stdout.write(f"Non réservé : {problem}")
