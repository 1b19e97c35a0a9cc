"""Walk the audit trail's hash chain and report the first broken link (exit code 1), or that it is intact."""

from django.core.management.base import BaseCommand, CommandError

from jalon.accounts.chain import audit_chain_verify
from jalon.core.formatting import date_numeric, time_in_words

REASONS = {
    "hash_mismatch": "la trace ou son maillon a été modifié",
    "missing_link": "un maillon ou sa trace a disparu avant celui-ci",
}


class Command(BaseCommand):
    help = "Vérifie la chaîne d'empreintes du journal d'audit et signale le premier maillon rompu."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000, help="Maillons lus par requête (5000 par défaut).")

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size doit être au moins 1.")
        report = audit_chain_verify(batch_size=batch_size)
        if report.unsealed:
            self.stdout.write(
                f"{report.unsealed} trace(s) pas encore scellée(s) (scellement chaque minute, ou manage.py audit_seal)."
            )
        if report.broken is not None:
            broken = report.broken
            when = (
                f"{date_numeric(broken.at)} {time_in_words(broken.at, seconds=True)}" if broken.at else "date inconnue"
            )
            raise CommandError(
                f"chaîne rompue au maillon n° {broken.position} : trace n° {broken.record_id} du {when} "
                f"({REASONS[broken.reason]}) ; {report.links} maillon(s) intact(s) avant lui.",
                returncode=1,
            )
        self.stdout.write(f"chaîne intacte ({report.links} traces) ; dernier maillon : {report.head_hash}")
