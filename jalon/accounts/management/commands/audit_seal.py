"""Seal the audit records not sealed yet (Huey does it every minute); --full also looks far behind."""

from django.core.management.base import BaseCommand

from jalon.accounts.chain import audit_seal


class Command(BaseCommand):
    help = "Scelle les traces d'audit qui ne le sont pas encore (chaîne d'empreintes)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Cherche les traces non scellées dans tout le journal.")

    def handle(self, *args, full, **options):
        sealed = audit_seal(full=full)
        self.stdout.write(f"{sealed} trace(s) scellée(s).")
