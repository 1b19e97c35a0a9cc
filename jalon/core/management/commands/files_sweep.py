"""Remove the stored files no row names (older than the grace period), with a report; --dry-run only lists them."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jalon.core.files import files_sweep
from jalon.core.formatting import datetime_numeric


class Command(BaseCommand):
    help = "Supprime les fichiers stockés qu'aucune ligne ne référence (plus anciens que le délai de grâce)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Liste les fichiers orphelins sans les supprimer.")
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=None,
            help="Âge minimal d'un fichier orphelin, en heures (FILES_SWEEP_GRACE_HOURS, 24 par défaut).",
        )

    def handle(self, *args, dry_run, grace_hours, **options):
        hours = settings.FILES_SWEEP_GRACE_HOURS if grace_hours is None else grace_hours
        if hours < 1:
            raise CommandError(
                "--grace-hours doit être au moins 1 : un fichier plus récent peut appartenir à une transaction en "
                "cours."
            )
        report = files_sweep(grace=timedelta(hours=hours), dry_run=dry_run)
        verb = "à supprimer" if dry_run else "supprimé"
        for name, size in report.removed:
            self.stdout.write(f"orphelin {verb} : {name} ({size} octets)")
        summary = "orphelin(s) trouvé(s), rien supprimé (--dry-run)" if dry_run else "orphelin(s) supprimé(s)"
        self.stdout.write(
            f"{datetime_numeric(timezone.now())} : {len(report.removed)} fichier(s) {summary}, "
            f"{report.removed_bytes} octets ; {report.kept} fichier(s) gardé(s) (référencés ou de moins de {hours} h)."
        )
