"""Give the open referrals received before triage stored its proposal (`Referral.proposed_priority`) the priority
the published rules propose, so the worklist sorts them with the others. Run once after the upgrade; running it
again changes nothing."""

from django.core.management.base import BaseCommand

from jalon.triage.services import proposed_priority_backfill, published_rule_set


class Command(BaseCommand):
    help = (
        "Calcule la priorité proposée par les règles de tri publiées pour les demandes ouvertes qui n'en ont pas "
        "(demandes reçues avant que Jalon la conserve)."
    )

    def handle(self, *args, **options):
        if published_rule_set() is None:
            self.stdout.write("Aucun jeu de règles de tri publié : rien à calculer.")
            return
        counts = proposed_priority_backfill()
        total = sum(counts.values())
        if not total:
            self.stdout.write("Aucune demande ouverte sans priorité proposée.")
            return
        detail = ", ".join(f"{priority} : {counts[priority]}" for priority in sorted(counts))
        self.stdout.write(f"Priorité proposée calculée pour {total} demande(s) ouverte(s) ({detail}).")
